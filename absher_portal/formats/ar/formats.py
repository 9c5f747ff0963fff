"""Arabic word order: day, month, year, then the time with ص/م («4 ديسمبر 2026، 8:26 م»)."""

DATE_FORMAT = "j F Y"
TIME_FORMAT = "g:i A"
DATETIME_FORMAT = "j F Y، g:i A"
SHORT_DATETIME_FORMAT = "d\u200f/m\u200f/Y g:i A"

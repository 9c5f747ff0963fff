"""The portal's own date formats per language (``FORMAT_MODULE_PATH``, decision 151).

Django's built-in ``ar`` formats have no ``DATETIME_FORMAT``, so the Arabic admin fell back to
the American default («ديسمبر 4, 2026, 8:26 م»), and English used "Jan. 3, 2027". What a
module here leaves out still comes from Django's own module for the language. Pages, SMS
and email go further (Hijri dates, GOV.UK times) through ``absher_portal.dates``.
"""

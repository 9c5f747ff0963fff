"""Django's admin looks for this module; the staff pages live in ``accounts/staff/``.

Importing them registers the accounts list with its actions, the account history and the SMS
deliveries list with the admin site.
"""

from accounts.staff import admin, sms_deliveries  # noqa: F401

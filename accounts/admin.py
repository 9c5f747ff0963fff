"""Django's admin looks for this module; the staff pages live in ``accounts/staff/``.

Importing them registers the accounts list with its actions, the account history, the SMS
deliveries and the notices lists with the admin site.
"""

from accounts.staff import admin, notices, sms_deliveries  # noqa: F401

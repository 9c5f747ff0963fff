"""The staff journey: Django admin pages for accounts, their history and SMS deliveries."""

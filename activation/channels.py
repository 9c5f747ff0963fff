"""Where and how a person confirms their registration at a bank (from the seed guide).

The "account created" page shows these through the ``activation_channels`` template tag, so
the accounts app never imports this app. The bank activation work moves them into the
database, editable in admin, with this list as its data migration's seed.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Channel:
    code: str  # online | atm | app | phone
    name: Promise
    steps: tuple[Promise, ...]


@dataclass(frozen=True)
class BankChannels:
    bank_code: str
    bank_name: Promise
    channels: tuple[Channel, ...]


SEED_CHANNELS: tuple[BankChannels, ...] = (
    BankChannels(
        "anb",
        _("Arab National Bank"),
        (
            Channel(
                "online",
                _("Arabi Net online banking"),
                (
                    _("Sign in to Arabi Net."),
                    _("Choose “MOI services”."),
                    _("Choose “Absher activation”."),
                    _("Confirm your details."),
                    _("Accept the terms and conditions."),
                ),
            ),
            Channel(
                "atm",
                _("ANB ATM"),
                (
                    _("Insert your card and enter your PIN."),
                    _("Choose your language."),
                    _("Choose “Other services”."),
                    _("Choose “Activate Absher”."),
                ),
            ),
            Channel(
                "app",
                _("ANB mobile app"),
                (
                    _("Sign in to the ANB app."),
                    _("Choose “Other services”."),
                    _("Choose “Activate Absher”."),
                    _("Accept the terms and conditions."),
                    _("Enter the one-time code sent to you."),
                    _("Press “OK”."),
                ),
            ),
        ),
    ),
    BankChannels(
        "alrajhi",
        _("Al Rajhi Bank"),
        (
            Channel(
                "online",
                _("Al Rajhi Mubasher online banking"),
                (
                    _("Sign in to Mubasher online."),
                    _("Choose “Services”."),
                    _("Choose “Register in Absher”."),
                    _("Accept the terms."),
                    _("Press “Continue”."),
                ),
            ),
            Channel(
                "atm",
                _("Al Rajhi ATM"),
                (
                    _("Insert your card and enter your PIN."),
                    _("Choose “Other operations”."),
                    _("Choose “MOI portal (Absher)”."),
                    _("Confirm your details."),
                ),
            ),
            Channel(
                "app",
                _("Al Rajhi Mubasher app"),
                (
                    _("Sign in to the Mubasher app."),
                    _("Choose “Other”."),
                    _("Choose “Register in Absher”."),
                    _("Press “Next”."),
                    _("Confirm."),
                ),
            ),
            Channel(
                "phone",
                _("Phone banking 920003344"),
                (
                    _("Call 920003344."),
                    _("Enter your customer number and PIN."),
                    _("Press 5, then 4."),
                ),
            ),
        ),
    ),
)

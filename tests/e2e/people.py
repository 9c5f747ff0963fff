"""People for the browser journeys: registration data nobody else in the session uses."""

from __future__ import annotations

import random
import string
from dataclasses import dataclass

from tests.people import PASSWORD
from tests.strategies import MOBILE_PREFIXES, is_assigned_mobile, luhn_check_digit


@dataclass(frozen=True)
class Person:
    """Registration data nobody else in this session uses (IDs pass the Luhn check)."""

    national_id: str
    mobile: str
    username: str
    email: str
    password: str = PASSWORD  # meets every password rule

    @property
    def e164(self) -> str:
        return "+966" + self.mobile.removeprefix("0")


_used: set[str] = set()
_rng = random.Random()  # test data, not secrets


def new_person() -> Person:
    """A person with a citizen ID, a mobile and a username not handed out before."""
    while True:
        body = "1" + "".join(_rng.choices(string.digits, k=8))
        national_id = body + luhn_check_digit(body)
        national = _rng.choice(MOBILE_PREFIXES) + "".join(_rng.choices(string.digits, k=7))
        mobile = "0" + national
        tag = "".join(_rng.choices(string.ascii_lowercase + string.digits, k=8))
        if is_assigned_mobile(national) and not {national_id, mobile, tag} & _used:
            _used.update({national_id, mobile, tag})
            return Person(national_id, mobile, f"e2e{tag}", f"{tag}@example.sa")

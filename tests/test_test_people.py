"""The browser journeys' made-up people must pass the portal's own rules, every time.

A mobile in an unassigned block (05799…) once failed a browser test one run in a few hundred;
drawing many people here catches that kind of gap in seconds, without a browser.
"""

from __future__ import annotations

import random

import pytest

from accounts.validators import normalize_saudi_mobile, validate_national_id
from tests.e2e import people


def test_every_drawn_person_passes_the_id_and_mobile_rules(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(people, "_rng", random.Random(8))
    monkeypatch.setattr(people, "_used", set())
    for _ in range(20_000):
        person = people.new_person()
        assert validate_national_id(person.national_id) == person.national_id
        assert normalize_saudi_mobile(person.mobile) == person.e164

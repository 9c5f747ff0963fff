"""Real objects for tests, built through the project's own services."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client

from accounts import factors, otp
from accounts.models import AccountStatus, OtpChallenge, OtpPurpose, User
from tests.people import EMAIL, PASSWORD


def code_from_sms(sms: dict[str, Any]) -> str:
    """The one-time code of an SMS, read from its WebOTP line (``@host #123456``)."""
    match = re.search(r"#([0-9]{6})\s*$", sms["body"])
    assert match, "no WebOTP line in the SMS"
    return match.group(1)


def verified_challenge(sms_outbox: list[dict], *, national_id: str, mobile: str) -> OtpChallenge:
    """A registration challenge for this ID and mobile, verified with the code sent by SMS."""
    challenge = otp.issue_challenge(
        purpose=OtpPurpose.REGISTRATION,
        mobile=mobile,
        language="en",
        ip="198.51.100.7",
        national_id=national_id,
    )
    return otp.verify_code(challenge.pk, code_from_sms(sms_outbox[-1]))


def make_user(
    username: str,
    national_id: str,
    mobile: str = "",
    *,
    status: str = AccountStatus.ACTIVE,
    email: str = EMAIL,
    **extra: Any,
) -> User:
    """An account made directly (not through registration), active unless told."""
    return User.objects.create_user(
        username, national_id, mobile, email, PASSWORD, status=status, **extra
    )


def sign_in_as(client: Client, user: User) -> Client:
    """Sign ``client`` in as the portal's sign-in does: a session, then both factors recorded.

    ``force_login`` alone makes a session that skipped the code, which the admin and the
    person's pages refuse (``accounts.factors``); tests of those pages start from here.
    """
    client.force_login(user)
    session = client.session
    factors.record(session, factors.Factor.PASSWORD)
    factors.record(session, factors.Factor.SMS)
    session.save()
    return client

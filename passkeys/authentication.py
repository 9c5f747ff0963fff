"""Signing in with a passkey (WebAuthn authentication), through the ``webauthn`` library.

The options name no credential (the browser offers the person's passkeys for this site, by
autofill or in its own dialog) and require user verification, so a passkey is both factors
alone. An answer is accepted only when, in order:

1. its challenge was given to this session for signing in, under five minutes ago, unused;
2. its credential is a passkey the portal knows (a removed one is not);
3. that account is not locked by wrong attempts (its own browsers keep their own count, as
   for passwords: ``accounts.signin.devices``), and may sign in (active or pending);
4. the user handle the authenticator returned is the account's;
5. the library verifies it: origin ``PUBLIC_ORIGIN``, RP ID its host, user verified, the
   signature by the stored public key, and a signature counter above the stored one.

A failure at 4 or 5 counts as a wrong attempt for the account, like a wrong password. When
the counter alone failed (the same answer passes with the counter ignored), a copy of the
passkey may be in use: it is refused, recorded and told to the person by SMS. Every refusal
reads the same to the browser.
"""

from __future__ import annotations

import secrets
from collections.abc import MutableMapping
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from webauthn import generate_authentication_options, verify_authentication_response
from webauthn.authentication.verify_authentication_response import VerifiedAuthentication
from webauthn.helpers import options_to_json_dict, parse_authentication_credential_json
from webauthn.helpers.structs import AuthenticationCredential, UserVerificationRequirement

from accounts.access import HOME_OF_STATUS
from accounts.error_messages import lockout_message
from accounts.factors import Factor
from accounts.models import AccountEvent, User
from accounts.security_changes import record_security_change
from accounts.signin import devices, services
from accounts.signin.services import Refusal
from passkeys import challenges, relying_party
from passkeys.ceremony import MALFORMED, CeremonyFailed, client_challenge
from passkeys.models import Passkey, UserHandle

#: The ``source`` of a passkey refused as a possible copy.
SOURCE = "signin"


class SignInLocked(Exception):
    """The account is locked by wrong attempts: refused as the password sign-in refuses."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.code)
        self.refusal = refusal


def authentication_options(session: MutableMapping[str, Any]) -> dict[str, Any]:
    """The ``publicKey`` options for ``navigator.credentials.get()``, as JSON-ready data."""
    options = generate_authentication_options(
        rp_id=relying_party.rp_id(),
        challenge=challenges.issue(session, challenges.SIGN_IN),
        timeout=challenges.LIFETIME_SECONDS * 1000,
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    return options_to_json_dict(options)


def throttle_key(request: HttpRequest, account: User) -> str:
    """What a wrong passkey answer counts against: this browser's own key if it signed in to
    the account before, else the account's (the password sign-in's rule, decision 105)."""
    return devices.device_key(request, account) or services.account_key(account)


def authenticate(request: HttpRequest, *, credential: object) -> User:
    """The account this answer signs in; :class:`CeremonyFailed` or :class:`SignInLocked`.

    The challenge is used up whatever the outcome; on success the passkey's counter and last
    use are saved.
    """
    try:
        parsed = parse_authentication_credential_json(credential)  # type: ignore[arg-type]
    except MALFORMED as exc:
        raise CeremonyFailed("failed") from exc
    challenge = client_challenge(parsed.response.client_data_json)
    if not challenges.take(request.session, challenges.SIGN_IN, challenge):
        raise CeremonyFailed("expired")
    passkey = Passkey.objects.select_related("owner").filter(credential_id=parsed.raw_id).first()
    if passkey is None:
        raise CeremonyFailed("failed")
    account = passkey.owner
    key = throttle_key(request, account)
    if seconds := services.lockout_remaining(key):
        raise SignInLocked(Refusal(lockout_message(seconds), "locked", seconds))
    if account.status not in HOME_OF_STATUS:
        raise CeremonyFailed("failed")  # suspended, superseded, expired: never said
    if not _handle_matches(account, parsed.response.user_handle) or not _verify(
        passkey, parsed, challenge
    ):
        if refusal := services.record_failure(key, factor=Factor.WEBAUTHN):
            raise SignInLocked(refusal)
        raise CeremonyFailed("failed")
    return account


def _handle_matches(account: User, returned: bytes | None) -> bool:
    """Whether the authenticator's user handle is the account's (a discoverable credential
    must return one)."""
    stored = UserHandle.objects.filter(account=account).values_list("handle", flat=True).first()
    if stored is None or not returned:
        return False
    return secrets.compare_digest(bytes(stored), bytes(returned))


def _verify(passkey: Passkey, parsed: AuthenticationCredential, challenge: bytes) -> bool:
    """Verify with the stored counter, the row locked; save the new counter if it passes.

    A counter regression is told apart by verifying once more with the counter ignored: the
    signature is then known to be the passkey's own, so it is recorded as a possible copy (a
    forged answer never reaches the person's phone).
    """
    copied = False
    with transaction.atomic():
        locked = Passkey.objects.select_for_update().filter(pk=passkey.pk).first()
        if locked is None:  # removed meanwhile
            return False
        try:
            verified = _library_verify(locked, parsed, challenge, counter=locked.sign_count)
        except MALFORMED:
            copied = locked.sign_count > 0 and _passes_without_counter(locked, parsed, challenge)
        else:
            Passkey.objects.filter(pk=locked.pk).update(
                sign_count=verified.new_sign_count,
                backed_up=verified.credential_backed_up,
                last_used_at=timezone.now(),
            )
            return True
        if copied:
            record_security_change(
                account=locked.owner,
                kind=AccountEvent.Kind.PASSKEY_REFUSED,
                source=SOURCE,
                details={"name": locked.name},
            )
    return False


def _passes_without_counter(
    passkey: Passkey, parsed: AuthenticationCredential, challenge: bytes
) -> bool:
    try:
        _library_verify(passkey, parsed, challenge, counter=0)
    except MALFORMED:
        return False
    return True


def _library_verify(
    passkey: Passkey, parsed: AuthenticationCredential, challenge: bytes, *, counter: int
) -> VerifiedAuthentication:
    return verify_authentication_response(
        credential=parsed,
        expected_challenge=challenge,
        expected_rp_id=relying_party.rp_id(),
        expected_origin=relying_party.origin(),
        credential_public_key=bytes(passkey.public_key),
        credential_current_sign_count=counter,
        require_user_verification=True,
    )

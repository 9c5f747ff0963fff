"""Adding a passkey (WebAuthn registration), through the ``webauthn`` library.

The options ask for a discoverable credential (``residentKey: required``, so it can sign in with
nothing typed) with user verification, exclude the person's existing passkeys, and carry a
challenge kept in the session (``passkeys.challenges``). The answer is verified by the library
against that challenge, ``PUBLIC_ORIGIN`` and its host as RP ID; a passkey made without user
verification is refused. No attestation is asked: the portal trusts the person's choice of
device, not its maker.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from django.db import IntegrityError, transaction
from webauthn import generate_registration_options, verify_registration_response
from webauthn.helpers import options_to_json_dict, parse_registration_credential_json
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    CredentialDeviceType,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from accounts.models import AccountEvent, User
from accounts.security_changes import record_security_change
from passkeys import challenges, relying_party
from passkeys.ceremony import MALFORMED, CeremonyFailed, client_challenge
from passkeys.models import CREDENTIAL_ID_MAX_BYTES, Passkey
from passkeys.names import default_name
from passkeys.services import MAX_PASSKEYS, SOURCE, passkeys_of, user_handle

#: The browser's time limit, in milliseconds: the challenge's own lifetime.
TIMEOUT_MS = challenges.LIFETIME_SECONDS * 1000


def registration_options(session: MutableMapping[str, Any], account: User) -> dict[str, Any]:
    """The ``publicKey`` options for ``navigator.credentials.create()``, as JSON-ready data."""
    existing = list(passkeys_of(account).values_list("credential_id", "transports"))
    if len(existing) >= MAX_PASSKEYS:
        raise CeremonyFailed("too_many")
    options = generate_registration_options(
        rp_id=relying_party.rp_id(),
        rp_name=relying_party.rp_name(),
        user_id=user_handle(account),
        user_name=account.username,
        user_display_name=account.username,
        challenge=challenges.issue(session, challenges.REGISTER, account_id=account.pk),
        timeout=TIMEOUT_MS,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=bytes(credential_id), transports=_known(transports))
            for credential_id, transports in existing
        ],
    )
    return options_to_json_dict(options)


def register(
    session: MutableMapping[str, Any], account: User, *, credential: object, user_agent: str
) -> Passkey:
    """Verify the browser's answer and keep the new passkey; :class:`CeremonyFailed` if not.

    The challenge is used up by this call whatever its outcome. The new passkey is recorded in
    the account's history and the person is told by SMS (``accounts.security_changes``).
    """
    try:
        parsed = parse_registration_credential_json(credential)  # type: ignore[arg-type]
    except MALFORMED as exc:
        raise CeremonyFailed("failed") from exc
    challenge = client_challenge(parsed.response.client_data_json)
    if not challenges.take(session, challenges.REGISTER, challenge, account_id=account.pk):
        raise CeremonyFailed("expired")
    try:
        verified = verify_registration_response(
            credential=parsed,
            expected_challenge=challenge,
            expected_rp_id=relying_party.rp_id(),
            expected_origin=relying_party.origin(),
            require_user_verification=True,
        )
    except MALFORMED as exc:
        raise CeremonyFailed("failed") from exc
    if len(verified.credential_id) > CREDENTIAL_ID_MAX_BYTES:
        raise CeremonyFailed("failed")
    transports = [str(t.value) for t in parsed.response.transports or []]
    attachment = parsed.authenticator_attachment.value if parsed.authenticator_attachment else None
    return _save(
        account,
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        transports=transports,
        aaguid=verified.aaguid,
        backup_eligible=verified.credential_device_type == CredentialDeviceType.MULTI_DEVICE,
        backed_up=verified.credential_backed_up,
        attachment=attachment,
        user_agent=user_agent,
    )


def _save(account: User, *, attachment: str | None, user_agent: str, **fields: Any) -> Passkey:
    """Keep the passkey under a default name, with its event and SMS, in one transaction."""
    if Passkey.objects.filter(credential_id=fields["credential_id"]).exists():
        owned = Passkey.objects.filter(credential_id=fields["credential_id"], owner=account)
        raise CeremonyFailed("already_added" if owned.exists() else "failed")
    try:
        with transaction.atomic():
            # Locked, so two answers at once cannot pass the limit or take the same name.
            User.objects.select_for_update().filter(pk=account.pk).first()
            names = list(passkeys_of(account).values_list("name", flat=True))
            if len(names) >= MAX_PASSKEYS:
                raise CeremonyFailed("too_many")
            name = default_name(
                user_agent=user_agent,
                attachment=attachment,
                transports=fields["transports"],
                taken=names,
            )
            passkey = Passkey.objects.create(owner=account, name=name, **fields)
            record_security_change(
                account=account,
                kind=AccountEvent.Kind.PASSKEY_ADDED,
                source=SOURCE,
                details={"name": name},
            )
    except IntegrityError as exc:  # the same credential saved by a parallel answer
        raise CeremonyFailed("failed") from exc
    return passkey


def _known(transports: object) -> list[AuthenticatorTransport] | None:
    """The stored transports the library knows (a browser may report newer ones)."""
    if not isinstance(transports, list):
        return None
    known = {t.value: t for t in AuthenticatorTransport}
    return [known[t] for t in transports if t in known] or None

"""Registration's services: sending the code, and creating the pending account (design.md §6)."""

from __future__ import annotations

from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Lower

from accounts import lifecycle, otp
from accounts.error_messages import REGISTRATION_CONFLICTS
from accounts.models import HOLDING_STATUSES, AccountEvent, AccountStatus, OtpPurpose, User
from accounts.validators import national_id_kind


class RegistrationConflict(Exception):
    """Something changed since the person's steps were checked; ``step`` says where to fix it."""

    def __init__(self, code: str, step: str) -> None:
        super().__init__(code)
        self.code = code
        self.step = step

    @property
    def message(self) -> str:
        return str(REGISTRATION_CONFLICTS[self.code])


def send_registration_code(
    *, national_id: str, mobile: str, password: str, language: str, ip: str
) -> dict[str, str]:
    """Send the registration code and return what the wizard keeps until the account exists.

    The password is hashed here, once, so its plaintext never reaches the wizard storage;
    the hash stands in for it when the steps are re-validated. Raises ``otp.OtpError``.
    """
    challenge = otp.issue_challenge(
        purpose=OtpPurpose.REGISTRATION,
        mobile=mobile,
        national_id=national_id,
        language=language,
        ip=ip,
    )
    return {
        "challenge_id": str(challenge.pk),
        "password_hash": make_password(password),
        "language": language,
    }


def register_account(
    *,
    national_id: str,
    mobile: str,
    email: str,
    username: str,
    password_hash: str,
    preferred_language: str,
    challenge_id: str,
) -> User:
    """Create the pending account, superseding and taking over what the rules say.

    Runs in one transaction: any conflict or failure leaves nothing behind. Every held
    account touching this ID, username or mobile is locked first, so racing completions
    are serialised; the conditional unique constraints catch the rest.
    """
    try:
        with transaction.atomic():
            holders = _lock_holders(national_id=national_id, username=username, mobile=mobile)
            same_id = [h for h in holders if h.national_id == national_id]
            _refuse_conflicts(holders, same_id=same_id, username=username, mobile=mobile)
            if not otp.consume_challenge(
                challenge_id,
                purpose=OtpPurpose.REGISTRATION,
                mobile=mobile,
                national_id=national_id,
            ):
                raise RegistrationConflict("code_not_verified", "verify")
            # Retire the older pending accounts first: they hold the ID (and maybe the
            # username and mobile) until then.
            for old in same_id:
                lifecycle.account_supersede(account=old)
            user = User(
                national_id=national_id,
                id_kind=national_id_kind(national_id),
                username=username,
                mobile="",
                email=User.objects.normalize_email(email),
                preferred_language=preferred_language,
                status=AccountStatus.PENDING,
                password=password_hash,
            )
            user.save()
            lifecycle.record_event(
                account=user,
                kind=AccountEvent.Kind.REGISTERED,
                source="registration",
                to_status=AccountStatus.PENDING,
                details={"supersedes": [old.pk for old in same_id]} if same_id else None,
            )
            _take_mobile(user, mobile=mobile, holders=holders, same_id=same_id)
            return user
    except IntegrityError as exc:
        # A racing registration committed first; say which value it took.
        if "user_username_ci_held_uniq" in str(exc):
            raise RegistrationConflict("username_taken", "account") from exc
        raise RegistrationConflict("concurrent_registration", "identity") from exc


def _lock_holders(*, national_id: str, username: str, mobile: str) -> list[User]:
    """Lock, in a stable order, every held account with this ID, username or mobile."""
    return list(
        User.objects.select_for_update()
        .alias(username_lower=Lower("username"))
        .filter(status__in=HOLDING_STATUSES)
        .filter(Q(national_id=national_id) | Q(username_lower=username.lower()) | Q(mobile=mobile))
        .order_by("pk")
    )


def _refuse_conflicts(
    holders: list[User], *, same_id: list[User], username: str, mobile: str
) -> None:
    if any(h.status != AccountStatus.PENDING for h in same_id):
        raise RegistrationConflict("id_registered", "identity")
    if any(h.username.lower() == username.lower() and h not in same_id for h in holders):
        raise RegistrationConflict("username_taken", "account")
    # Staff sign in with a code sent to their mobile (the model's constraint): it stays theirs.
    # Only whoever received the code to it reads this, so it tells a stranger nothing.
    if any(h.mobile == mobile and h.is_staff and h not in same_id for h in holders):
        raise RegistrationConflict("mobile_of_staff", "identity")


def _take_mobile(user: User, *, mobile: str, holders: list[User], same_id: list[User]) -> None:
    """Give the new account its mobile, moving it off another person's account if needed."""
    previous_owner = next((h for h in holders if h.mobile == mobile and h not in same_id), None)
    if previous_owner is not None:
        lifecycle.account_move_mobile(from_account=previous_owner, to_account=user)
    else:
        user.mobile = mobile
        user.save(update_fields=["mobile", "updated_at"])

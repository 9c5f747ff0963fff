"""The account manager: how ``createsuperuser`` and fixtures build accounts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth.base_user import BaseUserManager
from django.core.exceptions import ValidationError
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from accounts.states import HOLDING_STATUSES
from accounts.validators import national_id_kind, normalize_saudi_mobile, validate_national_id

if TYPE_CHECKING:
    from accounts.models import User

#: Why an account without a mobile cannot be staff: the model's constraint, the admin and
#: ``createsuperuser`` all say this.
STAFF_WITHOUT_MOBILE = _(
    "A staff account needs a mobile number: staff sign in with a code sent to it by SMS."
)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username: str | None) -> User:
        """The account holding ``username``, in any letter case.

        Usernames are unique only among accounts that hold them (pending, active,
        suspended); superseded and expired rows keep theirs for the audit trail. Django's
        ``createsuperuser``, ``changepassword`` and sign-in all come through here.
        """
        return (
            self.alias(username_lower=Lower("username"))
            .filter(status__in=HOLDING_STATUSES)
            .get(username_lower=(username or "").lower())
        )

    def _build(
        self, username: str, national_id: str, mobile: str, email: str, **extra: Any
    ) -> User:
        national_id = validate_national_id(national_id)
        user = self.model(
            username=username,
            national_id=national_id,
            id_kind=national_id_kind(national_id),
            mobile=normalize_saudi_mobile(mobile) if mobile else "",
            email=self.normalize_email(email),
            **extra,
        )
        return user

    def create_user(
        self,
        username: str,
        national_id: str,
        mobile: str,
        email: str,
        password: str | None = None,
        **extra: Any,
    ) -> User:
        """Create an account directly (fixtures, staff); registration uses its own service.

        A staff account without a mobile is refused here, with the constraint's message, so
        ``createsuperuser --noinput`` says why instead of failing on the database.
        """
        user = self._build(username, national_id, mobile, email, **extra)
        if user.is_staff and not user.mobile:
            raise ValidationError(STAFF_WITHOUT_MOBILE, code="staff_without_mobile")
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(
        self,
        username: str,
        national_id: str,
        mobile: str,
        email: str,
        password: str | None = None,
        **extra: Any,
    ) -> User:
        extra.setdefault("status", "active")
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self.create_user(username, national_id, mobile, email, password, **extra)

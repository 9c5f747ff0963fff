"""The client's password policy (design.md §4) as Django password validators.

Listed in ``AUTH_PASSWORD_VALIDATORS``, so ``validate_password(password, user)`` enforces the
whole policy wherever a password is set and reports every failed rule at once. The composition
rules are a client mandate, documented as a deviation from NIST SP 800-63B and OWASP ASVS.
Messages are built at call time (``gettext``; ``ngettext`` for counts, as Arabic has six plural
forms) with named placeholders, and never echo the password: error lists reach logs.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from itertools import groupby, pairwise
from typing import TYPE_CHECKING, Any

from django.contrib.auth.password_validation import get_default_password_validators
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser


def _username_of(user: AbstractBaseUser | None) -> str:
    """Return the user's username, or "" when there is no user or no username yet."""
    username = getattr(user, "username", None)
    return username if isinstance(username, str) else ""


class _PolicyRule:
    """One rule, one error code; subclasses define ``is_broken()`` and ``get_error_message()``.

    The options double as the message params and as what a live checklist needs: each rule
    describes itself as checks (``get_checks()``) of a ``kind`` the browser script knows, with
    the very parameters ``validate()`` uses, so the checklist and the validator cannot drift.
    """

    code = ""
    #: The kind of check the browser script runs for this rule (static/js/portal.js).
    check_kind = ""
    option_names: tuple[str, ...] = ()

    def validate(self, password: str, user: AbstractBaseUser | None = None) -> None:
        if self.is_broken(password, user):
            raise ValidationError(
                self.get_error_message(), code=self.code, params=self.get_params()
            )

    def get_params(self, user: AbstractBaseUser | None = None) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.option_names}

    def get_checks(self, user: AbstractBaseUser | None = None) -> list[dict[str, Any]]:
        """This rule as checklist items: ``codes`` it raises, ``kind``, ``params``, ``label``."""
        return [
            {
                "codes": [self.code],
                "kind": self.check_kind,
                "params": self.get_params(user),
                "label": str(self.get_check_label()),
            }
        ]

    def get_check_label(self) -> str:
        """The rule as one short item of the checklist (the help text is the long form)."""
        return self.get_help_text()


class AllowedCharactersValidator(_PolicyRule):
    """Validate that the password holds English letters and digits only.

    Besides being the client's rule, it spares people passwords that look alike but are encoded
    differently on another keyboard (Arabic vs Persian letters, Unicode normalisation, invisible
    direction marks) and so could never be typed again.
    """

    code = "password_charset"
    check_kind = "charset"
    #: One allowed character, written so that Python's ``re`` and JavaScript read it alike.
    allowed = "[A-Za-z0-9]"
    option_names = ("allowed",)

    def is_broken(self, password: str, user: AbstractBaseUser | None) -> bool:
        return not re.fullmatch(f"{self.allowed}*", password)

    def get_error_message(self) -> str:
        return _(
            "Your password may contain English letters and digits only "
            "(no spaces, symbols or letters of other alphabets)."
        )

    def get_help_text(self) -> str:
        return _("Use English letters (A-Z, a-z) and digits (0-9) only.")

    def get_check_label(self) -> str:
        return _("English letters and digits only")


class LengthValidator(_PolicyRule):
    """Validate the length; the upper bound also caps the hashing cost of whatever is posted."""

    check_kind = "length"
    option_names = ("min_length", "max_length")

    def __init__(self, min_length: int = 8, max_length: int = 64) -> None:
        self.min_length = min_length
        self.max_length = max_length

    def validate(self, password: str, user: AbstractBaseUser | None = None) -> None:
        if len(password) < self.min_length:
            message = ngettext(
                "This password is too short. It must contain at least %(min_length)d character.",
                "This password is too short. It must contain at least %(min_length)d characters.",
                self.min_length,
            )
            raise ValidationError(message, code="password_too_short", params=self.get_params())
        if len(password) > self.max_length:
            message = ngettext(
                "This password is too long. It must contain at most %(max_length)d character.",
                "This password is too long. It must contain at most %(max_length)d characters.",
                self.max_length,
            )
            raise ValidationError(message, code="password_too_long", params=self.get_params())

    def get_help_text(self) -> str:
        text = ngettext(
            "Your password must be %(min_length)d to %(max_length)d character long.",
            "Your password must be %(min_length)d to %(max_length)d characters long.",
            self.max_length,
        )
        return text % self.get_params()

    def get_check_label(self) -> str:
        text = ngettext(
            "%(min_length)d to %(max_length)d character",
            "%(min_length)d to %(max_length)d characters",
            self.max_length,
        )
        return text % self.get_params()

    def get_checks(self, user: AbstractBaseUser | None = None) -> list[dict[str, Any]]:
        checks = super().get_checks(user)
        checks[0]["codes"] = ["password_too_short", "password_too_long"]
        return checks


class CharacterClassesValidator(_PolicyRule):
    """Validate that there is an uppercase letter, a lowercase letter and a digit.

    Each missing class is its own error, so the form can say exactly what to add (and the
    checklist ticks each one on its own).
    """

    def classes(self) -> list[tuple[str, str, str, str]]:
        """(pattern of one character of the class, error code, message, checklist label)."""
        return [
            (
                "[A-Z]",
                "password_no_upper",
                _("Your password must contain an uppercase letter."),
                _("An uppercase letter (A-Z)"),
            ),
            (
                "[a-z]",
                "password_no_lower",
                _("Your password must contain a lowercase letter."),
                _("A lowercase letter (a-z)"),
            ),
            (
                "[0-9]",
                "password_no_digit",
                _("Your password must contain a digit."),
                _("A digit (0-9)"),
            ),
        ]

    def validate(self, password: str, user: AbstractBaseUser | None = None) -> None:
        errors = [
            ValidationError(message, code=code)
            for pattern, code, message, _label in self.classes()
            if not re.search(pattern, password)
        ]
        if errors:
            raise ValidationError(errors)

    def get_checks(self, user: AbstractBaseUser | None = None) -> list[dict[str, Any]]:
        return [
            {"codes": [code], "kind": "contains", "params": {"pattern": pattern}, "label": label}
            for pattern, code, _message, label in self.classes()
        ]

    def get_help_text(self) -> str:
        return _("Your password must contain an uppercase letter, a lowercase letter and a digit.")


class UsernameOverlapValidator(_PolicyRule):
    """Validate that at most ``max_shared_run`` consecutive username characters appear.

    Skipped without a user or username: a form that sets both at once must pass an unsaved
    user carrying the typed username.
    """

    code = "password_username_overlap"
    check_kind = "username_overlap"
    option_names = ("max_shared_run",)

    def __init__(self, max_shared_run: int = 4) -> None:
        self.max_shared_run = max_shared_run

    def is_broken(self, password: str, user: AbstractBaseUser | None) -> bool:
        username, password = _username_of(user).lower(), password.lower()
        size = self.max_shared_run + 1
        return any(
            username[start : start + size] in password for start in range(len(username) - size + 1)
        )

    def get_error_message(self) -> str:
        return ngettext(
            "Your password may contain at most %(max_shared_run)d consecutive character "
            "of your username.",
            "Your password may contain at most %(max_shared_run)d consecutive characters "
            "of your username.",
            self.max_shared_run,
        )

    def get_help_text(self) -> str:
        return self.get_error_message() % self.get_params()

    def get_check_label(self) -> str:
        text = ngettext(
            "At most %(max_shared_run)d character in a row from your username",
            "At most %(max_shared_run)d in a row from your username",
            self.max_shared_run,
        )
        return text % self.get_params()

    def get_params(self, user: AbstractBaseUser | None = None) -> dict[str, Any]:
        """Add the username when known: a reset form has no username field to read it from."""
        params = super().get_params(user)
        if username := _username_of(user):
            params["username"] = username
        return params


class RepeatedRunValidator(_PolicyRule):
    """Validate that no character repeats ``run`` times in a row, ignoring case."""

    code = "password_repeated_run"
    check_kind = "repeated_run"
    option_names = ("run",)

    def __init__(self, run: int = 4) -> None:
        self.run = run

    def is_broken(self, password: str, user: AbstractBaseUser | None) -> bool:
        return any(len(list(same)) >= self.run for _char, same in groupby(password.lower()))

    def get_error_message(self) -> str:
        return _("Your password must not repeat a character %(run)d times in a row.")

    def get_help_text(self) -> str:
        text = _(
            "Your password must not repeat a character %(run)d times in a row (like “%(example)s”)."
        )
        return text % {"run": self.run, "example": "a" * self.run}

    def get_check_label(self) -> str:
        text = _("No character %(run)d times in a row (%(example)s)")
        return text % {"run": self.run, "example": "a" * self.run}


def _sequence_key(char: str) -> tuple[str, int] | None:
    """Return (alphabet, position) of an English letter or digit: "9" and "a" never chain."""
    for alphabet in (string.ascii_lowercase, string.digits):
        if char in alphabet:
            return alphabet, alphabet.index(char)
    return None


class SequentialRunValidator(_PolicyRule):
    """Validate that no ``run`` letters or digits ascend or descend in sequence.

    Case is ignored ("aBcD" is "abcd"); sequences do not wrap around ("yzab" is fine).
    """

    code = "password_sequential_run"
    check_kind = "sequential_run"
    option_names = ("run",)

    def __init__(self, run: int = 4) -> None:
        self.run = run

    def is_broken(self, password: str, user: AbstractBaseUser | None) -> bool:
        length, step = 1, 0
        for previous, current in pairwise(_sequence_key(char) for char in password.lower()):
            delta = current[1] - previous[1] if previous and current else 0
            if delta in (1, -1) and previous[0] == current[0]:
                length, step = (length + 1 if delta == step else 2), delta
            else:
                length, step = 1, 0
            if length >= self.run:
                return True
        return False

    def get_error_message(self) -> str:
        return _("Your password must not contain %(run)d letters or digits in sequence.")

    def get_help_text(self) -> str:
        text = _(
            "Your password must not contain %(run)d letters or digits in sequence, forwards "
            "or backwards (like “%(up)s” or “%(down)s”)."
        )
        up, down = string.ascii_lowercase[: self.run], string.digits[::-1][: self.run]
        return text % {"run": self.run, "up": up, "down": down}

    def get_check_label(self) -> str:
        text = _("No %(run)d in sequence, like %(up)s or %(down)s")
        up, down = string.ascii_lowercase[: self.run], string.digits[::-1][: self.run]
        return text % {"run": self.run, "up": up, "down": down}


class CharacterFrequencyValidator(_PolicyRule):
    """Validate that no character occurs more than ``max_count`` times, ignoring case."""

    code = "password_char_frequency"
    check_kind = "max_frequency"
    option_names = ("max_count",)

    def __init__(self, max_count: int = 4) -> None:
        self.max_count = max_count

    def is_broken(self, password: str, user: AbstractBaseUser | None) -> bool:
        return any(count > self.max_count for count in Counter(password.lower()).values())

    def get_error_message(self) -> str:
        return ngettext(
            "Your password may use each character at most %(max_count)d time.",
            "Your password may use each character at most %(max_count)d times.",
            self.max_count,
        )

    def get_help_text(self) -> str:
        return self.get_error_message() % self.get_params()

    def get_check_label(self) -> str:
        text = ngettext(
            "No character more than %(max_count)d time",
            "No character more than %(max_count)d times",
            self.max_count,
        )
        return text % self.get_params()


#: Checklist items for Django's own validators, which describe themselves at length only.
SHORT_LABELS = {"CommonPasswordValidator": gettext_lazy("Not a common password")}


def password_rules(user: AbstractBaseUser | None = None) -> list[dict[str, Any]]:
    """Describe each configured password rule, in the active language, for a live checklist.

    Each entry: ``rule`` (the validator's class name), ``help_text``, ``params`` (the
    validator's options, and the username when known) and ``checks``: the items of the
    checklist, each with the error ``codes`` it stands for, a ``kind`` the browser script
    evaluates with ``params`` (the same values ``validate()`` uses) and a translated
    ``label``. A validator that does not describe itself (the common-password list, which only
    the server holds) is one item of kind ``server``. ``validate_password`` stays the authority.
    """
    rules = []
    for validator in get_default_password_validators():
        get_params = getattr(validator, "get_params", None)
        params = get_params(user) if get_params else {}
        help_text = str(validator.get_help_text())
        get_checks = getattr(validator, "get_checks", None)
        label = str(SHORT_LABELS.get(type(validator).__name__, help_text))
        checks = (
            get_checks(user)
            if get_checks
            else [{"codes": [], "kind": "server", "params": {}, "label": label}]
        )
        rules.append(
            {
                "rule": type(validator).__name__,
                "help_text": help_text,
                "params": params,
                "checks": checks,
            }
        )
    return rules

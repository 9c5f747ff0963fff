"""The bank confirmation payload: its fields and their rules (design.md §4, §8).

``parse_confirmation(payload)`` takes the decoded JSON document and returns an
``activation.services.Confirmation`` with normalised values, or raises ``InvalidPayload``
carrying every problem at once, per field, each with a stable code.

Decisions (also in the OpenAPI document):

- Every field is a JSON string. Numbers, booleans, arrays and objects are refused rather than
  turned into text: a bank that sends the ID number as a number has a bug worth hearing about.
- Unknown fields are refused (``unknown_field``). The body is signed, so a field the portal
  ignored would be one the bank believes was acted on; failing loudly keeps both sides honest
  and lets the schema say ``additionalProperties: false``.
- ``confirmed_at`` is an RFC 3339 date-time with a ``Z`` or a numeric offset. A time without
  an offset is ambiguous and refused; so is one more than five minutes ahead of the portal's
  clock, since a confirmation cannot come from the future.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import RegexValidator
from django.utils import timezone as django_timezone
from django.utils.translation import gettext_lazy as _

from accounts.validators import normalize_saudi_mobile, validate_national_id
from activation.models import ChannelKind
from activation.services import Confirmation

#: How far ahead of the portal's clock ``confirmed_at`` may be (the bank's clock may run fast).
CONFIRMED_AT_FUTURE_TOLERANCE = timedelta(minutes=5)

_RFC3339 = re.compile(
    r"(?P<year>[0-9]{4})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})[Tt]"
    r"(?P<hour>[0-9]{2}):(?P<minute>[0-9]{2}):(?P<second>[0-9]{2})(?:\.(?P<fraction>[0-9]+))?"
    r"(?P<offset>[Zz]|[+-][0-9]{2}:[0-9]{2})"
)
#: RFC 3339 without the offset: recognised only to say what is missing.
_RFC3339_NAIVE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?"
)


class InvalidPayload(Exception):
    """The payload is not a valid confirmation; ``errors`` maps a field to its problems."""

    def __init__(self, errors: dict[str, list[dict[str, str]]]) -> None:
        super().__init__("invalid confirmation payload")
        self.errors = errors

    @property
    def messages(self) -> dict[str, list[str]]:
        return {name: [e["message"] for e in errors] for name, errors in self.errors.items()}

    @property
    def codes(self) -> dict[str, list[str]]:
        return {name: [e["code"] for e in errors] for name, errors in self.errors.items()}


class JsonStringField(forms.CharField):
    """A required JSON string, taken as it is (no stripping), never coerced from another type.

    ``null`` counts as missing. Django's ``CharField`` also refuses NUL characters.
    """

    default_error_messages = {"not_a_string": _("This field must be a JSON string.")}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("strip", False)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str:
        if value is None:
            return ""
        if not isinstance(value, str):
            raise ValidationError(self.error_messages["not_a_string"], code="not_a_string")
        return super().to_python(value)


def parse_rfc3339(value: str) -> datetime:
    """Return the aware datetime an RFC 3339 date-time names, or raise ``ValueError``.

    Fractions beyond microseconds are cut off; a leap second (``:60``) cannot be represented
    and is refused; ``-00:00`` ("offset unknown", RFC 3339 §4.3) is read as UTC.
    """
    match = _RFC3339.fullmatch(value)
    if match is None:
        raise ValueError("not an RFC 3339 date-time")
    parts = match.groupdict()
    offset = parts["offset"]
    if offset in ("Z", "z"):
        tz = UTC
    else:
        hours, minutes = int(offset[1:3]), int(offset[4:6])
        if hours > 23 or minutes > 59:
            raise ValueError("offset out of range")
        sign = -1 if offset[0] == "-" else 1
        tz = timezone(sign * timedelta(hours=hours, minutes=minutes))
    fraction = (parts["fraction"] or "").ljust(6, "0")[:6]
    moment = datetime(
        int(parts["year"]),
        int(parts["month"]),
        int(parts["day"]),
        int(parts["hour"]),
        int(parts["minute"]),
        int(parts["second"]),
        int(fraction),
        tzinfo=tz,
    )
    return moment.astimezone(UTC)  # OverflowError near the ends of year 1 and year 9999


class ConfirmationForm(forms.Form):
    """The five fields of a confirmation; use ``parse_confirmation`` rather than this directly."""

    error_messages = {
        "event_id_charset": _(
            "The event id may contain printable ASCII characters only, and may not start or "
            "end with a space."
        ),
        "invalid_channel": _("The channel must be one of: online, atm, app, phone."),
        "datetime_invalid": _(
            "Enter the time in RFC 3339 format with a time zone, e.g. 2026-01-31T09:00:00Z."
        ),
        "datetime_naive": _("The time must include a time zone offset (Z or ±HH:MM)."),
        "datetime_future": _("The time of the confirmation is in the future."),
    }

    event_id = JsonStringField(
        max_length=100,
        validators=[
            RegexValidator(
                r"\A[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?\Z",
                message=error_messages["event_id_charset"],
                code="event_id_charset",
            )
        ],
    )
    national_id = JsonStringField()
    mobile = JsonStringField()
    channel = JsonStringField()
    confirmed_at = JsonStringField()

    def clean_national_id(self) -> str:
        return validate_national_id(self.cleaned_data["national_id"])

    def clean_mobile(self) -> str:
        return normalize_saudi_mobile(self.cleaned_data["mobile"])

    def clean_channel(self) -> str:
        channel = self.cleaned_data["channel"]
        if channel not in ChannelKind.values:
            raise ValidationError(self.error_messages["invalid_channel"], code="invalid_channel")
        return channel

    def clean_confirmed_at(self) -> datetime:
        text = self.cleaned_data["confirmed_at"]
        try:
            moment = parse_rfc3339(text)
        except (ValueError, OverflowError):
            if _RFC3339_NAIVE.fullmatch(text):
                raise ValidationError(
                    self.error_messages["datetime_naive"], code="datetime_naive"
                ) from None
            raise ValidationError(
                self.error_messages["datetime_invalid"], code="datetime_invalid"
            ) from None
        if moment > django_timezone.now() + CONFIRMED_AT_FUTURE_TOLERANCE:
            raise ValidationError(self.error_messages["datetime_future"], code="datetime_future")
        return moment


FIELDS = tuple(ConfirmationForm.base_fields)


def parse_confirmation(payload: object) -> Confirmation:
    """Validate a decoded JSON payload; return the confirmation or raise ``InvalidPayload``."""
    if not isinstance(payload, dict):
        message = str(_("The body must be a JSON object."))
        raise InvalidPayload({NON_FIELD_ERRORS: [{"message": message, "code": "not_an_object"}]})
    form = ConfirmationForm(data=payload)
    errors: dict[str, list[dict[str, str]]] = {}
    if not form.is_valid():
        errors.update(form.errors.get_json_data())
    for name in payload:
        if name not in FIELDS:
            errors[name] = [{"message": str(_("Unknown field.")), "code": "unknown_field"}]
    if errors:
        raise InvalidPayload(errors)
    data = form.cleaned_data
    return Confirmation(
        event_id=data["event_id"],
        national_id=data["national_id"],
        mobile=data["mobile"],
        channel=data["channel"],
        confirmed_at=data["confirmed_at"],
    )

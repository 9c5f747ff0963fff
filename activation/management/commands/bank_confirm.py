"""``manage.py bank_confirm``: the reference bank client, from the command line (design.md §8).

It does what a bank's system does when a customer confirms their Absher activation at an ATM,
in online banking, in the app or by phone: sign the confirmation with the bank's private key and
send it to the portal over HTTP (``activation.client.confirm_activation``), then print the
answer. A real bank has no access to the portal's database, so nothing here needs it: when the
database is there (a developer's machine), it is only read for sanity checks and to find the key
id of ``--key`` when ``--key-id`` is not given.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser
from django.db import DatabaseError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.validators import normalize_saudi_mobile, validate_national_id
from activation.client import CHANNELS, activations_url, confirm_activation, rfc3339_utc
from activation.keys import public_key_pem
from activation.management import PortalCommand, check_key_id, load_private_key_file
from activation.models import BankKey

DEFAULT_URL = "http://127.0.0.1:8000"
MAX_SHOWN_TEXT = 2000  # characters of a non-JSON answer worth printing


def _network_reason(exc: BaseException) -> str:
    """The operating system's words for a failed connection ("Connection refused"), if any."""
    seen: BaseException | None = exc
    for _depth in range(10):
        if seen is None:
            break
        if isinstance(seen, OSError) and seen.strerror:
            return seen.strerror
        seen = seen.__cause__ or seen.__context__
    return str(exc)


MAX_TIMEOUT_SECONDS = 300


class Command(PortalCommand):
    help = gettext_lazy(
        "Act as a bank: send the portal a signed confirmation that a customer activated their "
        "account through a bank channel, and print the portal's answer."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--bank",
            required=True,
            metavar="CODE",
            help=gettext_lazy("Code of the bank sending the confirmation, e.g. anb."),
        )
        parser.add_argument(
            "--key-id",
            metavar="ID",
            help=gettext_lazy(
                "The key id registered in the portal for --key. May be left out when the "
                "portal's database is at hand and has the key under this bank."
            ),
        )
        parser.add_argument(
            "--key",
            required=True,
            metavar="FILE",
            help=gettext_lazy("The bank's Ed25519 private key (PEM), e.g. from bank_keygen."),
        )
        parser.add_argument(
            "--national-id",
            required=True,
            help=gettext_lazy("The customer's national ID, iqama or border number."),
        )
        parser.add_argument(
            "--mobile",
            required=True,
            help=gettext_lazy("The customer's mobile number as the bank has it."),
        )
        parser.add_argument(
            "--channel",
            required=True,
            choices=CHANNELS,
            help=gettext_lazy("Where the customer confirmed."),
        )
        parser.add_argument(
            "--event-id",
            help=gettext_lazy(
                "The bank's id of this confirmation (default: a new random id). The same id "
                "with the same --confirmed-at and fields again gets the portal's stored answer "
                "replayed; with anything different, 422 event_id_reused."
            ),
        )
        parser.add_argument(
            "--confirmed-at",
            metavar="RFC3339",
            help=gettext_lazy(
                "When the customer confirmed, e.g. 2026-01-31T09:00:00Z (default: now). Sent "
                "as given."
            ),
        )
        parser.add_argument(
            "--url",
            default=DEFAULT_URL,
            metavar="BASE",
            help=gettext_lazy(
                "The portal's public origin (its PUBLIC_ORIGIN setting; default %(default)s)."
            ),
        )
        parser.add_argument(
            "--timeout",
            type=float,
            default=10.0,
            metavar="SECONDS",
            help=gettext_lazy("How long to wait for the portal (default %(default)s)."),
        )
        parser.add_argument(
            "--no-validate",
            action="store_true",
            help=gettext_lazy(
                "Send the national ID and mobile number even if they look invalid (to see the "
                "portal's own answer)."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        base_url = self._check_url(options["url"])
        if not 0 < options["timeout"] <= MAX_TIMEOUT_SECONDS:
            raise CommandError(
                _("--timeout must be more than 0 and at most %(max)d seconds.")
                % {"max": MAX_TIMEOUT_SECONDS}
            )
        if not options["no_validate"]:
            self._check_fields(options["national_id"], options["mobile"])
        private_key = load_private_key_file(options["key"])
        bank_code = options["bank"]
        key_id = options["key_id"]
        if key_id is None:
            key_id = self._find_key_id(bank_code, private_key, options["key"])
        else:
            check_key_id(key_id)
            self._sanity_check(bank_code, key_id, private_key)

        event_id = options["event_id"] or uuid.uuid4().hex
        confirmed_at = options["confirmed_at"] or rfc3339_utc(datetime.now(UTC))
        url = activations_url(base_url)
        self.stdout.write(f"POST {url}")
        self.stdout.write(
            _(
                "bank %(bank)s, key id %(key_id)s, event id %(event_id)s, "
                "confirmed at %(confirmed_at)s"
            )
            % {
                "bank": bank_code,
                "key_id": key_id,
                "event_id": event_id,
                "confirmed_at": confirmed_at,
            }
        )
        try:
            response = confirm_activation(
                base_url=base_url,
                key_id=key_id,
                private_key=private_key,
                national_id=options["national_id"],
                mobile=options["mobile"],
                channel=options["channel"],
                event_id=event_id,
                confirmed_at=confirmed_at,
                timeout=options["timeout"],
            )
        except requests.Timeout as exc:
            raise CommandError(
                _("No answer from %(url)s within %(seconds)s seconds.")
                % {"url": url, "seconds": options["timeout"]}
            ) from exc
        except requests.ConnectionError as exc:
            raise CommandError(
                _("Cannot connect to %(url)s: %(reason)s. Is the portal running there?")
                % {"url": url, "reason": _network_reason(exc)}
            ) from exc
        except requests.RequestException as exc:
            raise CommandError(
                _("The request to %(url)s failed: %(reason)s.") % {"url": url, "reason": exc}
            ) from exc
        self._report(response)

    def _check_url(self, url: str) -> str:
        try:
            parts = urlsplit(url)
            valid = (
                parts.scheme in ("http", "https")
                and bool(parts.hostname)
                and not parts.query
                and not parts.fragment
                and not parts.username
                and not parts.password
                and parts.path in ("", "/")
                and (parts.port is None or parts.port > 0)
            )
        except ValueError:  # e.g. an unclosed IPv6 bracket or a port out of range
            valid = False
        if not valid:
            raise CommandError(
                _("--url must be the portal's origin, like %(example)s; got %(url)r.")
                % {"example": DEFAULT_URL, "url": url}
            )
        return url.rstrip("/")

    def _check_fields(self, national_id: str, mobile: str) -> None:
        """Stop early, with the portal's own words, for fields the portal would refuse."""
        for option, value, validate in (
            ("--national-id", national_id, validate_national_id),
            ("--mobile", mobile, normalize_saudi_mobile),
        ):
            try:
                validate(value)
            except ValidationError as exc:
                raise CommandError(
                    _("Invalid %(option)s %(value)r: %(reason)s (--no-validate sends it anyway).")
                    % {"option": option, "value": value, "reason": " ".join(exc.messages)}
                ) from exc

    def _local_key(self, **filters: Any) -> list[BankKey]:
        """Bank keys in the local database, if there is one (a bank's machine has none)."""
        try:
            return list(BankKey.objects.select_related("bank").filter(**filters))
        except DatabaseError:
            return []

    def _find_key_id(self, bank_code: str, private_key: Ed25519PrivateKey, path: str) -> str:
        """The key id under which this bank registered the public half of ``--key``."""
        pem = public_key_pem(private_key.public_key())
        matches = [
            key
            for key in self._local_key(bank__code=bank_code, public_key_pem=pem)
            if key.is_active
        ]
        if not matches:
            raise CommandError(
                _(
                    "Give --key-id: no active key of bank %(bank)s matching %(path)s was found in "
                    "the local database."
                )
                % {"bank": bank_code, "path": path}
            )
        return matches[0].key_id

    def _sanity_check(self, bank_code: str, key_id: str, private_key: Ed25519PrivateKey) -> None:
        """Refuse to sign as another bank; warn about what the portal will refuse anyway."""
        for key in self._local_key(key_id=key_id):
            if key.bank.code != bank_code:
                raise CommandError(
                    _(
                        "The key id %(key_id)s belongs to bank %(other)s, not %(bank)s: the portal "
                        "would record this confirmation as coming from %(other)s."
                    )
                    % {"key_id": key_id, "other": key.bank.code, "bank": bank_code}
                )
            if key.public_key_pem.strip() != public_key_pem(private_key.public_key()).strip():
                self.stderr.write(
                    _(
                        "Warning: %(key_id)s is registered here with another public key than the "
                        "one of --key; expect the signature to be refused."
                    )
                    % {"key_id": key_id}
                )
            if not key.is_active or key.revoked_at is not None:
                self.stderr.write(
                    _("Warning: key %(key_id)s is revoked or inactive here; expect a 401.")
                    % {"key_id": key_id}
                )

    def _report(self, response: requests.Response) -> None:
        """Print the status and the answer; ``CommandError`` unless the portal said 2xx."""
        status_line = f"HTTP {response.status_code} {response.reason or ''}".rstrip()
        try:
            answer = response.json()
        except ValueError:
            answer = None
        ok = 200 <= response.status_code < 300
        self.stdout.write(self.style.SUCCESS(status_line) if ok else status_line)
        if answer is not None:
            self.stdout.write(json.dumps(answer, indent=2, ensure_ascii=False))
        elif response.text:
            self.stdout.write(response.text[:MAX_SHOWN_TEXT])
        if ok and isinstance(answer, dict) and "status" in answer:
            return
        if ok:
            raise CommandError(
                _("The portal answered %(status)s but not with the JSON status expected.")
                % {"status": response.status_code}
            )
        codes = (
            [answer.get(name) for name in ("error", "reason")] if isinstance(answer, dict) else []
        )
        error = ": ".join(str(code) for code in codes if code) or response.reason or "-"
        message = _("The portal refused the confirmation: HTTP %(status)s (%(error)s).") % {
            "status": response.status_code,
            "error": error,
        }
        if response.status_code == 401:
            message += " " + _(
                "Check that the key id is registered and active for this bank, that --key is "
                "its private key, that --url is the portal's PUBLIC_ORIGIN and that this "
                "machine's clock is right."
            )
        raise CommandError(message)

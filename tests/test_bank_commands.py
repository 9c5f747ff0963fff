"""The bank-side management commands and the reference bank client (design.md §8, issue 4 item 4).

Key files live in ``tmp_path``; commands run through ``call_command`` with their output
captured. ``bank_confirm`` is run end to end against a live test server: a real signed HTTP
request, answered by the real API view.
"""

from __future__ import annotations

import json
import re
import socket
import stat
import threading
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.management import call_command
from django.core.management.base import CommandError
from http_message_signatures import MappingKeyResolver
from requests_http_signature import HTTPSignatureAuth, algorithms

from accounts.models import AccountStatus, User
from activation.client import ACTIVATIONS_PATH, confirm_activation
from activation.keys import (
    generate_private_key,
    load_private_key,
    load_public_key,
    private_key_pem,
    public_key_pem,
)
from activation.models import Bank, BankKey
from tests.factories import make_user
from tests.people import CITIZEN_ID, CITIZEN_ID_ARABIC, MOBILE, MOBILE_E164

LIVE = pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keeps seeded banks


def run(command: str, *args: str) -> tuple[str, str]:
    """Run a management command; return what it wrote to stdout and stderr."""
    out, err = StringIO(), StringIO()
    call_command(command, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def key_files(tmp_path: Path) -> tuple[Path, Path]:
    """A fresh Ed25519 pair written by ``bank_keygen``: (private, public)."""
    private, public = tmp_path / "bank.key", tmp_path / "bank.pub"
    run("bank_keygen", "--out-private", str(private), "--out-public", str(public))
    return private, public


def closed_port() -> int:
    """A local TCP port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write(path: Path, data: bytes | str) -> Path:
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


# --- bank_keygen ------------------------------------------------------------------------------


def test_keygen_writes_a_loadable_pair_with_an_owner_only_private_file(tmp_path):
    private, public = tmp_path / "anb.key", tmp_path / "anb.pub"

    out, _ = run("bank_keygen", "--out-private", str(private), "--out-public", str(public))

    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    private_key = load_private_key(private.read_bytes())
    public_key = load_public_key(public.read_bytes())
    assert public_key_pem(private_key.public_key()) == public_key_pem(public_key)
    assert str(private) in out
    assert str(public) in out


def test_keygen_refuses_to_overwrite_existing_files(tmp_path, key_files):
    private, public = key_files
    before = private.read_bytes(), public.read_bytes()

    with pytest.raises(CommandError, match="--force"):
        run("bank_keygen", "--out-private", str(private), "--out-public", str(tmp_path / "new.pub"))
    with pytest.raises(CommandError, match="--force"):
        run("bank_keygen", "--out-private", str(tmp_path / "new.key"), "--out-public", str(public))

    assert (private.read_bytes(), public.read_bytes()) == before
    assert not (tmp_path / "new.key").exists()
    assert not (tmp_path / "new.pub").exists()


def test_keygen_with_force_replaces_the_pair_and_keeps_the_private_file_owner_only(key_files):
    private, public = key_files
    private.chmod(0o644)
    old = private.read_bytes()

    run("bank_keygen", "--out-private", str(private), "--out-public", str(public), "--force")

    assert private.read_bytes() != old
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert public_key_pem(load_private_key(private.read_bytes()).public_key()) == (
        public.read_text()
    )


@pytest.mark.parametrize("target", ["missing-dir/bank.key", "same"])
def test_keygen_into_an_unusable_path_is_a_command_error(tmp_path, target):
    private = tmp_path / ("bank.key" if target == "same" else target)
    public = private if target == "same" else tmp_path / "bank.pub"

    with pytest.raises(CommandError):
        run("bank_keygen", "--out-private", str(private), "--out-public", str(public))

    assert not (tmp_path / "bank.pub").exists()


# --- add_bank ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_add_bank_without_a_key():
    out, _ = run(
        "add_bank",
        "--code",
        "snb",
        "--name-en",
        "Saudi National Bank",
        "--name-ar",
        "البنك الأهلي السعودي",
    )

    bank = Bank.objects.get(code="snb")
    assert (bank.name_en, bank.name_ar, bank.is_active) == (
        "Saudi National Bank",
        "البنك الأهلي السعودي",
        True,
    )
    assert not bank.keys.exists()
    assert "snb" in out


@pytest.mark.django_db
def test_add_bank_with_its_first_key(key_files):
    _, public = key_files

    out, _ = run(
        "add_bank",
        "--code=snb",
        "--name-en=Saudi National Bank",
        "--name-ar=البنك الأهلي السعودي",
        f"--public-key={public}",
        "--key-id=snb-2026-01",
    )

    key = BankKey.objects.get(key_id="snb-2026-01")
    assert key.bank.code == "snb"
    assert key.is_active
    assert key.revoked_at is None
    assert key.public_key_pem == public.read_text()
    assert "snb-2026-01" in out


@pytest.mark.django_db
def test_add_bank_with_an_existing_code_is_refused():
    with pytest.raises(CommandError, match="anb"):
        run("add_bank", "--code=anb", "--name-en=Another", "--name-ar=آخر")

    assert Bank.objects.get(code="anb").name_en == "Arab National Bank"


@pytest.mark.django_db
def test_add_bank_whose_key_cannot_be_registered_creates_no_bank(key_files):
    _, public = key_files
    run("add_bank_key", "--bank=anb", f"--public-key={public}", "--key-id=taken-1")

    with pytest.raises(CommandError, match="taken-1"):
        run(
            "add_bank",
            "--code=snb",
            "--name-en=Saudi National Bank",
            "--name-ar=البنك الأهلي السعودي",
            f"--public-key={public}",
            "--key-id=taken-1",
        )

    assert not Bank.objects.filter(code="snb").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "args",
    [
        ["--code=snb", "--name-en=SNB", "--name-ar=الأهلي", "--key-id=snb-1"],  # no --public-key
        ["--code=not a slug", "--name-en=SNB", "--name-ar=الأهلي"],
        ["--code=snb", "--name-en=", "--name-ar=الأهلي"],
    ],
    ids=["key-id-without-key", "bad-code", "empty-name"],
)
def test_add_bank_with_invalid_arguments_is_a_command_error(args):
    with pytest.raises(CommandError):
        run("add_bank", *args)

    assert not Bank.objects.exclude(code__in=["anb", "alrajhi"]).exists()


# --- add_bank_key -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_add_bank_key_registers_the_public_key_for_the_bank(key_files):
    _, public = key_files

    out, _ = run("add_bank_key", "--bank=anb", f"--public-key={public}", "--key-id=anb-2026-01")

    key = BankKey.objects.get(key_id="anb-2026-01")
    assert key.bank.code == "anb"
    assert key.is_active
    assert load_public_key(key.public_key_pem)  # stored as a loadable Ed25519 PEM
    assert "anb-2026-01" in out


def _p256_public_pem() -> bytes:
    return (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "content",
    [
        _p256_public_pem(),
        b"not a key at all\n",
        b"\x00\xff\xfe binary garbage",
        private_key_pem(generate_private_key()).encode(),  # a private key, not the public one
        b"",
    ],
    ids=["ecdsa-p256", "text", "binary", "private-key", "empty"],
)
def test_add_bank_key_with_a_file_that_is_no_ed25519_public_key_is_refused(tmp_path, content):
    path = write(tmp_path / "key.pem", content)

    with pytest.raises(CommandError, match=re.escape(str(path))):
        run("add_bank_key", "--bank=anb", f"--public-key={path}", "--key-id=anb-x")

    assert not BankKey.objects.exists()


@pytest.mark.django_db
def test_add_bank_key_with_a_missing_file_is_refused(tmp_path):
    with pytest.raises(CommandError, match=r"missing\.pub"):
        run("add_bank_key", "--bank=anb", f"--public-key={tmp_path / 'missing.pub'}", "--key-id=k1")


@pytest.mark.django_db
def test_add_bank_key_for_an_unknown_bank_is_refused(key_files):
    _, public = key_files

    with pytest.raises(CommandError, match="nosuchbank"):
        run("add_bank_key", "--bank=nosuchbank", f"--public-key={public}", "--key-id=k1")

    assert not BankKey.objects.exists()


@pytest.mark.django_db
def test_add_bank_key_with_a_key_id_already_in_use_is_refused(key_files):
    _, public = key_files
    run("add_bank_key", "--bank=anb", f"--public-key={public}", "--key-id=shared-1")

    with pytest.raises(CommandError, match="shared-1"):
        run("add_bank_key", "--bank=alrajhi", f"--public-key={public}", "--key-id=shared-1")

    assert BankKey.objects.get().bank.code == "anb"


@pytest.mark.django_db
@pytest.mark.parametrize("key_id", ["", "has space", 'quo"te', "x" * 101, "-leading"])
def test_add_bank_key_with_an_unusable_key_id_is_refused(key_files, key_id):
    _, public = key_files

    with pytest.raises(CommandError):
        run("add_bank_key", "--bank=anb", f"--public-key={public}", f"--key-id={key_id}")

    assert not BankKey.objects.exists()


# --- revoke_bank_key --------------------------------------------------------------------------


@pytest.mark.django_db
def test_revoke_bank_key_marks_the_key_revoked(key_files):
    _, public = key_files
    run("add_bank_key", "--bank=anb", f"--public-key={public}", "--key-id=anb-1")

    out, _ = run("revoke_bank_key", "--key-id=anb-1")

    key = BankKey.objects.get(key_id="anb-1")
    assert not key.is_active
    assert key.revoked_at is not None
    assert "anb-1" in out


@pytest.mark.django_db
def test_revoking_a_revoked_key_again_changes_nothing(key_files):
    _, public = key_files
    run("add_bank_key", "--bank=anb", f"--public-key={public}", "--key-id=anb-1")
    first, _ = run("revoke_bank_key", "--key-id=anb-1")
    revoked_at = BankKey.objects.get().revoked_at

    again, _ = run("revoke_bank_key", "--key-id=anb-1")

    assert BankKey.objects.get().revoked_at == revoked_at
    assert again != first  # says it was already revoked


@pytest.mark.django_db
def test_revoke_bank_key_with_an_unknown_key_id_is_refused():
    with pytest.raises(CommandError, match="nosuchkey"):
        run("revoke_bank_key", "--key-id=nosuchkey")


# --- the reference client ---------------------------------------------------------------------


class _Recorder(requests.adapters.BaseAdapter):
    """A transport that keeps the prepared request and answers 200 without any network."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[requests.PreparedRequest] = []

    def send(self, request, **kwargs):
        self.sent.append(request)
        response = requests.Response()
        response.status_code = 200
        response.headers["Content-Type"] = "application/json"
        response._content = b'{"status": "activated"}'
        response.request, response.url = request, request.url
        return response

    def close(self) -> None:
        pass


def test_confirm_activation_sends_a_body_and_signature_the_portal_can_verify():
    key = generate_private_key()
    recorder = _Recorder()
    session = requests.Session()
    session.mount("https://", recorder)

    response = confirm_activation(
        base_url="https://portal.example.sa/",
        key_id="anb-2026-01",
        private_key=private_key_pem(key),
        national_id=CITIZEN_ID_ARABIC,
        mobile=MOBILE,
        channel="atm",
        session=session,
    )

    assert response.status_code == 200
    (request,) = recorder.sent
    assert request.method == "POST"
    assert request.url == "https://portal.example.sa" + ACTIVATIONS_PATH
    assert request.headers["Content-Type"] == "application/json"
    body = json.loads(request.body)
    assert set(body) == {"event_id", "national_id", "mobile", "channel", "confirmed_at"}
    assert body["national_id"] == CITIZEN_ID_ARABIC  # sent as given
    assert body["mobile"] == MOBILE
    assert re.fullmatch(r"[0-9a-f]{32}", body["event_id"])
    confirmed_at = datetime.fromisoformat(body["confirmed_at"].replace("Z", "+00:00"))
    assert body["confirmed_at"].endswith("Z")
    assert abs(datetime.now(UTC) - confirmed_at) < timedelta(minutes=1)

    result = HTTPSignatureAuth.verify(
        request,
        signature_algorithm=algorithms.ED25519,
        key_resolver=MappingKeyResolver(
            public_keys={"anb-2026-01": key.public_key()}, private_keys={}
        ),
        require_components=("@method", "@target-uri", "content-type", "content-digest"),
        max_age=timedelta(seconds=300),
    )
    assert result.parameters["keyid"] == "anb-2026-01"
    assert result.parameters["alg"] == "ed25519"
    assert "created" in result.parameters
    assert request.headers["Content-Digest"].startswith("sha-256=:")


def test_confirm_activation_keeps_a_given_event_id_and_time():
    recorder = _Recorder()
    session = requests.Session()
    session.mount("http://", recorder)

    confirm_activation(
        base_url="http://127.0.0.1:8000",
        key_id="k1",
        private_key=generate_private_key(),
        national_id=CITIZEN_ID,
        mobile=MOBILE_E164,
        channel="online",
        event_id="evt-42",
        confirmed_at=datetime(2026, 1, 31, 12, 0, tzinfo=UTC),
        session=session,
    )

    body = json.loads(recorder.sent[0].body)
    assert (body["event_id"], body["confirmed_at"]) == ("evt-42", "2026-01-31T12:00:00Z")


# --- bank_confirm -----------------------------------------------------------------------------


def confirm_args(private: Path, url: str, *extra: str) -> list[str]:
    return [
        "--bank=anb",
        f"--key={private}",
        f"--national-id={CITIZEN_ID}",
        f"--mobile={MOBILE_E164}",
        "--channel=atm",
        f"--url={url}",
        *extra,
    ]


@pytest.fixture
def live_portal(live_server, settings):
    """The live test server's URL, which is also the portal's public origin.

    On teardown, wait for the server's request threads: a thread still closing its request
    (``request_finished`` touches the database) after the test has ended would print a
    "Database access not allowed" traceback from the server.
    """
    settings.PUBLIC_ORIGIN = live_server.url
    yield live_server.url
    for thread in threading.enumerate():  # the server's daemon threads are not tracked
        if thread.name.endswith("(process_request_thread)"):
            thread.join(timeout=10)


@LIVE
def test_bank_confirm_activates_the_pending_account(key_files, live_portal, sms_outbox):
    private, public = key_files
    make_user("ahmed2024", CITIZEN_ID, MOBILE_E164, status=AccountStatus.PENDING)
    run("add_bank_key", "--bank=anb", f"--public-key={public}", "--key-id=anb-live-1")

    out, _ = run("bank_confirm", *confirm_args(private, live_portal, "--key-id=anb-live-1"))

    assert "200" in out
    assert '"status": "activated"' in out
    assert User.objects.get(national_id=CITIZEN_ID).status == AccountStatus.ACTIVE
    assert [(sms["to"], sms["purpose"]) for sms in sms_outbox] == [(MOBILE_E164, "activation")]


@LIVE
def test_bank_confirm_finds_the_key_id_of_a_locally_registered_key(
    key_files, live_portal, sms_outbox
):
    private, public = key_files
    make_user("ahmed2024", CITIZEN_ID, MOBILE_E164, status=AccountStatus.PENDING)
    run("add_bank_key", "--bank=anb", f"--public-key={public}", "--key-id=anb-live-2")

    out, _ = run("bank_confirm", *confirm_args(private, live_portal))

    assert "anb-live-2" in out
    assert '"status": "activated"' in out
    assert len(sms_outbox) == 1


@LIVE
def test_bank_confirm_sent_again_with_the_same_event_gets_the_stored_answer(
    key_files, live_portal, sms_outbox
):
    private, public = key_files
    make_user("ahmed2024", CITIZEN_ID, MOBILE_E164, status=AccountStatus.PENDING)
    run("add_bank_key", "--bank=anb", f"--public-key={public}", "--key-id=anb-live-3")
    same = ("--key-id=anb-live-3", "--event-id=evt-7", "--confirmed-at=2020-01-31T09:00:00Z")

    first, _ = run("bank_confirm", *confirm_args(private, live_portal, *same))
    again, _ = run("bank_confirm", *confirm_args(private, live_portal, *same))

    assert '"status": "activated"' in first
    assert '"status": "activated"' in again  # replayed, not "already_active"
    assert len(sms_outbox) == 1


@LIVE
def test_bank_confirm_with_a_revoked_key_is_refused_with_401(key_files, live_portal, sms_outbox):
    private, public = key_files
    make_user("ahmed2024", CITIZEN_ID, MOBILE_E164, status=AccountStatus.PENDING)
    run("add_bank_key", "--bank=anb", f"--public-key={public}", "--key-id=anb-old")
    run("revoke_bank_key", "--key-id=anb-old")

    with pytest.raises(CommandError, match="401"):
        run("bank_confirm", *confirm_args(private, live_portal, "--key-id=anb-old"))

    assert User.objects.get(national_id=CITIZEN_ID).status == AccountStatus.PENDING
    assert sms_outbox == []


@pytest.mark.django_db
def test_bank_confirm_to_a_closed_port_is_a_command_error(key_files):
    private, _ = key_files
    url = f"http://127.0.0.1:{closed_port()}"

    with pytest.raises(CommandError, match=re.escape(url)):
        run("bank_confirm", *confirm_args(private, url, "--key-id=anb-1"))


@pytest.mark.django_db
def test_bank_confirm_refuses_to_sign_with_the_key_id_of_another_bank(key_files):
    private, public = key_files
    run("add_bank_key", "--bank=alrajhi", f"--public-key={public}", "--key-id=rajhi-1")
    url = f"http://127.0.0.1:{closed_port()}"

    with pytest.raises(CommandError, match="alrajhi"):
        run("bank_confirm", *confirm_args(private, url, "--key-id=rajhi-1"))


@pytest.mark.django_db
def test_bank_confirm_without_key_id_needs_a_locally_registered_key(key_files):
    private, _ = key_files

    with pytest.raises(CommandError, match="--key-id"):
        run("bank_confirm", *confirm_args(private, f"http://127.0.0.1:{closed_port()}"))


@pytest.mark.parametrize(
    "override",
    [
        "--national-id=12345",
        "--national-id=1000000009",  # bad checksum
        "--mobile=0112345678",  # a landline
        "--mobile=+14155550100",
        "--channel=branch",
        "--url=ftp://127.0.0.1",
        "--url=http://127.0.0.1:8000/#fragment",
        "--url=http://127.0.0.1:8000/somewhere",
        "--url=http://user:secret@127.0.0.1:8000",
        "--timeout=inf",
        "--timeout=0",
        "--timeout=nan",
    ],
)
def test_bank_confirm_with_invalid_fields_is_a_command_error_before_sending(key_files, override):
    private, _ = key_files
    args = confirm_args(private, f"http://127.0.0.1:{closed_port()}", "--key-id=anb-1")
    option = override.split("=", 1)[0]
    args = [arg for arg in args if not arg.startswith(option + "=")] + [override]

    with pytest.raises(CommandError) as caught:
        run("bank_confirm", *args)

    assert "Cannot connect" not in str(caught.value)


@pytest.mark.parametrize("content", [b"garbage", _p256_public_pem(), None])
def test_bank_confirm_with_an_unusable_private_key_file_is_a_command_error(tmp_path, content):
    path = tmp_path / "bank.key"
    if content is not None:
        write(path, content)

    with pytest.raises(CommandError, match=re.escape(str(path))):
        run("bank_confirm", *confirm_args(path, "http://127.0.0.1:8000", "--key-id=anb-1"))

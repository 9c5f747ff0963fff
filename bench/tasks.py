"""The benchmark's Django-side steps, run in a subprocess with the bench environment.

``python -m bench.tasks bank-requests N|all FILE``: register a bank key (once) and pre-sign
one confirmation for each of N (or all) pending accounts (the signing cost stays out of the
measured run; ``created`` stays well inside the portal's five minutes).
``hash-rate SECONDS``: Argon2id hashes per second with the project's hasher, one process per
core, measured. ``hash-params``: that hasher's Argon2id parameters, for the allauth peer that
hashes as the portal does. ``admin-timing``: server time of the admin pending list and an
exact search, in-process (no network, no load tool): what the staff member waits for on the
server.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import statistics
import sys
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.bench_settings")
django.setup()

import requests  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth.hashers import get_hasher, make_password  # noqa: E402
from django.db.models import Max, Min  # noqa: E402
from django.test import Client  # noqa: E402

from accounts import factors  # noqa: E402
from accounts.models import AccountStatus, User  # noqa: E402
from accounts.seed_numbers import BENCH_ID_BASE, national_id_for  # noqa: E402
from activation import keys  # noqa: E402
from activation.client import (  # noqa: E402
    CONTENT_TYPE,
    activations_url,
    confirmation_body,
    rfc3339_utc,
    signature_auth,
)
from activation.models import Bank, BankKey  # noqa: E402

KEY_FILE = Path(__file__).resolve().parent / "out" / "bank_key.pem"
KEY_ID = "bench-key-1"


def bank_key() -> str:
    """The bench bank's private key (PEM), its public half registered in this database."""
    KEY_FILE.parent.mkdir(exist_ok=True)
    if not KEY_FILE.exists():
        KEY_FILE.write_text(keys.private_key_pem(keys.generate_private_key()))
    private = keys.load_private_key(KEY_FILE.read_text())
    bank, _ = Bank.objects.get_or_create(
        code="benchbank", defaults={"name_en": "Bench Bank", "name_ar": "بنك القياس"}
    )
    BankKey.objects.update_or_create(
        key_id=KEY_ID,
        defaults={
            "bank": bank,
            "public_key_pem": keys.public_key_pem(private.public_key()),
            "is_active": True,
            "revoked_at": None,
        },
    )
    return KEY_FILE.read_text()


def pending_accounts(count: int | None) -> list[tuple[str, str]]:
    """(ID, mobile) of ``count`` pending accounts picked at random, or of all of them (None).

    Picked by random primary keys: ``ORDER BY random()`` reads the whole table (261 MB at a
    million accounts) and pushes the indexes out of PostgreSQL's cache just before the phase
    that measures them, which then measured the benchmark's own scan (docs/bench/README.md).
    """
    pending = User.objects.filter(status=AccountStatus.PENDING)
    if count is None:
        return list(pending.order_by("?").values_list("national_id", "mobile"))
    bounds = User.objects.aggregate(low=Min("pk"), high=Max("pk"))
    if bounds["low"] is None:
        return []
    rng = random.Random()  # noqa: S311 - picking test rows, not a secret
    chosen: dict[int, tuple[str, str]] = {}
    for _attempt in range(50):
        wanted = count - len(chosen)
        if wanted <= 0:
            break
        ids = [rng.randint(bounds["low"], bounds["high"]) for _ in range(max(64, wanted * 5))]
        for pk, national_id, mobile in pending.filter(pk__in=ids).values_list(
            "pk", "national_id", "mobile"
        ):
            chosen.setdefault(pk, (national_id, mobile))
    return list(chosen.values())[:count]


def bank_requests(count: int | None, out: Path) -> None:
    pem = bank_key()
    auth = signature_auth(key_id=KEY_ID, private_key=pem)
    url = activations_url(settings.PUBLIC_ORIGIN)
    items = []
    for i, (national_id, mobile) in enumerate(pending_accounts(count)):
        body = confirmation_body(
            event_id=f"bench-{time.time_ns()}-{i}",
            national_id=national_id,
            mobile=mobile,
            channel="atm",
            confirmed_at=rfc3339_utc(django.utils.timezone.now()),
        )
        request = requests.Request("POST", url, data=body, headers={"Content-Type": CONTENT_TYPE})
        prepared = auth(request.prepare())
        items.append({"body": body.decode(), "headers": dict(prepared.headers)})
    out.write_text(json.dumps(items))
    print(len(items))  # the last line: bench/run.py reads it


def _hash_for(seconds: float) -> int:
    hasher = get_hasher("default")
    deadline, done = time.monotonic() + seconds, 0
    while time.monotonic() < deadline:
        hasher.encode("Tr7uMpet9Zq", hasher.salt())
        done += 1
    return done


def hash_rate(seconds: float) -> None:
    cores = os.cpu_count() or 1
    make_password("warm-up")
    started = time.monotonic()
    with multiprocessing.Pool(cores) as pool:
        total = sum(pool.map(_hash_for, [seconds] * cores))
    elapsed = time.monotonic() - started
    hasher = get_hasher("default")
    print(
        json.dumps(
            {
                "hashes_per_s": total / elapsed,
                "processes": cores,
                "hasher": hasher.algorithm,
                "params": (
                    f"m={hasher.memory_cost} KiB, t={hasher.time_cost}, p={hasher.parallelism}"
                ),
            }
        )
    )


def hash_params() -> None:
    hasher = get_hasher("default")
    print(
        json.dumps(
            {
                "PEER_ARGON2_MEMORY_KIB": str(hasher.memory_cost),
                "PEER_ARGON2_TIME_COST": str(hasher.time_cost),
                "PEER_ARGON2_LANES": str(hasher.parallelism),
            }
        )
    )


def admin_timing(repeats: int) -> None:
    staff_id = national_id_for(BENCH_ID_BASE - 1)
    staff = User.objects.filter(username="benchadmin").first() or User.objects.create_superuser(
        username="benchadmin",
        password=None,
        national_id=staff_id,
        mobile="+966540000001",
        email="benchadmin@example.sa",
        status=AccountStatus.ACTIVE,
    )
    target = User.objects.filter(status=AccountStatus.PENDING).order_by("-id").first()
    client = Client(HTTP_HOST="127.0.0.1")
    # Signed in as at /login/ with an authenticator app: production's admin opens only for a
    # session that passed both factors, one of them strong (STAFF_REQUIRE_STRONG_FACTOR).
    client.force_login(staff)
    session = client.session
    factors.record(session, factors.Factor.PASSWORD)
    factors.record(session, factors.Factor.TOTP)
    session.save()
    pages = {
        "admin pending list": "/admin/accounts/user/?status__exact=pending",
        "admin exact search": f"/admin/accounts/user/?q={target.national_id}",
    }
    result = {}
    for name, url in pages.items():
        client.get(url)  # warm: templates, connection
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (name, response.status_code)
        result[name] = {"median_ms": statistics.median(times), "max_ms": max(times)}
    result["accounts"] = User.objects.count()
    print(json.dumps(result))


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "bank-requests":
        bank_requests(None if sys.argv[2] == "all" else int(sys.argv[2]), Path(sys.argv[3]))
    elif command == "hash-rate":
        hash_rate(float(sys.argv[2]))
    elif command == "hash-params":
        hash_params()
    elif command == "admin-timing":
        admin_timing(int(sys.argv[2]))
    else:
        raise SystemExit(f"unknown command {command}")

"""``make bench-profile``: flame graphs of a registration and of a bank activation (issue 16).

Starts the portal on the small benchmark database as ``make bench`` does, drives one phase
with locust and records every gunicorn worker (and the task worker) with py-spy meanwhile,
sampling 200 times a second; writes ``docs/bench/flame-<phase>-<label>.svg``. Run it before and
after a change with two labels and compare the two pictures: the widths are shares of the
processes' time, so they hold even when the machine is slower.

    python -m bench.profile register before
    python -m bench.profile bank after --seconds 20
"""

from __future__ import annotations

import argparse
import subprocess
import time
from pathlib import Path

import psutil

from bench.config import BIN, OUT, ROOT, bench_env
from bench.load import locust
from bench.run import REPEND, bench_task, drain_tasks, manage, portal, prepare_database, psql
from bench.servers import pick_ports

PHASES = {"register": "RegisterUser", "bank": "BankUser"}


def record(pids: list[int], seconds: int, out: Path) -> subprocess.Popen:
    """py-spy on ``pids`` (one recorder per process, merged by py-spy's ``--pid`` of the
    gunicorn master with ``--subprocesses``)."""
    command = [
        str(BIN / "py-spy"),
        "record",
        "--rate",
        "200",
        "--duration",
        str(seconds),
        "--format",
        "flamegraph",
        "--output",
        str(out),
        "--subprocesses",
        "--nonblocking",
        "--pid",
        str(pids[0]),
    ]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("phase", choices=sorted(PHASES))
    parser.add_argument("label", help="e.g. before or after; part of the file name")
    parser.add_argument("--seconds", type=int, default=20)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    db = "absher_bench_profile"
    manage(bench_env(db), "collectstatic", "--no-input", "-v", "0")  # a fresh clone has none
    prepare_database(db, 1_000, fresh=True)
    port = pick_ports(None).portal
    out = ROOT / "docs" / "bench" / f"flame-{args.phase}-{args.label}.svg"
    with portal(db, port) as master:
        locust("IdentityPageUser", 20, 3, "profile-warmup", port=port)
        extra = {}
        if args.phase == "bank":
            bench_task(bench_env(db, port), "bank-requests", "all", str(OUT / "bank-p.json"))
            extra["BENCH_BANK_FILE"] = str(OUT / "bank-p.json")
        spy = record([master.pid], args.seconds + 2, out)
        time.sleep(1)  # py-spy attaches to the workers
        users = 16 if args.phase == "register" else 50
        locust(PHASES[args.phase], users, args.seconds, f"profile-{args.phase}", port=port, **extra)
        spy.wait()
        drain_tasks(db)
        psql(REPEND, db)
        workers = len(psutil.Process(master.pid).children())
    print(f"wrote {out} ({workers} workers recorded)")


if __name__ == "__main__":
    main()

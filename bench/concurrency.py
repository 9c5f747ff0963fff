"""``make bench-concurrency``: which gunicorn model serves the portal best (issue 16 item 4).

Sync workers at 1, 2 and 4 per core, and gthread workers (one per core) with 2, 4 and 8
threads, each serving the registration flow and the bank confirmations on the small database,
in the same run: throughput, p95, CPU per operation (bench/cpu.py) and resident memory per
worker. The result sets ``gunicorn.conf.py``'s defaults; docs/decisions.md says why.
Writes docs/bench/concurrency.json (bench/out/ for ``--smoke``).
"""

from __future__ import annotations

import json
import sys
import time

from bench.config import CORES, OUT, ROOT, bench_env
from bench.load import locust
from bench.run import REPEND, bench_task, drain_counted, portal, prepare_database, psql, worker_rss
from bench.servers import pick_ports

#: (name, environment of the server): the models compared.
MODELS = [
    ("sync x1/core", {"WEB_CONCURRENCY": str(CORES)}),
    # The defaults before issue 16: every worker imports Django itself, and is replaced
    # (importing it again) after 2,000 requests: what preload_app and 10,000 are worth.
    (
        "sync x1/core, no preload, recycle 2000",
        {"WEB_CONCURRENCY": str(CORES), "GUNICORN_PRELOAD": "0", "GUNICORN_MAX_REQUESTS": "2000"},
    ),
    ("sync x2/core", {"WEB_CONCURRENCY": str(2 * CORES)}),
    ("sync x4/core", {"WEB_CONCURRENCY": str(4 * CORES)}),
    *(
        (
            f"gthread {threads} threads",
            {
                "WEB_CONCURRENCY": str(CORES),
                "GUNICORN_WORKER_CLASS": "gthread",
                "GUNICORN_THREADS": str(threads),
            },
        )
        for threads in (2, 4, 8)
    ),
]


def completed(stats: dict, name: str) -> int:
    return stats[name]["requests"] - stats[name]["failures"]


def measure(model: dict[str, str], db: str, seconds: int, users: int, flow_users: int) -> dict:
    port = pick_ports(None).portal
    with portal(db, port, **model) as master:
        locust("IdentityPageUser", users, 2, "concurrency-warmup", port=port)
        register = locust("RegisterUser", flow_users, seconds, "concurrency-register", port=port)
        drain_counted(db, port, register)
        bench_task(bench_env(db, port), "bank-requests", "all", str(OUT / "bank-c.json"))
        bank = locust(
            "BankUser",
            users,
            seconds,
            "concurrency-bank",
            port=port,
            BENCH_BANK_FILE=str(OUT / "bank-c.json"),
        )
        drain_counted(db, port, bank)
        psql(REPEND, db)
        rss = worker_rss(master)
    phases = {"registration": register, "POST bank activation": bank}
    return {
        name: {
            "per_s": stats[name]["rps"],
            "p95_ms": stats[name]["p95_ms"],
            "failures": stats[name]["failures"],
            "cpu_ms_per_op": (
                stats["_cpu"]["total"] * 1000 / completed(stats, name)
                if completed(stats, name)
                else 0.0
            ),
        }
        for name, stats in phases.items()
    } | {"rss_mib_per_worker": sum(rss) / len(rss) if rss else 0.0, "workers": len(rss)}


def main(smoke: bool) -> dict:
    OUT.mkdir(exist_ok=True)
    db = "absher_bench_concurrency" + ("_smoke" if smoke else "")
    seconds, users, flow_users = (2, 5, 3) if smoke else (20, 50, 16)
    prepare_database(db, 400 if smoke else 1_000, fresh=True)
    results = {"started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "cores": CORES}
    for name, model in MODELS:
        results[name] = measure(model, db, seconds, users, flow_users)
        row = results[name]
        print(
            f"{name:38} registrations {row['registration']['per_s']:6.1f}/s "
            f"p95 {row['registration']['p95_ms']:6.0f} ms "
            f"{row['registration']['cpu_ms_per_op']:6.1f} ms CPU | bank "
            f"{row['POST bank activation']['per_s']:6.1f}/s "
            f"p95 {row['POST bank activation']['p95_ms']:5.0f} ms "
            f"{row['POST bank activation']['cpu_ms_per_op']:5.1f} ms CPU | "
            f"{row['workers']} workers, {row['rss_mib_per_worker']:.0f} MiB each",
            flush=True,
        )
    return results


if __name__ == "__main__":
    smoke = "--smoke" in sys.argv
    data = main(smoke)
    target = OUT if smoke else ROOT / "docs" / "bench"
    (target / "concurrency.json").write_text(json.dumps(data, indent=2) + "\n")
    print(f"wrote {target / 'concurrency.json'}")

"""``make bench-farm``: many web machines, measured (issue 16, item 5).

Two gunicorn instances (one worker per core between them, as one machine's share) behind the
portal's own nginx configuration (deploy/nginx, run by tests/reverse_proxy.py with its ports
rewritten), reaching PostgreSQL through PgBouncer in transaction pooling and sharing Redis and
one task worker; against it, in the same run and taking turns, the usual set-up: one gunicorn
straight to PostgreSQL. Both serve the bank API on the same small database, every pending
account confirmed once per turn and made pending again after it. The report gives each side's
rate, p95 and CPU per activation, nginx and PgBouncer included, and the farm's ratio to the
single server: what the extra hops cost, since on one machine two instances cannot add cores.

    python -m bench.farm            # 3 turns of 20 s
    python -m bench.farm --smoke    # 1 turn of 3 s (CI)
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from contextlib import ExitStack
from pathlib import Path

from bench import cpu
from bench.config import BIN, CORES, OUT, PG, ROOT, bench_env
from bench.load import locust, merge_slices
from bench.run import REPEND, bench_task, drain_counted, manage, portal, prepare_database, psql
from bench.run import server as started_server
from bench.servers import pick_ports
from tests import pgbouncer
from tests.reverse_proxy import running_nginx

DB = "absher_bench_farm"
#: The single server's own copy: each side's task worker must send only its side's SMS.
SINGLE_DB = "absher_bench_farm_single"
RESULTS = ROOT / "docs" / "bench" / "farm.json"


def farm_env(db: str, origin_port: int, bouncer_port: int) -> dict[str, str]:
    """A farm machine's environment: the public origin is nginx's, the database PgBouncer's."""
    return {
        "PUBLIC_ORIGIN": f"http://127.0.0.1:{origin_port}",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{bouncer_port}/{db}",
        "DATABASE_TRANSACTION_POOLING": "1",
        "WEB_CONCURRENCY": str(max(1, CORES // 2)),
    }


def turn(tag: str, db: str, port: int, users: int, seconds: int, env: dict[str, str]) -> dict:
    """Sign a confirmation for every pending account for ``port``'s origin, send them, let
    the worker send the SMS, make the accounts pending again."""
    requests_file = OUT / f"farm-{tag}.json"
    bench_task(env, "bank-requests", "all", str(requests_file))
    stats = locust("BankUser", users, seconds, tag, port=port, BENCH_BANK_FILE=str(requests_file))
    drain_counted(db, port, stats)
    psql(REPEND, db)
    return stats


def summary(stats: dict) -> dict:
    name = "POST bank activation"
    done = stats[name]["requests"] - stats[name]["failures"]
    ms = {g: v * 1000 / done for g, v in stats["_cpu"].items() if g not in cpu.COUNTERS}
    return {
        "rps": stats[name]["rps"],
        "p95_ms": stats[name]["p95_ms"],
        "failures": stats[name]["failures"],
        "completed": done,
        "cpu_ms": ms,
        "pg_commits": stats["_cpu"].get("pg_commits", 0.0) / done,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    turns, seconds, users = (1, 3, 10) if args.smoke else (3, 20, 50)
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    OUT.mkdir(exist_ok=True)
    manage(bench_env(DB), "collectstatic", "--no-input", "-v", "0")
    for db in (DB, SINGLE_DB):
        prepare_database(db, 1_000, fresh=True)
    single_port, nginx_port, first, second = (
        pick_ports(None).portal,
        *[pgbouncer.free_port() for _ in range(3)],
    )
    work = Path(tempfile.mkdtemp(prefix="bench-farm-"))
    work.chmod(0o755)  # PgBouncer runs as postgres and must reach its folder inside
    with ExitStack() as stack:
        bouncer_port = pgbouncer.start(work / "pgbouncer")
        stack.callback(pgbouncer.stop, work / "pgbouncer")
        behind = farm_env(DB, nginx_port, bouncer_port)
        gunicorn = [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py"]
        # The first farm machine runs the task worker (portal()); the second only gunicorn.
        one = stack.enter_context(portal(DB, first, **behind))
        two = stack.enter_context(
            started_server(
                gunicorn,
                cwd=ROOT,
                env={**bench_env(DB, second), **behind, "GUNICORN_BIND": f"127.0.0.1:{second}"},
                port=second,
                path="/healthz",
                log=OUT / "server-farm-2.log",
            )
        )
        worker = cpu.WORKERS[first].pid
        (work / "nginx").mkdir()
        stack.enter_context(
            running_nginx(
                nginx,
                work / "nginx",
                http=nginx_port,
                https=pgbouncer.free_port(),
                upstream=[first, second],
            )
        )
        cpu.register(nginx_port, server=[one.pid, two.pid], worker=worker)
        stack.enter_context(portal(SINGLE_DB, single_port))
        farm_env_signed = bench_env(DB, nginx_port)
        single_env = bench_env(SINGLE_DB, single_port)
        locust("IdentityPageUser", users, 2, "farm-warmup", port=nginx_port)
        locust("IdentityPageUser", users, 2, "single-warmup", port=single_port)
        slices: dict[str, list] = {"single": [], "farm": []}
        for n in range(turns):
            slices["single"].append(
                turn(f"single-{n}", SINGLE_DB, single_port, users, seconds, single_env)
            )
            slices["farm"].append(
                turn(f"farm-{n}", DB, nginx_port, users, seconds, farm_env_signed)
            )
    results = {side: summary(merge_slices(parts)) for side, parts in slices.items()}
    results["farm_vs_single"] = results["farm"]["rps"] / results["single"]["rps"]
    results["set_up"] = {
        "cores": CORES,
        "farm": f"2 gunicorn x {max(1, CORES // 2)} workers behind nginx, PgBouncer",
        "single": f"1 gunicorn x {CORES} workers -> PostgreSQL",
        "turns": turns,
        "seconds": seconds,
        "users": users,
        "database": PG.rsplit("@", 1)[-1],
    }
    print(json.dumps(results, indent=2))
    broken = [
        side
        for side in ("single", "farm")
        if results[side]["failures"] or not results[side]["completed"]
    ]
    if broken:
        raise SystemExit(f"bench-farm: requests failed or none completed on {broken}")
    if not args.smoke:
        RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()

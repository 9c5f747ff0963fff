"""``python -m bench.capacity docs/bench/results.json``: what a national peak needs, on paper.

From the measured CPU per operation, commits and WAL per operation of a result file (the
median of three runs), for an assumed day: how many web, task-worker and PostgreSQL cores, and
how many commits, WAL bytes and Redis commands per second at the peak hour. The assumptions are
arguments with the defaults issue 16 suggests; the output is the Markdown table
docs/bench/README.md quotes.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

from bench import report

#: Redis commands per operation, counted in-process (a registration: the session's reads and
#: writes, the captcha's and the limits' counters; the bank API uses none).
REDIS_COMMANDS = {"registration": 24, "activation": 0}


def peak_rates(per_day: dict[str, float], peak_factor: float) -> dict[str, float]:
    """Operations per second in the peak hour: the day's average hour times ``peak_factor``."""
    return {name: count / 86_400 * peak_factor for name, count in per_day.items()}


def needs(data: dict, rates: dict[str, float], utilisation: float) -> dict[str, dict]:
    """Per tier: CPU seconds per second at the peak, and the cores that keeps at
    ``utilisation``; commits, WAL and Redis commands per second."""
    rows = {row["phase"]: row for row in data.get("cpu_per_operation") or report.cpu_rows(data)}
    ops = {"registration": rows["register"], "activation": rows["bank_large"]}
    tiers = {"web": 0.0, "worker": 0.0, "postgres": 0.0, "redis": 0.0}
    commits = wal = redis_commands = 0.0
    for name, rate in rates.items():
        row = ops[name]
        for tier in tiers:
            tiers[tier] += rate * row["cpu_ms"].get(tier, 0.0) / 1000
        commits += rate * row.get("pg_commits", 0.0)
        wal += rate * row.get("wal_bytes", 0.0)
        redis_commands += rate * REDIS_COMMANDS[name]
    cores = {
        tier: {"busy": busy, "cores": math.ceil(busy / utilisation)} for tier, busy in tiers.items()
    }
    return {
        "cores": cores,
        "commits_per_s": commits,
        "wal_mb_per_s": wal / 2**20,
        "redis_commands_per_s": redis_commands,
    }


def table(data: dict, rates: dict[str, float], utilisation: float) -> str:
    result = needs(data, rates, utilisation)
    lines = [
        "| peak hour | per second |",
        "|---|---|",
        *(f"| {name}s | {rate:.0f} |" for name, rate in rates.items()),
        "",
        f"| tier | CPU busy at the peak (cores) | cores at {utilisation:.0%} |",
        "|---|---|---|",
        *(
            f"| {tier} | {row['busy']:.1f} | **{row['cores']}** |"
            for tier, row in result["cores"].items()
        ),
        "",
        f"PostgreSQL: {result['commits_per_s']:.0f} commits/s (read-only ones included), "
        f"{result['wal_mb_per_s']:.1f} MiB/s of WAL; Redis: "
        f"{result['redis_commands_per_s']:.0f} commands/s.",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path)
    parser.add_argument("--registrations-per-day", type=float, default=1_000_000)
    parser.add_argument("--activations-per-day", type=float, default=500_000)
    parser.add_argument("--peak-factor", type=float, default=10.0)
    parser.add_argument("--utilisation", type=float, default=0.6)
    args = parser.parse_args()
    data = json.loads(args.results.read_text())
    rates = peak_rates(
        {"registration": args.registrations_per_day, "activation": args.activations_per_day},
        args.peak_factor,
    )
    print(table(data, rates, args.utilisation))


if __name__ == "__main__":
    main()

"""Driving locust: one headless, time-bounded run per phase, and phases that take turns."""

from __future__ import annotations

import csv
import os
import statistics
import subprocess
import time

from bench import cpu
from bench.config import BIN, CORES, OUT, ROOT, bench_env


def locust(
    user_class: str, users: int, seconds: int, tag: str, *, port: int, **extra_env: str
) -> dict[str, dict]:
    """One headless locust run; its stats per request name, the load tool's CPU share, and
    the CPU seconds the processes behind ``port`` spent meanwhile (``_cpu``, bench/cpu.py)."""
    prefix = OUT / tag
    env = {**bench_env("unused"), "BENCH_SEQ_BASE": str(time.time_ns() % 9_000_000), **extra_env}
    command = [
        str(BIN / "locust"),
        "-f",
        "bench/locustfile.py",
        "--headless",
        "--only-summary",
        "-u",
        str(users),
        "-r",
        str(users),
        "-t",
        f"{seconds}s",
        "--stop-timeout",
        "5",
        "--host",
        f"http://127.0.0.1:{port}",
        "--csv",
        str(prefix),
        "--loglevel",
        "ERROR",
        user_class,
    ]
    with (OUT / f"{tag}.log").open("wb") as log:
        before = cpu.snapshot(port)
        started = time.monotonic()
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
        _, _, usage = os.wait4(process.pid, 0)
        wall = time.monotonic() - started
        served = cpu.spent(before, cpu.snapshot(port))
    stats = {}
    with open(f"{prefix}_stats.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["Name"] == "Aggregated":
                continue
            stats[row["Name"]] = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "rps": float(row["Requests/s"]),
                "p50_ms": float(row["50%"]),
                "p95_ms": float(row["95%"]),
                "p99_ms": float(row["99%"]),
            }
    load_cpu = usage.ru_utime + usage.ru_stime
    stats["_load_tool"] = {"cpu_s": load_cpu, "wall_s": wall, "share": load_cpu / (wall * CORES)}
    stats["_cpu"] = served
    print(
        f"  {tag}: "
        + ", ".join(
            f"{name} {s['rps']:.1f}/s p95 {s['p95_ms']:.0f} ms ({s['failures']} failed)"
            for name, s in stats.items()
            if not name.startswith("_")
        )
        + f"; locust CPU {stats['_load_tool']['share']:.0%}; served CPU {served['total']:.1f} s",
        flush=True,
    )
    return stats


def merge_slices(slices: list[dict[str, dict]]) -> dict[str, dict]:
    """One phase's stats from its slices: counts add up, the rate is requests over the time
    they took, and each percentile is the median of the slices' (locust keeps no raw times)."""
    merged: dict[str, dict] = {}
    for name in slices[0]:
        parts = [s[name] for s in slices if name in s]
        if name == "_cpu":
            merged[name] = {group: sum(p[group] for p in parts) for group in parts[0]}
            continue
        if name == "_load_tool":
            cpu, wall = sum(p["cpu_s"] for p in parts), sum(p["wall_s"] for p in parts)
            merged[name] = {"cpu_s": cpu, "wall_s": wall, "share": cpu / (wall * CORES)}
            continue
        requests = sum(p["requests"] for p in parts)
        seconds = sum(p["requests"] / p["rps"] for p in parts if p["rps"])
        merged[name] = {
            "requests": requests,
            "failures": sum(p["failures"] for p in parts),
            "rps": requests / seconds if seconds else 0.0,
            **{q: statistics.median(p[q] for p in parts) for q in ("p50_ms", "p95_ms", "p99_ms")},
            "slices": len(parts),
        }
    return merged


def take_turns(
    users: int, seconds: int, rounds: int, *sides: tuple[str, int, str]
) -> list[dict[str, dict]]:
    """Run each (user class, port, tag) in turn, ``rounds`` slices of ``seconds`` each.

    The machine's speed drifts by 10-20 % over minutes (other tenants): two measurements
    taken one after the other can land on different sides of a drift, and their ratio with
    them. Taking turns in short slices puts both through the same conditions.
    """
    slices: dict[str, list] = {tag: [] for _, _, tag in sides}
    for turn in range(rounds):
        for user_class, port, tag in sides:
            slices[tag].append(locust(user_class, users, seconds, f"{tag}-{turn}", port=port))
    return [merge_slices(slices[tag]) for _, _, tag in sides]

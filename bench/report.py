"""Turn one run's measurements into the table, the JSON and the chart (issue 8).

Every figure sits beside the reference it is compared with, measured in the same run.
"""

from __future__ import annotations

import json
from pathlib import Path

from bench import cpu

ROOT = Path(__file__).resolve().parent.parent


def _get(data: dict, phase: str, name: str) -> dict:
    return data["phases"][phase][name]


def summary(data: dict) -> list[dict]:
    """Rows: what, value, reference, ratio, target, met."""
    reg = _get(data, "register", "registration")
    peer = _get(data, "allauth", "peer: signup")
    fair_peer = _get(data, "allauth_argon2", "peer: signup")
    session = _get(data, "session", "ref: session write")
    step = _get(data, "identity_get", "GET identity")
    bank = _get(data, "bank_large", "POST bank activation")
    ok_large = _get(data, "ok_large", "ref: ok view")
    hashes = data["hash"]["hashes_per_s"]
    rows = [
        ("registrations/s vs hash-bound limit", reg["rps"], hashes, ">= 0.50"),
        ("registrations/s vs allauth (its PBKDF2) signups/s", reg["rps"], peer["rps"], ">= 3.00"),
        ("registrations/s vs allauth (same Argon2id)", reg["rps"], fair_peer["rps"], ">= 0.75"),
        ("GET identity req/s vs session-write view", step["rps"], session["rps"], ">= 0.80"),
        ("bank activation req/s vs session-write view", bank["rps"], session["rps"], ">= 0.50"),
        ("bank activation req/s vs ok view (large DB)", bank["rps"], ok_large["rps"], "info"),
    ]
    out = []
    for what, value, reference, target in rows:
        ratio = value / reference if reference else 0.0
        out.append(
            {
                "what": what,
                "value": value,
                "reference": reference,
                "ratio": ratio,
                "target": target,
                "met": target == "info" or ratio >= float(target.split()[1]),
            }
        )
    small, large = data["phases"], data["phases"]
    for label, name, a, b in (
        (
            "POST identity p95 large vs small DB",
            "POST identity",
            "identity_post_small",
            "identity_post_large",
        ),
        (
            "bank activation p95 large vs small DB",
            "POST bank activation",
            "bank_small",
            "bank_large_same",
        ),
    ):
        value, reference = large[b][name]["p95_ms"], small[a][name]["p95_ms"]
        ratio = value / reference if reference else 0.0
        out.append(
            {
                "what": label,
                "value": value,
                "reference": reference,
                "ratio": ratio,
                "target": "<= 1.10",
                "met": ratio <= 1.1,
            }
        )
    for name, limit in (("admin pending list", 100.0), ("admin exact search", 20.0)):
        ms = data["admin"][name]["median_ms"]
        out.append(
            {
                "what": f"{name} server ms ({data['admin']['accounts']} accounts)",
                "value": ms,
                "reference": limit,
                "ratio": ms / limit,
                "target": f"< {limit:.0f} ms",
                "met": ms < limit,
            }
        )
    return out


#: The operation each phase counts: its CPU is divided by how many of these completed.
OPERATIONS = {
    "ok": "ref: ok view",
    "session": "ref: session write",
    "identity_get": "GET identity",
    "ok_large": "ref: ok view",
    "identity_post_small": "POST identity",
    "identity_post_large": "POST identity",
    "bank_small": "POST bank activation",
    "bank_large_same": "POST bank activation",
    "bank_large": "POST bank activation",
    "register": "registration",
    "allauth": "peer: signup",
    "allauth_argon2": "peer: signup",
}


def cpu_rows(data: dict) -> list[dict]:
    """Per phase: the operation, how many completed, and CPU ms per operation by process group
    (web, task worker, PostgreSQL, Redis, PgBouncer; bench/cpu.py) and in total."""
    rows = []
    for phase, name in OPERATIONS.items():
        stats = data["phases"].get(phase)
        if not stats or "_cpu" not in stats or name not in stats:
            continue
        done = stats[name]["requests"] - stats[name]["failures"]
        ms = {g: v * 1000 / done if done else 0.0 for g, v in stats["_cpu"].items()}
        database = {g: ms.pop(g) / 1000 for g in cpu.COUNTERS if g in ms}
        rows.append(
            {"phase": phase, "operation": name, "completed": done, "cpu_ms": ms, **database}
        )
    return rows


def latency_rows(data: dict) -> list[tuple[str, dict, float]]:
    rows = []
    for phase, stats in data["phases"].items():
        for name, s in stats.items():
            if not name.startswith("_"):
                rows.append((f"{phase}: {name}", s, stats["_load_tool"]["share"]))
    return rows


def table(data: dict) -> str:
    lines = [f"{'measure':46} {'value':>10} {'reference':>10} {'ratio':>7}  target    met"]
    for row in data.get("summary") or summary(data):
        lines.append(
            f"{row['what']:46} {row['value']:10.1f} {row['reference']:10.1f} "
            f"{row['ratio']:7.2f}  {row['target']:9} {'yes' if row['met'] else 'NO'}"
        )
    h = data["hash"]
    lines += [
        "",
        f"hash-bound limit: {h['hashes_per_s']:.1f} hashes/s ({h['hasher']} "
        f"{h['params']}, {h['processes']} processes); the allauth peers hash with Django's "
        f"default PBKDF2-SHA256 (1,000,000 iterations) and with the portal's Argon2id",
        "",
    ]
    lines.append(
        f"{'phase: request':52} {'req/s':>7} {'p50':>6} {'p95':>6} {'p99':>6} "
        f"{'fail':>5} {'locust CPU':>10}"
    )
    for name, s, share in latency_rows(data):
        lines.append(
            f"{name:52} {s['rps']:7.1f} {s['p50_ms']:6.0f} {s['p95_ms']:6.0f} "
            f"{s['p99_ms']:6.0f} {s['failures']:5d} {share:10.0%}"
        )
    lines += [
        "",
        f"{'CPU per operation (ms): phase / operation':52} {'done':>6} {'web':>6} {'worker':>6} "
        f"{'pg':>6} {'redis':>6} {'pgbnc':>6} {'total':>7} {'commits':>7} {'WAL kB':>7}",
    ]
    for row in data.get("cpu_per_operation") or cpu_rows(data):
        ms = row["cpu_ms"]
        lines.append(
            f"{row['phase'] + ' / ' + row['operation']:52} {row['completed']:6d} "
            f"{ms['web']:6.1f} {ms['worker']:6.1f} {ms['postgres']:6.1f} {ms['redis']:6.2f} "
            f"{ms.get('pgbouncer', 0.0):6.2f} {ms['total']:7.1f} "
            f"{row.get('pg_commits', 0.0):7.1f} {row.get('wal_bytes', 0.0) / 1024:7.1f}"
        )
    rss = ", ".join(f"{r:.0f}" for r in data["rss_mib"])
    drained = ", ".join(f"{k} {v:.1f} s" for k, v in data.get("sms_drain_s", {}).items())
    lines += [
        "",
        f"task worker catching up on the SMS after a phase: {drained or '-'}",
        f"RSS per gunicorn worker after the run (MiB): {rss}",
        f"machine before: {data['machine_before']}, after: {data['machine_after']}",
        f"seeding: small {data['seed_small_s']:.1f} s, large {data['seed_large_s']:.1f} s;"
        f" whole run {data['total_s']:.0f} s",
    ]
    return "\n".join(lines)


def chart(data: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = data.get("summary") or summary(data)
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5))
    labels = [r["what"].replace(" vs ", "\nvs ") for r in rows]
    colours = ["tab:green" if r["met"] else "tab:red" for r in rows]
    left.barh(labels, [r["ratio"] for r in rows], color=colours)
    left.invert_yaxis()
    left.set_xlabel("ratio to the reference measured in the same run (green: target met)")
    left.tick_params(axis="y", labelsize=7)
    names = [n for n, _, _ in latency_rows(data)]
    stats = [s for _, s, _ in latency_rows(data)]
    right.barh(names, [s["rps"] for s in stats], color="tab:blue")
    right.invert_yaxis()
    right.set_xscale("log")
    right.set_xlabel("requests (or completed flows) per second, log scale")
    right.tick_params(axis="y", labelsize=7)
    fig.suptitle(
        f"Benchmarks ({data['profile']}, {data['started']}, "
        f"{data['machine_before']['cores']} cores)"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def smoke_problems(data: dict) -> list[str]:
    """Every phase must have completed requests and (almost) no failures."""
    problems = []
    for name, s, _ in latency_rows(data):
        if s["requests"] == 0 or s["failures"] > 0.05 * s["requests"]:
            problems.append(f"{name}: {s['requests']} requests, {s['failures']} failed")
    return problems


def write(data: dict, *, smoke: bool) -> None:
    target = ROOT / ("bench/out" if smoke else "docs/bench")
    target.mkdir(parents=True, exist_ok=True)
    data["summary"] = summary(data)
    data["cpu_per_operation"] = cpu_rows(data)
    (target / "results.json").write_text(json.dumps(data, indent=2) + "\n")
    chart(data, target / "results.png")
    print(table(data))
    print(f"\nwrote {target / 'results.json'} and {target / 'results.png'}")
    if smoke and (problems := smoke_problems(data)):
        raise SystemExit("bench-smoke failed:\n" + "\n".join(problems))

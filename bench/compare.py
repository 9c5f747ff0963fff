"""Two result files side by side, as the Markdown tables docs/bench/README.md quotes.

    python -m bench.compare docs/bench/issue16-before.json docs/bench/results.json

Every ratio is the one each file holds (a same-run ratio, or the median of several runs' for
a file written by ``bench.median``); CPU per operation, commits and WAL per operation are
given per process group.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bench import report


def _summary(data: dict) -> list[dict]:
    return data.get("summary") or report.summary(data)


def _cpu(data: dict) -> dict[str, dict]:
    return {row["phase"]: row for row in data.get("cpu_per_operation") or report.cpu_rows(data)}


def ratio_table(before: dict, after: dict) -> str:
    lines = [
        "| measure (same run) | before | after | after: value / reference | target | met |",
        "|---|---|---|---|---|---|",
    ]
    old = {row["what"]: row for row in _summary(before)}
    for row in _summary(after):
        was = f"{old[row['what']]['ratio']:.2f}" if row["what"] in old else "—"
        lines.append(
            f"| {row['what']} | {was} | **{row['ratio']:.2f}** | "
            f"{row['value']:.1f} / {row['reference']:.1f} | {row['target']} | "
            f"{'yes' if row['met'] else '**no**'} |"
        )
    return "\n".join(lines)


def cpu_table(before: dict, after: dict) -> str:
    lines = [
        "| operation | web | worker | pg | redis | total before | **total after** | change "
        "| commits | WAL kB |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    old, new = _cpu(before), _cpu(after)
    for phase, row in new.items():
        ms, was = row["cpu_ms"], old.get(phase, {}).get("cpu_ms", {})
        total_before = was.get("total")
        change = f"{(ms['total'] / total_before - 1):+.0%}" if total_before else "—"
        before_cell = f"{total_before:.1f}" if total_before else "—"
        lines.append(
            f"| {phase} / {row['operation']} | {ms['web']:.1f} | {ms['worker']:.1f} | "
            f"{ms['postgres']:.1f} | {ms['redis']:.2f} | {before_cell} | "
            f"**{ms['total']:.1f}** | {change} | "
            f"{row.get('pg_commits', 0.0):.1f} | {row.get('wal_bytes', 0.0) / 1024:.1f} |"
        )
    return "\n".join(lines)


def main(before_path: str, after_path: str) -> None:
    before = json.loads(Path(before_path).read_text())
    after = json.loads(Path(after_path).read_text())
    print(ratio_table(before, after))
    print()
    print(cpu_table(before, after))


if __name__ == "__main__":
    main(*sys.argv[1:3])

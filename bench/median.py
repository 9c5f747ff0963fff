"""``make bench-median``: the median of several full runs, the figures the README quotes.

One run moves with the machine (±15 % between runs here); issue 16 asks for the median of at
least three. Each ``make bench`` writes ``docs/bench/results.json``; ``make bench-runs`` keeps
each run as ``docs/bench/runs/<label>-<n>.json``. This takes those files and writes
``docs/bench/<label>.json`` (and ``.png``): every ratio and every CPU-per-operation figure is
the median of the runs' own, each run's ratios being same-run ratios; the phases, the hash rate
and the admin timings are the median of every number in them, for the tables and the chart.

    python -m bench.median results docs/bench/runs/results-*.json
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

from bench import report

ROOT = Path(__file__).resolve().parent.parent


def median_tree(trees: list) -> object:
    """The same shape as the trees, every number the median of theirs (others: the first's)."""
    first = trees[0]
    if isinstance(first, bool) or not isinstance(first, dict | list | int | float):
        return first
    if isinstance(first, int | float):
        numbers = [t for t in trees if isinstance(t, int | float) and not isinstance(t, bool)]
        if not numbers:
            return first
        middle = statistics.median(numbers)
        # Counts stay whole numbers (an even number of runs would give x.5).
        return round(middle) if all(isinstance(n, int) for n in numbers) else middle
    if isinstance(first, list):
        if not all(isinstance(t, list) and len(t) == len(first) for t in trees):
            return first
        return [median_tree([t[i] for t in trees]) for i in range(len(first))]
    keys = [k for k in first if all(isinstance(t, dict) and k in t for t in trees)]
    return {k: median_tree([t[k] for t in trees]) for k in keys}


def median_of_runs(runs: list[dict]) -> dict:
    """A result file's shape: medians of the runs, ratios taken within each run first."""
    data = median_tree(runs)
    per_run = [report.summary(run) for run in runs]
    rows = []
    for index, row in enumerate(per_run[0]):
        same = [summary[index] for summary in per_run]
        ratio = statistics.median(r["ratio"] for r in same)
        rows.append(
            {
                **row,
                "value": statistics.median(r["value"] for r in same),
                "reference": statistics.median(r["reference"] for r in same),
                "ratio": ratio,
                "ratios": [r["ratio"] for r in same],
                "met": _met(row["target"], ratio),
            }
        )
        if row["target"].startswith("< "):  # a time under a limit: the median time decides
            rows[-1]["met"] = rows[-1]["value"] < rows[-1]["reference"]
    data["summary"] = rows
    data["cpu_per_operation"] = median_tree([report.cpu_rows(run) for run in runs])
    data["runs"] = [run["started"] for run in runs]
    data["profile"] = f"median of {len(runs)} {runs[0]['profile']} runs"
    return data


def _met(target: str, ratio: float) -> bool:
    if target == "info":
        return True
    sign, number = target.split()[0], float(target.split()[1])
    return ratio >= number if sign == ">=" else ratio <= number if sign == "<=" else True


def main(label: str, paths: list[str]) -> None:
    runs = [json.loads(Path(p).read_text()) for p in paths]
    if len(runs) < 3:
        raise SystemExit(f"bench-median: {len(runs)} run(s); the median needs at least 3")
    data = median_of_runs(runs)
    target = ROOT / "docs" / "bench"
    (target / f"{label}.json").write_text(json.dumps(data, indent=2) + "\n")
    report.chart(data, target / f"{label}.png")
    print(report.table(data))
    print("\nsame-run ratios of each run:")
    for row in data["summary"]:
        print(f"  {row['what']:52} " + "  ".join(f"{r:6.2f}" for r in row["ratios"]))
    print(f"\nwrote {target / (label + '.json')} and {target / (label + '.png')}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])

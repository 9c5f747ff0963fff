"""The median of benchmark runs (bench/median.py): ratios are taken within each run, then the
median of them is reported; fewer than three runs are refused."""

from __future__ import annotations

import copy
import json

import pytest

from bench import median, report
from tests.production_env import ROOT

BEFORE = json.loads((ROOT / "docs" / "bench" / "issue16-before.json").read_text())


def runs_with_registration_rates(*factors: float) -> list[dict]:
    runs = []
    for factor in factors:
        run = copy.deepcopy(BEFORE)
        run["phases"]["register"]["registration"]["rps"] *= factor
        runs.append(run)
    return runs


def row(data: dict, what: str) -> dict:
    return next(r for r in data["summary"] if r["what"] == what)


def test_each_ratio_is_the_median_of_the_runs_same_run_ratios():
    data = median.median_of_runs(runs_with_registration_rates(1.2, 0.9, 1.0))
    fair = row(data, "registrations/s vs allauth (same Argon2id)")
    single = row({"summary": report.summary(BEFORE)}, "registrations/s vs allauth (same Argon2id)")
    assert fair["ratio"] == pytest.approx(single["ratio"])
    assert sorted(fair["ratios"]) == pytest.approx(
        sorted(single["ratio"] * f for f in (1.2, 0.9, 1.0))
    )


def test_cpu_per_operation_is_the_median_of_each_group():
    runs = runs_with_registration_rates(1, 1, 1)
    for run, web in zip(runs, (10.0, 30.0, 20.0), strict=True):
        run["phases"]["register"]["_cpu"]["web"] = web
    data = median.median_of_runs(runs)
    (register,) = [r for r in data["cpu_per_operation"] if r["phase"] == "register"]
    done = register["completed"]
    assert register["cpu_ms"]["web"] == pytest.approx(20.0 * 1000 / done)


def test_fewer_than_three_runs_are_refused(tmp_path):
    paths = []
    for n in range(2):
        path = tmp_path / f"run-{n}.json"
        path.write_text(json.dumps(BEFORE))
        paths.append(str(path))
    with pytest.raises(SystemExit, match="at least 3"):
        median.main("never-written", paths)


def test_the_comparison_tables_show_both_files_ratios_and_the_change_in_cpu():
    from bench import compare

    after = median.median_of_runs(runs_with_registration_rates(2.0, 2.0, 2.0))
    ratios = compare.ratio_table(BEFORE, after)
    fair = next(line for line in ratios.splitlines() if "same Argon2id" in line)
    single = row({"summary": report.summary(BEFORE)}, "registrations/s vs allauth (same Argon2id)")
    assert f"| {single['ratio']:.2f} | **{2 * single['ratio']:.2f}** |" in fair
    cpu = compare.cpu_table(BEFORE, after)
    assert "| register / registration |" in cpu and "+0%" in cpu


def test_an_even_number_of_runs_keeps_counts_whole():
    data = median.median_of_runs(runs_with_registration_rates(1, 1, 1, 1))
    (register,) = [r for r in data["cpu_per_operation"] if r["phase"] == "register"]
    assert isinstance(register["completed"], int)
    assert "register / registration" in report.table(data)

"""The capacity model's arithmetic (bench/capacity.py): peak rates from a day, cores from CPU
per operation at a utilisation, commits and WAL from their per-operation figures."""

from __future__ import annotations

import pytest

from bench import capacity


def data(register_web_ms: float, bank_pg_ms: float) -> dict:
    def row(phase: str, cpu: dict, commits: float, wal: float) -> dict:
        return {"phase": phase, "cpu_ms": cpu, "pg_commits": commits, "wal_bytes": wal}

    return {
        "cpu_per_operation": [
            row("register", {"web": register_web_ms, "postgres": 10.0}, 30.0, 10 * 1024),
            row("bank_large", {"web": 8.0, "worker": 7.0, "postgres": bank_pg_ms}, 12.0, 2**20),
        ]
    }


def test_a_ten_times_peak_hour_of_a_million_a_day_is_116_per_second():
    rates = capacity.peak_rates({"registration": 1_000_000}, 10)
    assert rates["registration"] == pytest.approx(115.74, abs=0.01)


def test_cores_are_busy_seconds_per_second_over_the_utilisation_rounded_up():
    rates = {"registration": 100.0, "activation": 50.0}
    result = capacity.needs(data(register_web_ms=80.0, bank_pg_ms=6.0), rates, 0.5)
    assert result["cores"]["web"]["busy"] == pytest.approx(100 * 0.080 + 50 * 0.008)
    assert result["cores"]["web"]["cores"] == 17  # 8.4 busy at 50 %
    assert result["cores"]["postgres"]["busy"] == pytest.approx(100 * 0.010 + 50 * 0.006)
    assert result["commits_per_s"] == pytest.approx(100 * 30 + 50 * 12)
    assert result["wal_mb_per_s"] == pytest.approx((100 * 10 * 1024 + 50 * 2**20) / 2**20)
    assert result["redis_commands_per_s"] == 100 * capacity.REDIS_COMMANDS["registration"]

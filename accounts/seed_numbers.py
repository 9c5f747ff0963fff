"""Valid, collision-free ID and mobile numbers for seeded and benchmark accounts.

No Django imports: the load tool (bench/locustfile.py) uses these too, outside Django.
Seeded rows use row numbers below ``BENCH_ID_BASE`` and mobiles ``+96655…``; the benchmark's
own registrations use row numbers from ``BENCH_ID_BASE`` on and mobiles ``+96656…``.
"""

from __future__ import annotations

from accounts.luhn import luhn_check_digit

BENCH_ID_BASE = 50_000_000


def national_id_for(number: int) -> str:
    """A valid 10-digit ID number for row ``number`` (citizen if even, resident if odd)."""
    body = ("1" if number % 2 == 0 else "2") + f"{number:08d}"
    return body + luhn_check_digit(body)


def mobile_for(number: int, prefix: str = "55") -> str:
    """A valid Saudi mobile in E.164 for row ``number`` (seven digits after the prefix)."""
    return f"+966{prefix}{number % 10_000_000:07d}"

"""The Luhn mod-10 checksum of citizen and resident ID numbers (design.md §4).

No Django imports: the validators use it, and so does the benchmark's load tool (through
``accounts.seed_numbers``), which runs outside Django.
"""

from __future__ import annotations


def _luhn_total(digits: str) -> int:
    """Sum of the digits, every second one from the right doubled (less 9 above 9)."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        number = int(char)
        if index % 2 == 1:
            number *= 2
            if number > 9:
                number -= 9
        total += number
    return total


def luhn_is_valid(digits: str) -> bool:
    """Check the Luhn mod-10 checksum over all the given ASCII digits."""
    return _luhn_total(digits) % 10 == 0


def luhn_check_digit(body: str) -> str:
    """The digit that makes ``body + digit`` pass the Luhn test (a trailing 0 adds nothing
    and puts the body's digits where the check digit will leave them)."""
    return str((10 - _luhn_total(body + "0") % 10) % 10)

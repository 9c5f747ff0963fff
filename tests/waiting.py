"""Waiting for another process: poll with a deadline instead of sleeping a guessed while."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_for(
    predicate: Callable[[], T], *, what: str, timeout: float = 10.0, interval: float = 0.05
) -> T:
    """``predicate()``'s first truthy value, asked every ``interval`` seconds.

    Raises ``AssertionError`` naming ``what`` it waited for when ``timeout`` seconds pass
    without one (the predicate is asked once more at the deadline).
    """
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise AssertionError(f"waited {timeout:g} s for {what}, in vain")
        time.sleep(interval)

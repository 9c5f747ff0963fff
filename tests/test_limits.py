"""Every throttle in one place (issue 12, item 4): the counter, and the README's table."""

from __future__ import annotations

import random
import threading
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.test import override_settings

from accounts import limits
from accounts.limits import LIMITS, markdown_table

README = Path(__file__).resolve().parent.parent / "README.md"
LIMIT = limits.RESET_REQUESTS_PER_ADDRESS


def test_the_readme_limits_table_is_the_declared_one():
    with override_settings():  # the defaults, whatever a test run's environment says
        assert markdown_table() in README.read_text(encoding="utf-8")


def test_every_limit_has_its_own_name():
    assert len({limit.name for limit in LIMITS}) == len(LIMITS)


@override_settings(PASSWORD_RESET_REQUESTS_PER_IP=3)
def test_a_limit_refuses_the_hit_past_its_number_and_counts_per_value():
    usages = [LIMIT.hit("198.51.100.7") for _ in range(4)]

    assert [usage.count for usage in usages] == [1, 2, 3, 4]
    assert [usage.exceeded for usage in usages] == [False, False, False, True]
    assert LIMIT.hit("198.51.100.8").count == 1
    assert LIMIT.peek("198.51.100.7").count == 4


def test_a_hit_stays_counted_for_its_window_and_at_most_one_slice_more(time_machine):
    time_machine.move_to("2026-12-04 10:00:00+00:00", tick=False)
    LIMIT.hit("203.0.113.9")

    time_machine.shift(LIMIT.window_seconds - 1)
    assert LIMIT.peek("203.0.113.9").count == 1

    time_machine.shift(1 + LIMIT.window_seconds // limits.SLICES)
    assert LIMIT.peek("203.0.113.9").count == 0


def test_a_count_given_back_is_not_counted():
    usage = LIMIT.hit("192.0.2.1")
    limits.give_back(usage)

    assert LIMIT.peek("192.0.2.1").count == 0


@pytest.mark.parametrize("limit", LIMITS, ids=lambda limit: limit.name)
def test_counters_of_different_values_are_released_at_different_times(limit, settings):
    """Staggered slices: counters of many values do not all move at one second."""
    setattr(settings, limit.number_setting, 1)
    waits = set()
    for n in range(20):
        limit.hit(f"value-{n}")
        waits.add(limit.hit(f"value-{n}").retry_after)
    assert len(waits) > 10


def test_retry_after_is_the_wait_until_a_hit_would_pass_once_exceeded(settings):
    settings.PASSWORD_RESET_REQUESTS_PER_IP = 1
    allowed, refused = LIMIT.hit("192.0.2.50"), LIMIT.hit("192.0.2.50")

    assert allowed.retry_after == 0
    assert refused.retry_after == refused.time_left
    assert LIMIT.window_seconds <= refused.retry_after <= LIMIT.window_seconds * 13 // 12


@override_settings(PASSWORD_RESET_REQUESTS_PER_IP=5)
def test_sixteen_parallel_hits_let_exactly_the_number_through():
    """The count is one atomic increment: racing clients cannot slip past the limit."""
    barrier = threading.Barrier(16)

    def hit(_: int) -> bool:
        barrier.wait()
        return LIMIT.hit("198.51.100.99").exceeded

    with ThreadPoolExecutor(16) as pool:
        refused = list(pool.map(hit, range(16)))

    assert refused.count(False) == 5
    assert LIMIT.peek("198.51.100.99").count == 16


# --- no boundary to straddle (issue 13 item 4, attack 3) ---------------------------------------
@override_settings(PASSWORD_RESET_REQUESTS_PER_IP=5)
def test_a_burst_on_each_side_of_the_old_window_boundary_gets_the_number_through_once(
    time_machine,
):
    """The old fixed windows ended at a second anyone could compute (a CRC32 of the value
    past the hour): the number just before it and the number just after were all accepted."""
    value, period = "198.51.100.20", LIMIT.window_seconds
    start = 1_796_000_000
    boundary = start - start % period + zlib.crc32(value.encode()) % period + period
    time_machine.move_to(boundary - 2, tick=False)
    before = [LIMIT.hit(value).exceeded for _ in range(5)]
    time_machine.move_to(boundary + 2, tick=False)
    after = [LIMIT.hit(value).exceeded for _ in range(5)]

    assert (before + after).count(False) == 5


@pytest.mark.parametrize("seed", range(5))
@override_settings(PASSWORD_RESET_REQUESTS_PER_IP=7)
def test_no_interval_of_the_window_ever_gets_more_than_the_number_through(time_machine, seed):
    """Hits at random moments over three windows, each sent only when the counter says one
    would pass (the most an attacker can get through): whatever interval of ``window``
    seconds one looks at, at most ``number`` of them were accepted."""
    rng, period = random.Random(seed), LIMIT.window_seconds
    moments = sorted(rng.uniform(0, 3 * period) for _ in range(400))
    start, accepted = 1_796_000_000.0, []
    for moment in moments:
        time_machine.move_to(start + moment, tick=False)
        if LIMIT.peek("192.0.2.77").time_left == 0:
            assert not LIMIT.hit("192.0.2.77").exceeded
            accepted.append(moment)

    assert max(sum(a <= b < a + period for b in accepted) for a in accepted) <= 7
    assert len(accepted) >= 2 * 7  # and it lets the number through again as time passes


def test_the_wait_a_refusal_names_is_exact(time_machine, settings):
    settings.PASSWORD_RESET_REQUESTS_PER_IP = 2
    time_machine.move_to(1_796_000_000, tick=False)
    LIMIT.hit("192.0.2.88")
    time_machine.shift(600)
    LIMIT.hit("192.0.2.88")
    refused = LIMIT.hit("192.0.2.88")
    assert refused.exceeded and refused.retry_after > 0

    time_machine.shift(refused.retry_after - 1)
    assert LIMIT.peek("192.0.2.88").time_left == 1
    time_machine.shift(1)
    assert LIMIT.peek("192.0.2.88").time_left == 0
    assert not LIMIT.hit("192.0.2.88").exceeded

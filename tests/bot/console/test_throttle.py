"""RequestRate (bot/console/throttle.py), the HSDS API's requests a minute per address, on a fake clock."""
from __future__ import annotations

from bot.console.throttle import RequestRate


def test_a_minutes_requests_then_refused_until_the_oldest_leaves_the_window():
    now = [1000.0]
    rate = RequestRate(limit=3, window_seconds=60, clock=lambda: now[0])
    assert [rate.take("198.51.100.1") for _ in range(4)] == [True, True, True, False]
    assert rate.take("198.51.100.2") is True  # another address counts on its own
    assert rate.retry_after("198.51.100.1") == 61
    now[0] += 30
    assert rate.take("198.51.100.1") is False and rate.retry_after("198.51.100.1") == 31
    now[0] += 30.5  # the first three have left the window; the refused ones never counted
    assert [rate.take("198.51.100.1") for _ in range(4)] == [True, True, True, False]

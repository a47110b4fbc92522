"""Spike detection (issue 35, bot/alerts/spikes.py): each threshold, neighbours, a baseline with no
history, the cooldown and a doubling, on counts laid out by hand; then a detection pass over the
database, with the coordinator told in words that hold no texter's number or words."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from bot.alerts.signals import SignalKind, record_signal
from bot.alerts.spikes import SpikeRule, baseline_of, detect, find_spikes, is_spike
from bot.db import session_scope
from bot.db.models import AuditLog, OutboxMessage, Spike
from bot.handoff.availability import set_coordinator

NOW = datetime(2026, 12, 7, 20, 30)
RULE = SpikeRule()  # the defaults: floor 0.5, at least 3, 3 times the usual, 12 h, 2 miles
PIONEER_SQUARE, BELLTOWN, BALLARD = "98104", "98121", "98107"  # Ballard is 5 miles from downtown


def rows(area: str, today: int, usual_per_day: float = 0, kind: str = "overdose", days: int = 28) -> list[tuple]:
    """`today` signals in the last 24 h, and about `usual_per_day` on each of the `days` before."""
    out = [(NOW.replace(minute=0) - timedelta(hours=n % 24), area, kind, 1) for n in range(today)]
    whole = int(usual_per_day * days)
    out += [(NOW.replace(minute=0) - timedelta(days=1 + n % days, hours=3), area, kind, 1) for n in range(whole)]
    return out


def test_the_baseline_is_the_mean_of_the_days_before_never_below_the_floor():
    assert baseline_of([2] * 28, 0.5) == 2
    assert baseline_of([0] * 28, 0.5) == 0.5
    assert baseline_of([], 0.5) == 0.5  # no history at all


def test_a_spike_needs_the_minimum_and_the_ratio():
    assert is_spike(3, 0.5, RULE) and is_spike(3, 1.0, RULE)
    assert not is_spike(2, 0.5, RULE)  # under the minimum, however unusual
    assert not is_spike(5, 2.0, RULE)  # 2.5 times the usual: not 3
    assert is_spike(6, 2.0, RULE)


def test_an_area_with_no_history_spikes_at_three():
    [found] = find_spikes(rows(PIONEER_SQUARE, 3), NOW, RULE)
    assert (found.area, found.count, found.baseline) == (PIONEER_SQUARE, 3, 0.5)
    assert find_spikes(rows(PIONEER_SQUARE, 2), NOW, RULE) == []


def test_a_busy_area_needs_three_times_its_usual():
    assert find_spikes(rows(PIONEER_SQUARE, 5, usual_per_day=2), NOW, RULE) == []
    [found] = find_spikes(rows(PIONEER_SQUARE, 6, usual_per_day=2), NOW, RULE)
    assert found.baseline == 2


def test_signals_older_than_the_window_and_the_baseline_do_not_count():
    old = [(NOW - timedelta(days=40), PIONEER_SQUARE, "overdose", 10)]
    assert find_spikes(old + rows(PIONEER_SQUARE, 2), NOW, RULE) == []


def test_neighbours_within_the_radius_count_together_and_one_is_named():
    together = rows(PIONEER_SQUARE, 2) + rows(BELLTOWN, 2, kind="bad_batch")  # 1.2 miles apart
    [found] = find_spikes(together, NOW, RULE)
    assert found.count == 4 and found.kinds == {"overdose": 2, "bad_batch": 2}
    apart = rows(PIONEER_SQUARE, 2) + rows(BALLARD, 2)
    assert find_spikes(apart, NOW, RULE) == []
    wider = SpikeRule(radius_miles=6)
    assert [f.count for f in find_spikes(apart, NOW, wider)] == [4]


def test_unplaced_signals_never_make_a_spike():
    assert find_spikes(rows("", 10), NOW, RULE) == []


def test_after_a_spike_the_area_is_quiet_unless_its_count_doubles():
    earlier = Spike(area=PIONEER_SQUARE, latitude=47.6, longitude=-122.33, detected_at=NOW - timedelta(hours=2), count=3,
                    baseline=0.5, kinds="overdose=3", status="open")
    recent = {PIONEER_SQUARE: earlier}
    assert find_spikes(rows(PIONEER_SQUARE, 5), NOW, RULE, recent) == []
    assert [f.count for f in find_spikes(rows(PIONEER_SQUARE, 6), NOW, RULE, recent)] == [6]
    earlier.detected_at = NOW - timedelta(hours=13)  # the cooldown is over
    assert [f.count for f in find_spikes(rows(PIONEER_SQUARE, 4), NOW, RULE, recent)] == [4]


def test_a_detection_pass_records_the_spike_and_tells_the_coordinator(migrated_db, spike_defaults):
    with session_scope() as session:
        set_coordinator(session, "+12065550142", "Kim")
        for n in range(6):
            record_signal(session, f"{n:064x}", SignalKind.OVERDOSE, PIONEER_SQUARE, NOW - timedelta(hours=n))
        for n in range(2):
            record_signal(session, f"{n + 10:064x}", SignalKind.BAD_BATCH, PIONEER_SQUARE, NOW - timedelta(hours=1))
    with session_scope() as session:
        [spike] = detect(session, NOW)
        assert (spike.count, spike.kinds) == (8, "bad_batch=2,overdose=6")
    with session_scope() as session:
        [told] = session.scalars(select(OutboxMessage).where(OutboxMessage.to_number == "+12065550142"))
        assert told.body.startswith("Possible spike near 98104: 6 overdose texts or calls, 2 bad-batch reports in 24 h")
        assert "usual: 0.5" in told.body and "Draft alert A-" in told.body and "Reply SEND A-" in told.body
        assert "Nothing goes to subscribers unless you do" in told.body
        assert "0000" not in told.body  # no key of any texter
        assert detect(session, NOW + timedelta(minutes=15)) == []  # the cooldown
        [found] = session.scalars(select(AuditLog).where(AuditLog.action == "spike_found"))
        assert found.actor == "worker" and "near 98104: 8 signals" in found.detail and "draft A-" in found.detail

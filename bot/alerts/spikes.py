"""Possible overdose spikes, found in the line's own signals (issue 35; bot/alerts/signals.py), for
a person to act on: nothing here sends anything to subscribers.

Every HUB_SPIKE_EVERY the worker (a shared clock job: one worker at a time) checks each area, a
ZIP, together with its neighbours within HUB_SPIKE_RADIUS_MILES (ZIP centroids). The last 24 h's
signals, all kinds alike, are compared with a baseline: the mean of the same 24 h window on each
of the previous 28 days, or HUB_SPIKE_FLOOR where that mean is lower (an area with no history is
at the floor). It is a spike when the count is at least HUB_SPIKE_MIN and at least HUB_SPIKE_RATIO
times the baseline. After a spike the area is quiet for HUB_SPIKE_COOLDOWN unless its count
doubles. Of neighbouring areas spiking on the same signals, the one with the most is named.

The coordinator is told by SMS, with no texter's number or words in it, and the alert it drafts
(bot/alerts/drafts.py), which goes only when they reply SEND A-n; `hub alerts spikes` lists every
spike and what was done with it.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import mean

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.alerts.drafts import draft_for, reference
from bot.alerts.signals import UNPLACED, SignalKind, hour_of
from bot.alerts.subscriptions import within
from bot.alerts.texts import subscribers
from bot.clock import utcnow
from bot.config import Settings, get_settings
from bot.console import audit
from bot.db.models import AreaAlert, SignalCount, Spike
from bot.directory.geo import lookup_zip, miles_between
from bot.handoff.roster import coordinator
from bot.notify.outbox import Purpose, enqueue

logger = logging.getLogger(__name__)
BASELINE_DAYS = 28


@dataclass(frozen=True)
class SpikeRule:
    floor: float = 0.5
    minimum: int = 3
    ratio: float = 3.0
    cooldown: timedelta = timedelta(hours=12)
    radius_miles: float = 2.0

    @classmethod
    def from_settings(cls, settings: Settings) -> SpikeRule:
        return cls(settings.spike_floor, settings.spike_min, settings.spike_ratio,
                   timedelta(seconds=settings.spike_cooldown_seconds), settings.spike_radius_miles)


def baseline_of(daily: list[int], floor: float) -> float:
    """The usual count: the mean of the previous days' same window, never below the floor."""
    return max(mean(daily) if daily else 0.0, floor)


def is_spike(count: int, baseline: float, rule: SpikeRule) -> bool:
    return count >= rule.minimum and count >= rule.ratio * baseline


@dataclass(frozen=True)
class Found:
    area: str
    latitude: float
    longitude: float
    count: int
    baseline: float
    kinds: dict[str, int]


def _windows(rows, now: datetime) -> dict[str, dict[int, dict[str, int]]]:
    """{area: {day: {kind: count}}}: day 0 is the last 24 h (the hour under way and the 23 before
    it), day d the same 24 h d days earlier."""
    end = hour_of(now)
    out: dict[str, dict[int, dict[str, int]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    for hour, area, kind, count in rows:
        day = int((end - hour).total_seconds() // 86400)
        if 0 <= day <= BASELINE_DAYS:
            out[area][day][kind] += count
    return out


def _neighbours(areas: list[str], radius: float) -> dict[str, list[str]]:
    places = {area: lookup_zip(area) for area in areas}
    located = {area: place for area, place in places.items() if place is not None}
    return {area: [other for other, there in located.items()
                   if miles_between(here.latitude, here.longitude, there.latitude, there.longitude) <= radius]
            for area, here in located.items()}


def find_spikes(rows, now: datetime, rule: SpikeRule, recent: dict[str, Spike] | None = None) -> list[Found]:
    """The spikes in `rows` (hour, area, kind, count) at `now` (module docstring). `recent`: each
    area's last spike, for the cooldown."""
    recent = recent or {}
    windows = _windows([row for row in rows if row[1] != UNPLACED], now)
    groups = _neighbours(sorted(windows), rule.radius_miles)
    candidates = []
    for area, members in groups.items():
        kinds: dict[str, int] = defaultdict(int)
        for member in members:
            for kind, count in windows[member].get(0, {}).items():
                kinds[kind] += count
        total = sum(kinds.values())
        if not total:
            continue
        daily = [sum(sum(windows[m].get(day, {}).values()) for m in members) for day in range(1, BASELINE_DAYS + 1)]
        baseline = baseline_of(daily, rule.floor)
        if not is_spike(total, baseline, rule):
            continue
        last = recent.get(area)
        if last is not None and now - last.detected_at < rule.cooldown and total < 2 * last.count:
            continue
        place = lookup_zip(area)
        candidates.append(Found(area, place.latitude, place.longitude, total, baseline, dict(kinds)))  # type: ignore[union-attr]  # grouped areas are located
    named: list[Found] = []
    for found in sorted(candidates, key=lambda f: (-f.count, f.area)):
        if any(miles_between(found.latitude, found.longitude, other.latitude, other.longitude) <= rule.radius_miles
               for other in named):
            continue  # the same signals, already named by a neighbour with more
        named.append(found)
    return named


def kinds_text(kinds: dict[str, int]) -> str:
    return ",".join(f"{kind}={count}" for kind, count in sorted(kinds.items()))


def kinds_of(text: str) -> dict[str, int]:
    """kinds_text read back: "bad_batch=2,overdose=6" as {"bad_batch": 2, "overdose": 6}."""
    return {kind: int(count) for kind, count in (part.split("=") for part in text.split(",") if part)}


def coordinator_text(found: Found, draft: AreaAlert, radius_miles: float) -> str:
    """The SMS to the coordinator: counts, the area and the draft, never a texter's number or words."""
    parts = []
    if found.kinds.get(SignalKind.OVERDOSE.value):
        parts.append(f"{found.kinds[SignalKind.OVERDOSE.value]} overdose texts or calls")
    if found.kinds.get(SignalKind.BAD_BATCH.value):
        parts.append(f"{found.kinds[SignalKind.BAD_BATCH.value]} bad-batch reports")
    usual = f"{found.baseline:.1f}".rstrip("0").rstrip(".")
    ref = reference(draft)
    return (f"Possible spike near {found.area}: {', '.join(parts)} in 24 h (usual: {usual}). Draft alert {ref}: "
            f"\"{draft.text_en}\" Reply SEND {ref} to send it to {subscribers(draft.recipients)} within "
            f"{radius_miles:g} mi, or edit it on the console. Nothing goes to subscribers unless you do.")


def detect(session: Session, now: datetime | None = None, settings: Settings | None = None) -> list[Spike]:
    """One detection pass: the spikes found are recorded and the coordinator told of each."""
    now = now or utcnow()
    settings = settings or get_settings()
    rule = SpikeRule.from_settings(settings)
    since = hour_of(now) - timedelta(days=BASELINE_DAYS + 1)
    rows = session.execute(select(SignalCount.hour, SignalCount.area, SignalCount.kind, SignalCount.count)
                           .where(SignalCount.hour >= since)).all()
    recent = {spike.area: spike for spike in session.scalars(
        select(Spike).where(Spike.detected_at >= now - rule.cooldown).order_by(Spike.detected_at))}
    recorded = []
    for found in find_spikes(rows, now, rule, recent):
        spike = Spike(area=found.area, latitude=found.latitude, longitude=found.longitude, detected_at=now,
                      count=found.count, baseline=found.baseline, kinds=kinds_text(found.kinds), status="open")
        session.add(spike)
        session.flush()
        recorded.append(spike)
        draft = draft_for(session, spike, now)
        audit.record(session, "worker", "spike_found", f"spike #{spike.id} near {found.area}: {found.count} signals in "
                     f"24 h ({kinds_text(found.kinds)}), usual {found.baseline:.1f}; draft {reference(draft)}", now)
        person = coordinator(session)
        if person is None:
            logger.warning("possible spike near %s, and no coordinator on call to be told", found.area)
        else:
            enqueue(session, to_number=person.phone, from_number=settings.hotline_number,
                    body=coordinator_text(found, draft, rule.radius_miles), purpose=Purpose.NOTICE.value)
    session.flush()
    return recorded


class SpikeError(ValueError):
    """A spike that cannot be changed as asked; the message says why."""


def dismiss(session: Session, spike_id: int, reason: str, now: datetime | None = None) -> Spike:
    reason = (reason or "").strip()
    if not reason:
        raise SpikeError("say why the spike is dismissed (--reason)")
    spike = session.get(Spike, spike_id)
    if spike is None:
        raise SpikeError(f"no spike #{spike_id}")
    if spike.status != "open":
        raise SpikeError(f"spike #{spike_id} is {spike.status} already")
    spike.status, spike.reason = "dismissed", reason[:500]
    return spike


def open_spikes(session: Session, since: datetime) -> list[dict]:
    """Spikes nobody has acted on, found since `since`, with their drafts, for the console."""
    out = []
    for spike in session.scalars(select(Spike).where(Spike.status == "open", Spike.detected_at >= since)
                                 .order_by(Spike.detected_at.desc())):
        draft = session.scalar(select(AreaAlert).where(AreaAlert.spike_id == spike.id, AreaAlert.status == "draft"))
        out.append({"id": spike.id, "area": spike.area, "detected_at": spike.detected_at.isoformat(timespec="minutes") + "Z",
                    "count": spike.count, "baseline": spike.baseline,
                    "kinds": kinds_of(spike.kinds),
                    "draft": draft and {"id": draft.id, "ref": reference(draft), "text_en": draft.text_en,
                                        "text_es": draft.text_es or "", "radius_miles": draft.radius_miles,
                                        "reach": len(within(session, draft.latitude, draft.longitude, draft.radius_miles))}})
    return out


def listed(session: Session, limit: int = 100) -> list[dict]:
    drafts = dict(session.execute(select(AreaAlert.spike_id, AreaAlert.id).where(AreaAlert.spike_id.is_not(None))).all())
    return [{"id": s.id, "area": s.area, "alert": f"A-{drafts[s.id]}" if s.id in drafts else None, "detected_at": s.detected_at.isoformat(timespec="seconds") + "Z",
             "count": s.count, "baseline": s.baseline, "kinds": kinds_of(s.kinds),
             "status": s.status, "reason": s.reason}
            for s in session.scalars(select(Spike).order_by(Spike.detected_at.desc(), Spike.id.desc()).limit(limit))]

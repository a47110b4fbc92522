"""Alerts a spike drafts (issue 35, part 3): nothing goes to subscribers without a person's say.

A spike (bot/alerts/spikes.py) drafts an area alert, the same record as the alerts sent today
with `status` draft, shown to the coordinator as A-n with its words and its reach: the
subscribers within HUB_SPIKE_RADIUS_MILES. The coordinator, from their own phone, replies
`SEND A-n`; it is a command only with its reference, and only from the coordinator. It is
audited with the sender. The six-hour guard against the same alert to the same area holds (the
reply says so), and `SEND A-n AGAIN` overrides it. Subscribers who opted out are left out, as
for every alert.
"""
from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy.orm import Session

from bot.alerts.sending import Draft, earlier_same, queue_copies
from bot.alerts.subscriptions import within
from bot.clock import utcnow
from bot.config import get_settings
from bot.console import audit
from bot.db.models import AreaAlert, Specialist, Spike
from bot.directory.geo import lookup_zip

SEND_COMMAND = re.compile(r"^\s*send\s+a-?(\d{1,9})(\s+again)?\s*[.!]*\s*$", re.I)
# Plain words for anyone using near the ZIP, in the alert's one SMS (bot/alerts/texts.py adds
# the hotline's name before them).
DRAFT_TEXT = {
    "en": "More overdoses than usual near {area} since yesterday. Don't use alone, start small, test first, "
          "keep naloxone close. Call 911 for an overdose.",
    # Without accents: one of á, í, ó or ú would send the whole alert in SMS's 70-character alphabet.
    "es": "Mas sobredosis de lo normal cerca de {area} desde ayer. No uses a solas, empieza con poco, prueba, "
          "ten naloxona. Sobredosis: llama al 911.",
}


def reference(alert: AreaAlert) -> str:
    return f"A-{alert.id}"


def draft_for(session: Session, spike: Spike, now: datetime | None = None) -> AreaAlert:
    """The draft alert for `spike`, around its ZIP, with its reach counted now."""
    radius = get_settings().spike_radius_miles
    reach = within(session, spike.latitude, spike.longitude, radius)
    alert = AreaAlert(area=spike.area, latitude=spike.latitude, longitude=spike.longitude, radius_miles=radius,
                      text_en=DRAFT_TEXT["en"].format(area=spike.area), text_es=DRAFT_TEXT["es"].format(area=spike.area),
                      recipients=len(reach), created_at=now or utcnow(), status="draft", spike_id=spike.id)
    session.add(alert)
    session.flush()
    return alert


def send_command(session: Session, specialist: Specialist | None, text: str) -> str | None:
    """The reply to SEND A-n from the roster (None: not that command, or not from the roster)."""
    match = SEND_COMMAND.match(text or "")
    if match is None or specialist is None:
        return None
    if not specialist.is_coordinator:
        return "Only the coordinator can send a drafted alert (SEND A-n)."
    return send_draft(session, int(match.group(1)), f"sms:{specialist.name}", again=bool(match.group(2)))


def send_draft(session: Session, alert_id: int, sender: str, again: bool = False, now: datetime | None = None) -> str:
    """Send the draft A-n to its area's subscribers now, unless the six-hour guard stops it."""
    alert = session.get(AreaAlert, alert_id)
    ref = f"A-{alert_id}"
    if alert is None:
        return f"There is no alert {ref}."
    if alert.status != "draft":
        return f"{ref} was sent already, to {alert.recipients} subscribers."
    place = lookup_zip(alert.area)
    if place is None:  # a draft's area is a ZIP the spike was found at; it cannot go
        return f"{ref} has an area the hotline cannot place ({alert.area}); send it with hub alerts send."
    checked = Draft(place, alert.radius_miles, alert.text_en, alert.text_es,
                    within(session, alert.latitude, alert.longitude, alert.radius_miles))
    earlier = earlier_same(session, checked)
    if earlier is not None and not again:
        return (f"The same alert went to {alert.area} at {earlier.created_at:%H:%M} UTC. Reply SEND {ref} AGAIN "
                f"to send it anyway.")
    now = now or utcnow()
    alert.status, alert.created_at, alert.recipients, alert.sent_by = "sent", now, len(checked.recipients), sender
    queue_copies(session, alert, checked, get_settings().hotline_number, now)
    spike = session.get(Spike, alert.spike_id) if alert.spike_id else None
    if spike is not None and spike.status == "open":
        spike.status = "sent"
    audit.record(session, sender, "area_alert", f"{ref} sent near {alert.area} within {alert.radius_miles:g} mi "
                                                f"to {len(checked.recipients)} subscribers" + (" (again)" if again else "")
                 + (f", for spike #{spike.id}" if spike else ""))
    return f"{ref} is going to {len(checked.recipients)} subscribers near {alert.area}."

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
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.alerts.sending import AlertError, Draft, check_text, earlier_same, queue_copies
from bot.alerts.subscriptions import within
from bot.alerts.texts import subscribers
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
    return send_draft(session, int(match.group(1)), f"sms:{specialist.name}", again=bool(match.group(2))).message


@dataclass(frozen=True)
class Sent:
    sent: bool
    message: str


def send_draft(session: Session, alert_id: int, sender: str, again: bool = False, text_en: str | None = None,
               text_es: str | None = None, now: datetime | None = None) -> Sent:
    """Send the draft A-n to its area's subscribers now, unless the six-hour guard stops it.
    `text_en`, `text_es`: the draft's words as a manager edited them on the console (checked to
    fit one SMS each; a blank Spanish text means none)."""
    alert = session.get(AreaAlert, alert_id)
    ref = f"A-{alert_id}"
    if alert is None:
        return Sent(False, f"There is no alert {ref}.")
    if alert.status != "draft":
        return Sent(False, f"{ref} was sent already, to {subscribers(alert.recipients)}.")
    place = lookup_zip(alert.area)
    if place is None:  # a draft's area is a ZIP the spike was found at; it cannot go
        return Sent(False, f"{ref} has an area the hotline cannot place ({alert.area}); send it with hub alerts send.")
    try:
        english = check_text(text_en, "en", "The English text") if text_en is not None else alert.text_en
        spanish = (check_text(text_es, "es", "The Spanish text") if text_es.strip() else None) if text_es is not None \
            else alert.text_es
    except AlertError as exc:
        return Sent(False, str(exc))
    checked = Draft(place, alert.radius_miles, english, spanish,
                    within(session, alert.latitude, alert.longitude, alert.radius_miles))
    earlier = earlier_same(session, checked)
    if earlier is not None and not again:
        return Sent(False, f"The same alert went to {alert.area} at {earlier.created_at:%H:%M} UTC. Reply SEND {ref} "
                           f"AGAIN to send it anyway.")
    alert.text_en, alert.text_es = english, spanish
    now = now or utcnow()
    alert.status, alert.created_at, alert.recipients, alert.sent_by = "sent", now, len(checked.recipients), sender
    queue_copies(session, alert, checked, get_settings().hotline_number, now)
    spike = session.get(Spike, alert.spike_id) if alert.spike_id else None
    if spike is not None and spike.status == "open":
        spike.status = "sent"
    audit.record(session, sender, "area_alert", f"{ref} sent near {alert.area} within {alert.radius_miles:g} mi "
                                                f"to {subscribers(len(checked.recipients))}" + (" (again)" if again else "")
                 + (f", for spike #{spike.id}" if spike else ""))
    return Sent(True, f"{ref} is going to {subscribers(len(checked.recipients))} near {alert.area}.")

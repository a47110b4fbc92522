"""Retention (DESIGN.md, principle 4): message bodies and phone numbers older than
HUB_RETENTION_DAYS are purged. The worker runs this every hour; `hub purge` runs it at once.

What goes, once older than the retention period:
- delivered (or blocked, or failed) outbox messages, body and number with them;
- the person's number, the officer's note on where to find them, the person's own words in the
  consent record, and the person's key (the HMAC of their number, which with HUB_SECRET_KEY
  would give the number back: it becomes `purged:<id>`, linking the handoff to nobody), on
  handoffs that are over (closed or expired); what the handoff was, who consented and when, and
  every handoff_log row stay, for the reports (a re-contact is linked by follow_up_of, not the key);
- numbers written in messages (contact_number; a texter's own number held there for their turn
  with the assistant goes when the turn ends, or here after HELD_AT_MOST), and the sender's key on the MessageSid
  de-duplication rows: the MessageSids themselves (no number, no words) stay, because Twilio's
  signature never expires and a captured webhook replayed after the purge must still be refused
  as a duplicate rather than run again on a conversation that is gone;
- the record of which calls an officer was verified in (officer_call);
- texters' reports of wrong listings (listing_report: their words and key) and the places last
  listed to each texter (listing_shown);
- alert subscriptions ended (ALERTS OFF, STOP) before then, and the words of reports of a bad
  batch (bot/alerts);
- Rasa's tracker store events (every message and slot of every conversation), when the tracker
  store is SQL, Rasa's or the hotline's (read from the same endpoints file the Rasa server reads).

Follow-up check-ins (bot/handoff/follow_up.py) add nothing to purge of their own: a check-in goes
through the outbox (purged as above), the check_in rows hold only when and the answer's digit, and
the person's answer about check-ins is a state beside the consent (yes, no, unanswered), never
their words. A handoff a check-in re-opened keeps the reply in its consent record, purged with it.

What stays: the opt-out list (a STOP must hold for ever; it holds only HMAC keys), the roster,
officers, referral tallies, and everything still open.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import String, cast, create_engine, delete, literal, text, update
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session

from bot.alerts.retention import purge_alerts
from bot.clock import utcnow
from bot.config import PROJECT_ROOT
from bot.db import SAFE_ENGINE_OPTIONS
from bot.db.models import (
    ContactNumber,
    Handoff,
    InboundMessage,
    ListingReport,
    ListingShown,
    OfficerCall,
    OutboxMessage,
)
from bot.endpoints import endpoint_section
from bot.handoff.states import OVER
from bot.phonebook import release_held_before

logger = logging.getLogger(__name__)

SETTLED = ("sent", "stored", "blocked", "failed")
# The hotline's tracker store, a subclass of Rasa's SQL one (`type: SQL`) that keeps the same table.
HOTLINE_TRACKER_STORE = "bot.channels.tracker_store.ThreadedSQLTrackerStore"
UNLINKED = ""  # the sender key of a MessageSid kept past the retention period
# A texter's number held for their turn (bot/phonebook.py) whose channel never released it.
HELD_AT_MOST = timedelta(hours=1)
PURGED_KEY = "purged:"  # a finished handoff's person_key past the retention period, before its id


@dataclass(frozen=True)
class Purged:
    outbox_messages: int
    handoffs: int
    contact_numbers: int
    inbound_messages: int
    tracker_events: int | None  # None: no SQL tracker store to purge

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def purge_hub(session: Session, cutoff: datetime) -> tuple[int, int, int, int]:
    """Purge the hotline's own tables of what is older than `cutoff` (naive UTC)."""
    outbox = session.execute(
        delete(OutboxMessage).where(OutboxMessage.status.in_(SETTLED), OutboxMessage.created_at < cutoff)
    ).rowcount
    handoffs = session.execute(
        update(Handoff)
        .where(Handoff.state.in_(OVER), Handoff.closed_at < cutoff,
               (Handoff.person_number.is_not(None)) | (Handoff.contact_note.is_not(None)) | (~Handoff.consent_text.startswith("Purged"))
               | (~Handoff.person_key.startswith(PURGED_KEY)))
        .values(person_number=None, contact_note=None, person_key=literal(PURGED_KEY, String) + cast(Handoff.id, String),
                consent_text="Purged after the retention period: consent was given by the " + Handoff.consent_by + ".")
        .execution_options(synchronize_session=False)
    ).rowcount
    contacts = session.execute(delete(ContactNumber).where(ContactNumber.seen_at < cutoff)).rowcount
    # When an officer called is no one else's business either (counted with nothing: no number).
    session.execute(delete(OfficerCall).where(OfficerCall.verified_at < cutoff))
    # Texters' reports of wrong listings hold their words and key; the lists shown hold their key.
    session.execute(delete(ListingReport).where(ListingReport.created_at < cutoff))
    session.execute(delete(ListingShown).where(ListingShown.shown_at < cutoff))
    purge_alerts(session, cutoff)
    inbound = session.execute(
        update(InboundMessage)
        .where(InboundMessage.received_at < cutoff, InboundMessage.sender_key != UNLINKED)
        .values(sender_key=UNLINKED)
        .execution_options(synchronize_session=False)
    ).rowcount
    return outbox, handoffs, contacts, inbound


def tracker_store_url(endpoints_path: Path) -> str | None:
    """The SQLAlchemy URL of the SQL tracker store, as Rasa builds it from the endpoints file
    (environment variables expanded as Rasa expands them); None for another kind of store."""
    config = endpoint_section(endpoints_path, "tracker_store")
    kind = str(config.get("type", ""))
    if kind.lower() != "sql" and kind != HOTLINE_TRACKER_STORE:
        return None
    dialect = config.get("dialect") or "sqlite"
    if "://" in str(config.get("url") or ""):  # a whole URL in `url`, which Rasa takes as it is
        return str(config["url"])
    if dialect.startswith("sqlite"):
        database = Path(config.get("db") or "rasa.db")
        return f"{dialect}:///{database if database.is_absolute() else PROJECT_ROOT / database}"
    return URL.create(
        dialect, username=config.get("username"), password=config.get("password"), host=config.get("url"),
        port=config.get("port"), database=config.get("db"), query=config.get("query") or {},
    ).render_as_string(hide_password=False)


def purge_tracker_store(url: str, cutoff: datetime) -> int:
    """Delete Rasa's events older than `cutoff`: every message, slot and action of them."""
    engine = create_engine(url, **SAFE_ENGINE_OPTIONS)
    try:
        with engine.begin() as connection:
            if not engine.dialect.has_table(connection, "events"):
                return 0  # Rasa creates the table when it first starts
            epoch = (cutoff - datetime(1970, 1, 1)).total_seconds()
            return connection.execute(text("DELETE FROM events WHERE timestamp < :epoch"), {"epoch": epoch}).rowcount
    finally:
        engine.dispose()


def purge(session: Session, retention_days: int, endpoints_path: Path | None, now: datetime | None = None) -> Purged:
    cutoff = (now or utcnow()) - timedelta(days=retention_days)
    outbox, handoffs, contacts, inbound = purge_hub(session, cutoff)
    release_held_before(session, (now or utcnow()) - HELD_AT_MOST)
    url = tracker_store_url(endpoints_path) if endpoints_path else None
    events = purge_tracker_store(url, cutoff) if url else None
    purged = Purged(outbox, handoffs, contacts, inbound, events)
    # Counts only: never what was purged, never a URL (it may carry a password).
    logger.info("retention purge (%s days, tracker store on %s): %s", retention_days,
                make_url(url).get_backend_name() if url else "none", purged.as_dict())
    return purged

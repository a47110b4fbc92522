"""The demo roster `make run` puts in place, so that the simulator's officer and specialist phones
work at once: a specialist, a coordinator and an officer with fictional 555-01xx numbers, the
simulator page's default phones.

Only where no Twilio account is configured, as HUB_SIMULATOR=auto decides
(`Settings.local_only`): on a real line a person's handoff would wait HUB_ESCALATE_AFTER on a
specialist who does not exist before reaching anyone real. Idempotent: a number already on the
roster, or taken off it (`hub roster remove`), is left as it is, and an existing coordinator is
never replaced.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import utcnow
from bot.config import Settings
from bot.db.models import Officer, Specialist
from bot.privacy import sender_key

# The ZIP codes of the demo directory (data/directory), so that whatever place a simulator search
# named, the demo specialist covers it.
DEMO_ZIPS = ("98102", "98104", "98105", "98106", "98107", "98118", "98121", "98122", "98134", "98402", "98405", "99201")


@dataclass(frozen=True)
class DemoPerson:
    role: str  # specialist | coordinator | officer
    name: str
    phone: str
    agency: str = ""


# The numbers are the simulator page's defaults (bot/channels/simulator_page/index.html).
DEMO_ROSTER = (
    DemoPerson("specialist", "Ana (demo)", "+12065550111"),
    DemoPerson("coordinator", "Coordinator (demo)", "+12065550119"),
    DemoPerson("officer", "Ofc. Lee (demo)", "+12065550181", agency="Seattle PD (demo)"),
)


def demo_roster_wanted(settings: Settings) -> bool:
    """Whether the demo roster belongs on this line: the simulator is served and no Twilio account
    is configured (HUB_SIMULATOR=on with a Twilio account serves the page, but that line is real)."""
    return settings.local_only and settings.simulator_enabled


def why_not_wanted(settings: Settings) -> str:
    if not settings.local_only:
        return "a Twilio account is configured, and a real line must never wait on a fictional specialist"
    return "HUB_SIMULATOR=off"


def put_demo_roster(session: Session, settings: Settings) -> list[DemoPerson]:
    """Add whoever of the demo roster is missing; returns who was added (nothing, when not wanted)."""
    if not demo_roster_wanted(settings):
        return []
    added = []
    for person in DEMO_ROSTER:
        if person.role == "officer":
            if session.scalar(select(Officer.id).where(Officer.phone == person.phone)) is None:
                session.add(Officer(name=person.name, phone=person.phone, agency=person.agency, active=1, created_at=utcnow(),
                                    phone_key=sender_key(person.phone, settings.require_secret_key(), settings.default_region)))
                added.append(person)
            continue
        if session.scalar(select(Specialist.id).where(Specialist.phone == person.phone)) is not None:
            continue
        if person.role == "coordinator":
            if session.scalar(select(Specialist.id).where(Specialist.is_coordinator == 1, Specialist.active == 1)) is not None:
                continue
            session.add(Specialist(name=person.name, phone=person.phone, languages="en,es", zips="", is_coordinator=1,
                                   active=1, created_at=utcnow()))
        else:
            session.add(Specialist(name=person.name, phone=person.phone, languages="en,es", zips=",".join(DEMO_ZIPS),
                                   is_coordinator=0, active=1, created_at=utcnow()))
        added.append(person)
    return added

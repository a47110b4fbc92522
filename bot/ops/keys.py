"""`hub keys rotate`: a new HUB_SECRET_KEY without breaking the line.

Everything the line matches people by is HMAC(HUB_SECRET_KEY, number). Where the line holds the
number (officers, handoffs, contact numbers, and the roster's and handoffs' opt-outs) the record
is re-keyed, all in one transaction. An opt-out whose number the line no longer holds cannot be
re-keyed: the retired key joins HUB_PREVIOUS_SECRET_KEYS, used only to match such opt-outs
(bot/notify/optout.py), never to write.
"""
from __future__ import annotations

import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

from dotenv import dotenv_values
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.db.models import AlertSubscription, ContactNumber, Handoff, Officer, OptOut, OutboxMessage, Specialist
from bot.handoff.states import OPEN
from bot.phonebook import HELD
from bot.privacy import key_id, sender_key

CHUNK = 500

# Every column that holds HMAC(HUB_SECRET_KEY, number), and what a rotation does with it. A new
# one (alert subscriptions, when they exist) must be re-keyed in `rekey` and named here; a test
# compares this with the schema.
KEYED_COLUMNS = {
    ("officer", "phone_key"): "re-keyed from the officer's phone",
    ("handoff", "person_key"): "re-keyed from the person's number while the handoff holds it",
    ("contact_number", "key"): "re-keyed from the number it stands in for; a number held for a turn is dropped",
    ("opt_out", "number_key"): "re-keyed where the line holds the number; otherwise matched through the key ring",
    ("listing_shown", "number_key"): "left: a new key lists afresh on the next search; purged after the retention period",
    ("listing_report", "reporter_key"): "left: only counts different numbers within a day; purged after the retention period",
    ("inbound_message", "sender_key"): "left: only the MessageSid is ever matched; purged after the retention period",
    ("alert_subscription", "number_key"): "re-keyed from the subscriber's number while subscribed; an ended "
                                          "subscription holds no number and is purged after the retention period",
}


class RotationError(RuntimeError):
    """The keys cannot be rotated as asked; nothing was changed."""


@dataclass(frozen=True)
class Rekeyed:
    officers: int
    handoffs: int
    contact_numbers: int
    opt_outs: int  # moved to the new key: their number is on the roster, a handoff, a contact or the outbox
    opt_outs_left: int  # still under a previous key: matched through the key ring
    open_handoffs_without_number: int  # keyed by a sender the line holds no number of: cannot be re-keyed
    alert_subscriptions: int = 0

    def lines(self) -> list[str]:
        lines = [
            f"officers re-keyed: {self.officers}",
            f"handoffs re-keyed: {self.handoffs}",
            f"contact numbers re-keyed: {self.contact_numbers}",
            f"alert subscriptions re-keyed: {self.alert_subscriptions}",
            f"opt-outs re-keyed: {self.opt_outs}",
            f"opt-outs left under previous keys (still matched, moved when the number is seen again): {self.opt_outs_left}",
        ]
        if self.open_handoffs_without_number:
            lines.append(f"open handoffs whose person's number the line does not hold (their texts will reach the "
                         f"assistant instead of the relay): {self.open_handoffs_without_number}")
        return lines


def new_secret_key() -> str:
    return secrets.token_hex(32)


def rekey(session: Session, old_secret: str, new_secret: str, previous_secrets: tuple[str, ...], region: str) -> Rekeyed:
    """Re-key every record whose number the line holds from `old_secret` (and the older keys of the
    ring) to `new_secret`, in the caller's transaction."""
    old_id = key_id(old_secret)
    # Written before key ids were recorded: by the key now retired.
    session.execute(update(OptOut).where(OptOut.key_id.is_(None)).values(key_id=old_id))

    def new_key(number: str) -> str:
        return sender_key(number, new_secret, region)

    officers = session.scalars(select(Officer)).all()
    for officer in officers:
        officer.phone_key = new_key(officer.phone)

    handoffs = 0
    for handoff in session.scalars(select(Handoff).where(Handoff.person_number.is_not(None))):
        if handoff.person_key == sender_key(handoff.person_number, old_secret, region):
            handoff.person_key = new_key(handoff.person_number)
            handoffs += 1
    # An officer's referral with a place and time has a `referral:` key, matched by nobody's texts.
    without_number = len(session.scalars(select(Handoff.id).where(
        Handoff.person_number.is_(None), Handoff.state.in_(OPEN), Handoff.person_key.not_like("referral:%"))).all())

    contacts = session.scalars(select(ContactNumber)).all()
    for contact in contacts:
        session.delete(contact)
    session.flush()
    # A number held for a turn (bot/phonebook.py) is only a leftover while the line is stopped.
    contacts = [contact for contact in contacts if not contact.key.startswith(HELD)]
    for contact in contacts:
        session.add(ContactNumber(key=new_key(contact.number), number=contact.number, seen_at=contact.seen_at))

    subscriptions = session.scalars(select(AlertSubscription).where(AlertSubscription.to_number.is_not(None))).all()
    for subscription in subscriptions:
        subscription.number_key = new_key(subscription.to_number)

    numbers = set(session.scalars(select(Specialist.phone))) | {officer.phone for officer in officers} \
        | set(session.scalars(select(Handoff.person_number).where(Handoff.person_number.is_not(None)))) \
        | {contact.number for contact in contacts} | set(session.scalars(select(OutboxMessage.to_number))) \
        | {subscription.to_number for subscription in subscriptions}
    moved = _move_opt_outs(session, numbers, (old_secret, *previous_secrets), new_secret, region)
    left = len(session.scalars(select(OptOut.number_key).where(OptOut.key_id != key_id(new_secret))).all())
    session.flush()
    return Rekeyed(len(officers), handoffs, len(contacts), moved, left, without_number, len(subscriptions))


def _move_opt_outs(session: Session, numbers: set[str], old_secrets: tuple[str, ...], new_secret: str, region: str) -> int:
    by_old_key = {sender_key(number, secret, region): number for number in numbers for secret in old_secrets}
    keys = list(by_old_key)
    found = [row for start in range(0, len(keys), CHUNK)  # within every database's limit on parameters
             for row in session.scalars(select(OptOut).where(OptOut.number_key.in_(keys[start:start + CHUNK])))]
    since: dict[str, object] = {}
    for row in found:
        number = by_old_key[row.number_key]
        since[number] = min(since.get(number, row.opted_out_at), row.opted_out_at)
        session.delete(row)
    session.flush()
    new_id = key_id(new_secret)
    for number, at in since.items():
        session.add(OptOut(number_key=sender_key(number, new_secret, region), opted_out_at=at, key_id=new_id))
    return len(since)


def check_env_file(path: Path, secret: str, previous: tuple[str, ...]) -> None:
    """The running settings must be the ones in `path`, or writing it would change nothing."""
    if not path.is_file():
        raise RotationError(f"{path} does not exist: the keys live elsewhere. Use --print to rotate and be shown "
                            "the two settings to put where they live.")
    values = dotenv_values(path)
    if (values.get("HUB_SECRET_KEY") or "") != secret:
        raise RotationError(f"HUB_SECRET_KEY is set in the environment, not taken from {path}: writing that file "
                            "would change nothing. Use --print, and put the two settings it shows where the key lives.")
    written = tuple(key.strip() for key in (values.get("HUB_PREVIOUS_SECRET_KEYS") or "").split(",") if key.strip())
    if written != previous:
        raise RotationError(f"HUB_PREVIOUS_SECRET_KEYS is set in the environment, not taken from {path}. Use --print.")


def write_env_file(path: Path, settings: dict[str, str]) -> None:
    """Set these variables in `path`, keeping every other line; the file is replaced at once (a
    crash leaves the old file or the new one, never half of it) and stays readable by its owner only."""
    lines, done = [], set()
    for line in path.read_text().splitlines():
        name = line.split("=", 1)[0].strip().removeprefix("export ").strip()
        if "=" in line and not line.lstrip().startswith("#") and name in settings:
            if name not in done:
                lines.append(f"{name}={settings[name]}")
                done.add(name)
            continue
        lines.append(line)
    lines += [f"{name}={value}" for name, value in settings.items() if name not in done]
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".env.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w") as file:
            file.write("\n".join(lines) + "\n")
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def ring_after(old_secret: str, previous: tuple[str, ...]) -> tuple[str, ...]:
    """The previous keys once `old_secret` is retired: it first, then the older ones."""
    return (old_secret, *(key for key in previous if key != old_secret))

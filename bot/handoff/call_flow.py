"""The decisions of a handoff made on a call: whom to ring, what the caller is told while the
phones ring, what happens when a ring ends, and the steps of the three-way introduction.

Each function is one transaction (blocking: the voice channel runs it off the event loop) and
returns a decision the channel turns into TwiML (bot/channels/twilio_voice.py,
voice_introduction.py); nothing here knows of Twilio. `can_call_out` says whether the line can
place a call to a third person (a Twilio account is configured): without it there is no
introduction, and an officer's referral is a plain warm transfer.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from bot.db import session_scope
from bot.db.models import Handoff
from bot.handoff import introduction, referrers, transfer
from bot.handoff.states import OFFERED, Source
from bot.voice import texts


class Announcement(str, Enum):
    """What the caller hears while the first specialist's phone rings (a key of bot/voice/texts.py)."""

    CONNECTING = "connecting"  # a person who asked for a specialist
    REFERRAL = "referral_connecting"  # an officer, who may brief the specialist
    REFERRAL_INTRODUCTION = "referral_connecting_intro"  # an officer, who will then introduce the person


class Promise(str, Enum):
    """What the caller is told when nobody took the call (a key of bot/voice/texts.py): who will
    call or text back, by the handoff's state after the SMS fallback."""

    CALLBACK_ALERTED = "callback_alerted"
    CALLBACK_ESCALATED = "callback_escalated"
    CALLBACK_SAVED = "callback_saved"
    REFERRAL_ALERTED = "referral_alerted"
    REFERRAL_ESCALATED = "referral_escalated"
    REFERRAL_SAVED = "referral_saved"


class AfterDial(Enum):
    """What the caller's <Dial> leads to once a ring ended."""

    INTRODUCE = "introduce"  # the specialist took it and the person joined: the officer joins the conference
    CONNECTED = "connected"  # the specialist took it and the conversation is over: goodbye
    RING_NEXT = "ring_next"  # the next specialist's phone rings
    FALL_BACK = "fall_back"  # nobody left to ring, the caller hung up, or a retried callback: the SMS alert


@dataclass(frozen=True)
class FirstRing:
    ring: transfer.Ring | None  # None: nobody on call, straight to the SMS fallback
    announcement: Announcement


@dataclass(frozen=True)
class FallBack:
    promise: Promise
    ask_to_call_back: bool  # a person whose number we could not read is asked to get in touch again


@dataclass(frozen=True)
class DialEnded:
    next: AfterDial
    ring: transfer.Ring | None = None  # with RING_NEXT
    room: str | None = None  # with INTRODUCE: the conference the officer joins


@dataclass(frozen=True)
class CallTaken:
    """A specialist took the call in the whisper; `introduce_to` is the number of a person an
    officer referred, to be called in now (None when there is nobody to introduce)."""

    ref: str
    introduce_to: str | None
    language: str
    referrer: referrers.Kind | None = None  # who will introduce them: an officer, a paramedic, a firefighter


def introduces(handoff: Handoff, can_call_out: bool) -> bool:
    """Whether taking this call leads to calling the person in for an introduction."""
    return can_call_out and introduction.possible(handoff)


def first_ring(ref: str, can_call_out: bool) -> FirstRing:
    """The first specialist to ring for a handoff just opened on a call, and what the caller hears meanwhile."""
    with session_scope() as session:
        handoff = transfer.find(session, ref)
        if handoff.source != Source.OFFICER:
            announcement = Announcement.CONNECTING
        elif introduces(handoff, can_call_out):
            announcement = Announcement.REFERRAL_INTRODUCTION
        else:
            announcement = Announcement.REFERRAL
        return FirstRing(transfer.next_ring(session, handoff), announcement)


def fall_back(ref: str) -> FallBack:
    """Nobody took the call: the engine's SMS alert goes out (or the coordinator's, or the request
    is saved), and the caller is promised who will get back to them; an officer, who will contact
    the person."""
    with session_scope() as session:
        handoff = transfer.find(session, ref)
        state = transfer.fall_back_to_sms(session, handoff)
        officer = handoff.source == Source.OFFICER
        outcome = state if state in OFFERED else "saved"
        promise = Promise(f"{'referral' if officer else 'callback'}_{outcome}")
        return FallBack(promise, ask_to_call_back=not officer and not handoff.person_number)


def whisper(ref: str, can_call_out: bool) -> str:
    """What the specialist hears before pressing 1 (TransferError for an unknown reference)."""
    with session_scope() as session:
        handoff = transfer.find(session, ref)
        return texts.whisper(handoff, introduction=introduces(handoff, can_call_out))


def take_call(ref: str, specialist_id: int, can_call_out: bool) -> CallTaken:
    """The specialist pressed 1: the handoff is theirs (TransferError or HandoffError when it is
    not theirs to take: never rung, taken already, over)."""
    with session_scope() as session:
        handoff = transfer.accept_call(session, ref, specialist_id)
        number = handoff.person_number if introduces(handoff, can_call_out) else None
        return CallTaken(handoff.ref, number, handoff.language or "en", referrers.kind_of(handoff))


def after_dial(ref: str, specialist_id: int, dial_status: str, call_status: str, duplicate: bool) -> DialEnded:
    """The caller's <Dial> to one specialist ended (Twilio's DialCallStatus and CallStatus);
    `duplicate`: Twilio retried this callback."""
    with session_scope() as session:
        handoff = transfer.find(session, ref)
        if transfer.connected(session, handoff, specialist_id):
            if introduction.outcome(session, handoff) == "intro_joined":
                return DialEnded(AfterDial.INTRODUCE, room=introduction.room(handoff))
            return DialEnded(AfterDial.CONNECTED)
        if duplicate:  # a retried callback never rings anyone twice: straight to the SMS alert
            return DialEnded(AfterDial.FALL_BACK)
        transfer.call_ended(session, ref, specialist_id, dial_status)
        if call_status in ("completed", "canceled"):  # the caller hung up
            return DialEnded(AfterDial.FALL_BACK)
        ring = transfer.next_ring(session, handoff)
        return DialEnded(AfterDial.RING_NEXT, ring=ring) if ring else DialEnded(AfterDial.FALL_BACK)


# --- the three-way introduction (bot/handoff/introduction.py decides and records) -----------------

def person_dialed(ref: str) -> None:
    with session_scope() as session:
        introduction.dialed(session, ref)


def person_missed(ref: str, event: str, detail: str | None = None) -> bool:
    with session_scope() as session:
        return introduction.missed(session, ref, event, detail=detail)


def person_joined(ref: str) -> tuple[bool, str]:
    """The person pressed 1: whether it is the first time (the specialist's leg is then moved into
    the conference), and the conference's name."""
    with session_scope() as session:
        first = introduction.joined(session, ref)
        return first, introduction.room(transfer.find(session, ref))


def person_call_ended(ref: str, call_status: str) -> None:
    with session_scope() as session:
        introduction.call_ended(session, ref, call_status)


def referrer(ref: str) -> referrers.Kind:
    """Who referred the person being called in: an officer, a paramedic, a firefighter."""
    with session_scope() as session:
        return introduction.referrer(session, ref)


def room(ref: str) -> str:
    with session_scope() as session:
        return introduction.room(transfer.find(session, ref))

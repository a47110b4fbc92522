"""The voice line's three-way introduction: an officer calls in a referral and stays on the line,
a specialist takes it in the whisper, the hotline calls the person, and the three talk in one
<Conference>. Part of the Twilio Voice channel (bot/channels/twilio_voice.py), which routes /introduce here.

    whisper, specialist presses 1  -> officer and specialist bridged by the officer's <Dial>;
                                      REST: call the person (url /introduce?step=ask, status /introduce?step=status)
    person answers                 -> "an officer (a paramedic...) asked us ... press 1 to join" (step=answer)
    person presses 1               -> REST: the specialist's leg redirected to /introduce?step=room;
                                      the person's <Dial><Conference>
    specialist's leg               -> <Dial><Conference endConferenceOnExit="true">: the call ends when they leave
    officer's <Dial> ends (/dial)  -> the officer's <Dial><Conference> (bot/channels/voice_transfer.py dial_ended)
    voicemail (AnsweredBy machine) -> hang up, nothing said
    no answer, busy, no 1, failure -> the specialist is told by SMS; the person has the hotline's text already

Twilio drives the calls; bot/handoff/introduction.py decides and records (through
bot/handoff/call_flow.py, one transaction a step).
"""
from __future__ import annotations

import logging
from collections.abc import Mapping

from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.twiml.voice_response import VoiceResponse

from bot.blocking import run_blocking
from bot.channels.call_control import CallControlError, call_control_for
from bot.channels.inbound import query_params
from bot.channels.voice_twiml import VoiceTwiml
from bot.config import Settings
from bot.handoff import call_flow, referrers, transfer
from bot.voice import texts

logger = logging.getLogger(__name__)

INTRO_GATHER_TIMEOUT = 8  # seconds, after the greeting, for the person to press 1


def can_call_out(settings: Settings) -> bool:
    """Whether the line can place a call to the person (a Twilio account is configured): without
    it an officer's referral by phone is a plain warm transfer."""
    return call_control_for(settings) is not None


def answered_by_machine(answered_by: str | None) -> bool:
    """Twilio's answering-machine detection (AnsweredBy): machine_start, machine_end_*, or fax;
    human and unknown are taken as a person, who can still decline."""
    value = (answered_by or "").lower()
    return value.startswith("machine") or value == "fax"


async def call_person(tw: VoiceTwiml, ref: str, leg: str, number: str, language: str) -> bool:
    """Right after the specialist took the referral in the whisper: ring the person. `leg` is
    the specialist's call, to be moved into the conference when the person presses 1."""
    control = call_control_for(tw.settings)
    if control is None:
        return False
    try:
        await run_blocking(
            control.place, number, tw.settings.hotline_number,
            tw.url("introduce", ref=ref, leg=leg, lang=language, step="ask"),
            tw.url("introduce", ref=ref, step="status"),
        )
    except CallControlError as exc:
        logger.error("twilio_voice introduction for %s: the person could not be called: %s", ref, exc)
        await tw.deadline.run(call_flow.person_missed, ref, "intro_failed", "call not placed")
        return False
    await tw.deadline.run(call_flow.person_dialed, ref)
    return True


async def introduce(request: Request, tw: VoiceTwiml, params: Mapping[str, str]) -> HTTPResponse:
    """The person's call (steps ask, answer, status) and the specialist's leg moved into the
    conference (step room)."""
    query = query_params(request)
    ref, step = query.get("ref") or "", query.get("step") or "ask"
    language = texts.spoken_language(query.get("lang"))
    twiml = VoiceResponse()
    if step == "status":
        await tw.deadline.run(call_flow.person_call_ended, ref, params.get("CallStatus") or "")
        return tw.xml(twiml)
    if step == "room":
        try:
            room = await tw.deadline.run(call_flow.room, ref)
        except transfer.TransferError:
            twiml.hangup()
            return tw.xml(twiml)
        tw.say(twiml, texts.say("en", "intro_officer_joining"), "en")
        tw.conference(twiml, room, ends_call=True)
        return tw.xml(twiml)
    if step == "ask" and answered_by_machine(params.get("AnsweredBy")):
        # Nothing said to a voicemail: the specialist is told by SMS and texts the person.
        await tw.deadline.run(call_flow.person_missed, ref, "intro_no_answer", "voicemail")
        twiml.hangup()
        return tw.xml(twiml)
    if step == "ask":
        gather = twiml.gather(
            input="dtmf", num_digits=1, timeout=INTRO_GATHER_TIMEOUT, method="POST", action_on_empty_result=True,
            action=tw.url("introduce", ref=ref, leg=query.get("leg"), lang=language, step="answer"),
        )
        try:
            kind = await tw.deadline.run(call_flow.referrer, ref)
        except transfer.TransferError:
            kind = referrers.DEFAULT
        greeting = texts.say(language, "intro_greeting", who=referrers.who(kind, language), the=referrers.the(kind, language))
        # Said twice: whoever picks up an unexpected call often misses how it began.
        tw.say(gather, greeting, language)
        gather.pause(length=2)
        tw.say(gather, greeting, language)
        return tw.xml(twiml)
    # step == "answer"
    digits = (params.get("Digits") or "").strip()
    if digits[:1] != "1":
        await tw.deadline.run(call_flow.person_missed, ref, "intro_declined", "no 1 pressed")
        tw.say(twiml, texts.say(language, "intro_later"), language)
        twiml.hangup()
        return tw.xml(twiml)
    try:
        first, room = await tw.deadline.run(call_flow.person_joined, ref)
        if first:  # the specialist's leg leaves the officer's <Dial> for the conference
            control = call_control_for(tw.settings)
            if control is None:
                raise CallControlError("no Twilio account configured")
            await run_blocking(control.redirect, query.get("leg") or "", tw.url("introduce", ref=ref, step="room"))
    except (transfer.TransferError, CallControlError) as exc:
        logger.warning("twilio_voice introduction for %s: the person could not join: %s", ref, exc)
        await tw.deadline.run(call_flow.person_missed, ref, "intro_failed", "specialist gone")
        tw.say(twiml, texts.say(language, "intro_gone"), language)
        twiml.hangup()
        return tw.xml(twiml)
    tw.say(twiml, texts.say(language, "intro_joining"), language)
    tw.conference(twiml, room, ends_call=False)
    return tw.xml(twiml)

"""The voice line's warm transfer: the caller waits on the line while on-call specialists are rung
one after another; the first who presses 1 in the whisper takes the call. Part of the Twilio Voice
channel (bot/channels/twilio_voice.py), which routes /whisper and /dial here.

    consent yes, or an officer's referral -> <Dial action=/dial><Number url=/whisper> specialist </Number></Dial>
    whisper                               -> the specialist presses 1 (accepted, bridged) or the leg hangs up;
                                             for an officer's referral the person is then called in
                                             (bot/channels/voice_introduction.py)
    /dial, not taken                      -> the next specialist, or the SMS alert and a callback promise, <Hangup>

bot/handoff/call_flow.py decides; this module reads Twilio's callbacks and says the words.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.twiml.voice_response import VoiceResponse

from bot.channels.inbound import first_delivery, query_params
from bot.channels.voice_introduction import call_person, can_call_out
from bot.channels.voice_twiml import CHANNEL, VoiceTwiml, keys_pressed
from bot.handoff import call_flow, referrers, transfer
from bot.handoff.call_flow import AfterDial
from bot.handoff.engine import HandoffError
from bot.privacy import sender_key
from bot.voice import texts

logger = logging.getLogger(__name__)

WHISPER_TIMEOUT = 10


async def ring_first(tw: VoiceTwiml, ref: str, language: str, spoken: list[str]) -> HTTPResponse:
    """Ring the first specialist: for a person who asked for one, or for an officer who called
    in a referral (who may then introduce the person). `spoken`: Rasa's words, said first."""
    first = await tw.deadline.run(call_flow.first_ring, ref, can_call_out(tw.settings))
    twiml = VoiceResponse()
    for text in spoken:
        tw.say(twiml, text, language)
    if first.ring is None:
        return await callback_promise(tw, ref, language, twiml)
    tw.say(twiml, texts.say(language, first.announcement.value, ref=texts.spell(ref)), language)
    tw.dial(twiml, first.ring, language)
    return tw.xml(twiml)


async def callback_promise(tw: VoiceTwiml, ref: str, language: str, twiml: VoiceResponse) -> HTTPResponse:
    """Nobody took the call: the SMS alert goes out through the engine, and the caller hears,
    in their language, who will call or text them back (an officer: who will contact the
    person), and 911."""
    fallen = await tw.deadline.run(call_flow.fall_back, ref)
    words = texts.say(language, fallen.promise.value, ref=texts.spell(ref))
    if fallen.ask_to_call_back:
        words += texts.say(language, "callback_no_number")
    tw.say(twiml, words, language)
    tw.say(twiml, texts.say(language, "if_not_breathing"), language)
    twiml.hangup()
    return tw.xml(twiml)


async def whisper(request: Request, tw: VoiceTwiml, params: Mapping[str, str]) -> HTTPResponse:
    """The specialist's leg: hear who is calling, press 1 to take it. Anything else, or
    nothing, hangs up this leg so that the caller's <Dial> moves on."""
    settings = tw.settings
    query = query_params(request)
    ref, step = query.get("ref") or "", query.get("step") or "ask"
    try:
        specialist_id = int(query.get("sp") or "")
    except ValueError:
        return response.text("bad specialist", status=400)
    key = sender_key(params.get("To") or params.get("From"), settings.require_secret_key(), settings.default_region)  # type: ignore[arg-type]  # Twilio signs every voice webhook with To and From
    if not await tw.deadline.run(first_delivery, f"{params.get('CallSid')}:whisper:{step}"[:64], CHANNEL, key):
        twiml = VoiceResponse()
        twiml.hangup()
        return tw.xml(twiml)
    twiml = VoiceResponse()
    if step == "ask":
        try:
            words = await tw.deadline.run(call_flow.whisper, ref, can_call_out(settings))
        except transfer.TransferError:
            twiml.hangup()
            return tw.xml(twiml)
        gather = twiml.gather(
            input="dtmf", num_digits=1, timeout=WHISPER_TIMEOUT, method="POST",
            action=tw.url("whisper", ref=ref, sp=specialist_id, step="answer"),
        )
        tw.say(gather, words, "en")
        tw.say(twiml, texts.to_specialist("whisper_no_answer"), "en")
        twiml.hangup()
        return tw.xml(twiml)
    digits = keys_pressed(params.get("Digits"))
    if digits[:1] != "1":
        twiml.hangup()
        return tw.xml(twiml)
    try:
        taken = await tw.deadline.run(call_flow.take_call, ref, specialist_id, can_call_out(settings))
    except (transfer.TransferError, HandoffError) as exc:
        logger.info("twilio_voice whisper for %s not accepted: %s", ref, exc)
        tw.say(twiml, texts.to_specialist("whisper_gone"), "en")
        twiml.hangup()
        return tw.xml(twiml)
    words = texts.to_specialist("whisper_taken", ref=texts.spell(taken.ref))
    if taken.introduce_to:
        if await call_person(tw, taken.ref, params.get("CallSid"), taken.introduce_to, taken.language):  # type: ignore[arg-type]  # Twilio signs every voice webhook with a CallSid
            words += texts.to_specialist("whisper_calling_person", the=referrers.the(taken.referrer, "en"))
        else:
            words += texts.to_specialist("whisper_person_not_called")
    # Nothing more: when this TwiML ends, Twilio bridges the specialist and the caller.
    tw.say(twiml, words, "en")
    return tw.xml(twiml)


async def dial_ended(request: Request, tw: VoiceTwiml, params: Mapping[str, str]) -> HTTPResponse:
    """The caller's <Dial> ended: after a conversation, goodbye; otherwise the next
    specialist, or the SMS alert and the callback promise."""
    settings = tw.settings
    query = query_params(request)
    ref, language = query.get("ref") or "", texts.spoken_language(query.get("lang"))
    try:
        specialist_id = int(query.get("sp") or "")
    except ValueError:
        return response.text("bad specialist", status=400)
    key = sender_key(params.get("From"), settings.require_secret_key(), settings.default_region)  # type: ignore[arg-type]  # Twilio signs every voice webhook with From
    twiml = VoiceResponse()
    duplicate = not await tw.deadline.run(first_delivery, f"{params.get('CallSid')}:dial:{specialist_id}"[:64], CHANNEL, key)
    dial_status, call_status = params.get("DialCallStatus") or "", params.get("CallStatus") or ""
    try:
        ended = await tw.deadline.run(call_flow.after_dial, ref, specialist_id, dial_status, call_status, duplicate)
    except transfer.TransferError as exc:
        logger.warning("twilio_voice dial callback refused: %s", exc)
        return response.text("unknown transfer", status=404)
    if ended.next is AfterDial.INTRODUCE:  # the specialist's leg left this <Dial> for the conference
        tw.say(twiml, texts.say(language, "intro_officer_joining"), language)
        tw.conference(twiml, ended.room, ends_call=False)  # type: ignore[arg-type]  # a dial_ended that joins a room has one
        return tw.xml(twiml)
    if ended.next is AfterDial.CONNECTED:
        tw.say(twiml, texts.say(language, "connected_done"), language)
        twiml.hangup()
        return tw.xml(twiml)
    if ended.next is AfterDial.RING_NEXT:
        tw.say(twiml, texts.say(language, "next_specialist"), language)
        tw.dial(twiml, ended.ring, language)  # type: ignore[arg-type]  # a dial_ended that rings on has a ring
        return tw.xml(twiml)
    return await callback_promise(tw, ref, language, twiml)

"""Twilio Voice as a Rasa input channel: POST /webhooks/twilio_voice/webhook, plus the whisper and
dial callbacks of a warm transfer (bot/channels/voice_transfer.py) and the person's call of an
introduction (bot/channels/voice_introduction.py). This module reads the caller's turns, runs them
through Rasa and says the answers; the handoff's decisions are bot/handoff/call_flow.py's, and
the TwiML is built by bot/channels/voice_twiml.py.

Every request is signed like SMS (X-Twilio-Signature over HUB_PUBLIC_URL + path + query), and
every TwiML answer is built with twilio's VoiceResponse. Call state travels in the query strings
of the URLs the channel gives Twilio (which Twilio signs): the caller's language (`lang`), the turn
(`t`, which with the CallSid makes each request's idempotency key), what the last prompt asked
(`step`), keypad choices (`opts`), and whether the carrier vouched for the caller's number in
the call's first webhook (`vouched`). Rasa only ever sees the HMAC of the caller's number.

    call comes in      -> greeting, <Gather input="speech dtmf"> (step=menu)
    silence            -> the keypad menu: 1 services, 2 a person, 3 español / English
    speech or digits   -> Rasa (metadata channel=voice, language) -> <Say>, <Gather> (step=talk)
    directory results  -> read out (bot/directory/speech.py), then the offer to text the list (step=list)
    consent yes        -> <Dial action=/dial><Number url=/whisper> on-call specialist </Number></Dial>
    officer referral   -> the same <Dial>, so that the officer can brief the specialist
    whisper            -> the specialist presses 1 (accepted, bridged) or the leg hangs up; for an
                          officer's referral the person is then called in (/introduce)
    /dial not accepted -> the next specialist, or the SMS alert and a callback promise, then <Hangup>
    overdose           -> 911 first, then the naloxone steps, slowly, and an offer to repeat, before
                          anything is looked up (bot/voice/emergency.py)
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.twiml.voice_response import VoiceResponse

from bot.blocking import run_blocking
from bot.channels import voice_caller, voice_introduction, voice_transfer
from bot.channels.admission import Deadline, in_background, priority_of, shared_admission, within
from bot.channels.inbound import (
    attach_person_number,
    clean_body,
    first_delivery,
    overdose_signal_after_reply,
    query_params,
    signature_is_valid,
    text_for_rasa,
    webhook_params,
)
from bot.channels.rasa_hooks import watching_actions
from bot.channels.voice_twiml import CHANNEL, VoiceTwiml, keys_pressed
from bot.config import ConfigError, get_settings
from bot.db import session_scope
from bot.handoff.consent import Consent
from bot.language import chosen_by_key, detect_language
from bot.metrics import turn_answered
from bot.safety import is_emergency_reply, mentions_overdose_in_progress
from bot.voice import texts
from bot.voice.call import voice_metadata
from bot.voice.caller_id import number_vouched_for
from bot.voice.emergency import StepsFirst, names_overdose, steps_first
from bot.voice.listing import text_list

logger = logging.getLogger(__name__)
# What Rasa hands an input channel to pass a message on (its own annotation is a bare Callable).
OnNewMessage = Callable[[UserMessage], Awaitable[Any]]

MAX_QUIET = 3  # menus said to silence before the call ends
MAX_WAITS = 5  # holding messages said while one turn runs late, before the caller gets the menu back
# A held turn whose caller hung up is never collected; past this (far more than MAX_WAITS holds
# take) its entry is dropped, so that a long night of hang-ups does not grow the server's memory.
HELD_TURN_KEPT_SECONDS = 600.0
class VoiceCollectingOutputChannel(CollectingOutputChannel):
    """Collects the bot's messages; named twilio_voice so that Rasa picks the voice variations of
    responses (domain.yml `channel: twilio_voice`)."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL


@dataclass
class Turn:
    """One caller turn as the channel read it."""

    call_sid: str
    key: str  # HMAC of the caller's number
    number: str | None  # E.164, only for the handoff's callback and the texted list; None unless vouched for
    speech: str
    digits: str
    query: dict[str, str]
    language: str
    turn: int
    arrived: float  # time.monotonic() when the webhook came in: the answer deadline counts from it


class TwilioVoiceInput(InputChannel):
    """Signed Twilio Voice webhooks in, TwiML out."""

    def __init__(self) -> None:
        # Turns that ran past the answer deadline, by (CallSid, turn), until the call collects
        # their answer (step=wait); and the tasks that outlive their webhook.
        self._waiting: dict[tuple[str, int], tuple[asyncio.Task, str, str, float]] = {}
        self._background: set[asyncio.Task] = set()

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        # Secrets and settings come from the environment (.env, bot/config.py), not credentials.yml.
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        hook = Blueprint("twilio_voice_webhook", __name__)

        @hook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @hook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            return await self._signed(request, lambda tw, params: self.conversation(request, tw, params, on_new_message))

        @hook.route("/whisper", methods=["POST"])
        async def whisper(request: Request) -> HTTPResponse:
            return await self._signed(request, lambda tw, params: voice_transfer.whisper(request, tw, params))

        @hook.route("/dial", methods=["POST"])
        async def dial(request: Request) -> HTTPResponse:
            return await self._signed(request, lambda tw, params: voice_transfer.dial_ended(request, tw, params))

        @hook.route("/introduce", methods=["POST"])
        async def introduce(request: Request) -> HTTPResponse:
            return await self._signed(request, lambda tw, params: voice_introduction.introduce(request, tw, params))

        return hook

    # --- plumbing ------------------------------------------------------------------------------

    async def _signed(self, request: Request, handler: Callable[[VoiceTwiml, Mapping[str, str]], Awaitable[HTTPResponse]]) -> HTTPResponse:
        settings = get_settings()
        deadline = Deadline(settings.answer_deadline_seconds)  # counted from the request's arrival
        try:
            settings.require_secret_key()
            params = webhook_params(request)
            valid = signature_is_valid(
                settings, request.path, request.query_string, params, request.headers.get("X-Twilio-Signature")
            )
        except ConfigError as exc:
            logger.error("twilio_voice webhook refused: %s", exc)
            return response.text("hotline is not configured", status=500)
        if not valid:
            logger.warning("twilio_voice webhook with a missing or wrong X-Twilio-Signature refused")
            return response.text("invalid signature", status=403)
        if not params.get("CallSid") or not params.get("From"):
            return response.text("CallSid and From are required", status=400)
        tw = VoiceTwiml(settings, deadline)
        try:
            return await handler(tw, params)
        except Exception:  # the database is down or slow, or a bug: the caller hears plain words, not a 5xx
            logger.exception("twilio_voice %s for call %s failed", request.path, params.get("CallSid"))
            query = query_params(request)
            language, speech = texts.spoken_language(query.get("lang")), clean_body(params.get("SpeechResult"))
            if names_overdose(speech):
                turn = int(query["t"]) if (query.get("t") or "").isdigit() else 0
                return tw.emergency(detect_language(speech, previous=language), turn + 1, [])
            return tw.trouble(language)

    # --- the caller's conversation ---------------------------------------------------------------

    async def conversation(self, request: Request, tw: VoiceTwiml, params: Mapping[str, str], on_new_message: OnNewMessage) -> HTTPResponse:
        query = query_params(request)
        step = query.get("step") or "start"
        try:
            turn_number = int(query.get("t") or 0)
        except ValueError:
            return response.text("bad turn", status=400)
        call_sid = params.get("CallSid")
        language = texts.spoken_language(query.get("lang"))
        speech, digits = clean_body(params.get("SpeechResult")), keys_pressed(params.get("Digits"))
        # Whether the caller's number may be texted or called back, from the call's first webhook
        # (StirVerstat), remembered in every later URL of the call (which Twilio signs).
        vouched = number_vouched_for(params.get("StirVerstat"), remembered=query.get("vouched") == "1")
        tw.keep(vouched="1" if vouched else None)
        first = steps_first(step, speech, digits)
        if first is not None:
            # 911 and the steps at once, before anything is looked up, and again for a
            # redelivery; a turn that names an overdose still reaches the conversation behind them.
            if first is StepsFirst.OVERDOSE:
                language = detect_language(speech, previous=language)
                in_background(self._behind_the_steps(tw, params, step, turn_number, speech, language, vouched,
                                                     on_new_message), self._background)
            turn_answered("voice", time.monotonic() - tw.deadline.started, holding=False)
            return tw.emergency(language, turn_number + 1, [])
        # CallSid + step + turn identify one request of one call: a retry of it is a duplicate.
        # A turn's answer may be waited for several times (step=wait, w=1, 2...).
        attempt = f"{step}{query.get('w') or ''}" if step == "wait" else step
        try:
            caller, new = await self._identify(tw, params, step, f"{call_sid}:{attempt}:{turn_number}", digits, vouched,
                                               tw.deadline.run)
        except Exception:
            if step != "start":
                raise
            # The greeting whatever the database is doing: what the caller says next is heard.
            logger.exception("twilio_voice call %s: the caller could not be looked up; greeted regardless", call_sid)
            return self._greeting(tw, language, turn_number, pin_refused=False)
        turn = Turn(call_sid=call_sid, key=caller.key, number=caller.number, speech=speech, digits=digits,  # type: ignore[arg-type]  # Twilio signs every voice webhook with a CallSid
                    query=query, language=language, turn=turn_number, arrived=tw.deadline.started)
        if not new:
            logger.info("twilio_voice duplicate delivery of %s turn %s ignored", call_sid, turn_number)
            return self._menu(tw, turn, language, prefix=texts.say(language, "menu_again"))

        if step == "wait":
            return await self._collect(tw, turn)
        if step == "start" and caller.wants_pin:
            pin_url = tw.url("webhook", step=voice_caller.PIN_STEP, lang=language, t=turn_number + 1)
            return tw.xml(voice_caller.pin_prompt(tw.settings, pin_url))
        if step in ("start", voice_caller.PIN_STEP):
            restart = in_background(self._new_conversation(tw, turn, on_new_message), self._background)
            await within(restart, tw.deadline.left())
            # Speech or a menu key at once; silence posts back (step=menu) and gets the keypad menu.
            return self._greeting(tw, language, turn_number, caller.pin_refused)
        if step == "menu":
            return await self._menu_choice(tw, turn, on_new_message)
        if step == "list":
            return await self._list_choice(tw, turn, on_new_message)
        # step == "talk" (or "emergency" with something new said)
        if turn.digits and query.get("opts"):
            return await self._keypad_choice(tw, turn, on_new_message)
        text = turn.speech or turn.digits
        if not text:
            return self._quiet(tw, turn)
        return await self._to_rasa(tw, turn, text, on_new_message)

    @staticmethod
    async def _identify(tw: VoiceTwiml, params: Mapping[str, str], step: str, request_id: str, digits: str, vouched: bool,
                        run: Any) -> tuple[voice_caller.Caller, bool]:
        """Who is calling, and whether this request (`request_id`) is new; `run`: how the
        blocking work is run (within the deadline, or, behind the steps, as long as it takes)."""
        # Withheld caller IDs and unverified officers' numbers: a conversation of this call alone.
        pin = digits if step == voice_caller.PIN_STEP else None
        caller = await run(voice_caller.identify, params.get("CallSid"), params.get("From"), params.get("StirVerstat"), tw.settings,
                           pin, vouched)
        return caller, await run(first_delivery, request_id[:64], CHANNEL, caller.key)

    @staticmethod
    def _greeting(tw: VoiceTwiml, language: str, turn_number: int, pin_refused: bool) -> HTTPResponse:
        twiml = VoiceResponse()
        gather = tw.gather("menu", language, turn_number + 1, one_digit=True)
        if pin_refused:
            tw.say(gather, voice_caller.PIN_REFUSED, "en")
        tw.say(gather, texts.say(language, "greeting"), language)
        twiml.append(gather)
        return tw.xml(twiml)

    async def _behind_the_steps(self, tw: VoiceTwiml, params: Mapping[str, str], step: str, turn_number: int, speech: str, language: str,
                                vouched: bool, on_new_message: OnNewMessage) -> None:
        """The turn whose answer began with the steps, into the conversation (once, however
        often Twilio sent it), as soon as the database lets it: nobody waits on it."""
        call_sid = params.get("CallSid")
        try:
            caller, new = await self._identify(tw, params, step, f"{call_sid}:{step}:{turn_number}", "", vouched, run_blocking)
        except Exception:
            logger.exception("twilio_voice call %s turn %s: the turn behind the steps could not be taken", call_sid, turn_number)
            return
        if new:
            turn = Turn(call_sid=call_sid, key=caller.key, number=caller.number, speech=speech, digits="", query={},  # type: ignore[arg-type]  # as above
                        language=language, turn=turn_number, arrived=tw.deadline.started)
            await self._rasa_turn(tw, turn, speech, voice_metadata(language), True, on_new_message)

    @staticmethod
    async def _new_conversation(tw: VoiceTwiml, turn: Turn, on_new_message: OnNewMessage) -> None:
        """A call starts a new conversation: the tracker is the caller's (keyed by their number,
        as their texts are), but a search or question left open in an earlier text thread must
        not answer for them ("press 1 to find services" asks what they need). The greeting waits
        for it no longer than the answer deadline; the caller's first turn comes after it
        whatever (one turn at a time)."""
        admission = shared_admission(tw.settings)
        try:
            async with admission.sender(turn.key), admission.turn(priority_of(False, turn.key)):
                await on_new_message(UserMessage("/restart", VoiceCollectingOutputChannel(), turn.key, input_channel=CHANNEL,
                                                 metadata=voice_metadata(turn.language),
                                                 message_id=f"{turn.call_sid}:restart"))
        except Exception:  # the greeting is said whatever broke behind the webhook
            logger.exception("twilio_voice call %s: the conversation could not be restarted", turn.call_sid)

    def _menu(self, tw: VoiceTwiml, turn: Turn, language: str, prefix: str | None = None, twiml: VoiceResponse | None = None,
              quiet: int = 0) -> HTTPResponse:
        """The keypad menu, said inside a one-digit Gather (after what `twiml` already holds)."""
        if twiml is None:
            twiml = VoiceResponse()
        gather = tw.gather("menu", language, turn.turn + 1, one_digit=True, quiet=quiet or None)
        if prefix:
            tw.say(gather, prefix, language)
        tw.say(gather, texts.say(language, "menu"), language)
        twiml.append(gather)
        return tw.xml(twiml)

    def _quiet(self, tw: VoiceTwiml, turn: Turn) -> HTTPResponse:
        quiet = int(turn.query.get("quiet") or 0) + 1
        if quiet >= MAX_QUIET:
            twiml = VoiceResponse()
            tw.say(twiml, texts.say(turn.language, "goodbye_quiet"), turn.language)
            twiml.hangup()
            return tw.xml(twiml)
        return self._menu(tw, turn, turn.language, prefix=texts.say(turn.language, "menu_again"), quiet=quiet)

    async def _menu_choice(self, tw: VoiceTwiml, turn: Turn, on_new_message: OnNewMessage) -> HTTPResponse:
        if turn.speech:
            return await self._to_rasa(tw, turn, turn.speech, on_new_message)
        choice = turn.digits[:1]
        if choice == "1":
            return await self._to_rasa(tw, turn, "/find_service", on_new_message, keypad="1")
        if choice == "2":
            return await self._to_rasa(tw, turn, "/request_human", on_new_message, keypad="2")
        other = chosen_by_key(choice, turn.language)
        if other:
            return self._menu(tw, turn, other, prefix=texts.say(other, "greeting"))
        if turn.digits:
            return self._menu(tw, turn, turn.language)
        return self._quiet(tw, turn)

    async def _keypad_choice(self, tw: VoiceTwiml, turn: Turn, on_new_message: OnNewMessage) -> HTTPResponse:
        """A key pressed where the last prompt offered choices (a response's buttons)."""
        payloads = turn.query["opts"].split("|")
        index = int(turn.digits[0]) - 1 if turn.digits[:1].isdigit() else -1
        if not 0 <= index < len(payloads):
            return await self._to_rasa(tw, turn, turn.digits, on_new_message)
        return await self._to_rasa(tw, turn, payloads[index], on_new_message, keypad=turn.digits[0])

    async def _list_choice(self, tw: VoiceTwiml, turn: Turn, on_new_message: OnNewMessage) -> HTTPResponse:
        """The answer to 'I can text you this list'."""
        language = turn.language
        answer = texts.list_answer(turn.speech) if turn.speech else None
        wants = turn.digits[:1] == "1" or answer is Consent.YES
        declines = turn.digits[:1] == "2" or answer is Consent.NO
        if turn.speech and not wants and not declines:
            return await self._to_rasa(tw, turn, turn.speech, on_new_message)
        if not wants and not declines and turn.digits:
            return await self._to_rasa(tw, turn, turn.digits, on_new_message)
        twiml = VoiceResponse()
        if wants:
            sent = bool(turn.number) and await tw.deadline.run(self._text_list, turn)
            tw.say(twiml, texts.say(language, "list_sent" if sent else "list_not_sent"), language)
        elif declines:
            tw.say(twiml, texts.say(language, "no_list"), language)
        gather = tw.gather("talk", language, turn.turn + 1)
        tw.say(gather, texts.say(language, "still_there"), language)
        twiml.append(gather)
        return tw.xml(twiml)

    @staticmethod
    def _text_list(turn: Turn) -> bool:
        query = turn.query
        try:
            offset = int(query.get("offset") or 0)
        except ValueError:
            offset = 0
        with session_scope() as session:
            return text_list(session, turn.number, query.get("type") or "", query.get("place") or "", offset=offset,  # type: ignore[arg-type]  # a list is offered only to a caller whose number is known
                             open_first=query.get("open") == "1", language=turn.language)

    async def _to_rasa(self, tw: VoiceTwiml, turn: Turn, text: str, on_new_message: OnNewMessage, keypad: str | None = None) -> HTTPResponse:
        language = turn.language if text.startswith("/") else detect_language(text, previous=turn.language)
        metadata: dict[str, Any] = voice_metadata(language)
        if keypad:
            metadata["keypad"] = keypad
        # (Speech naming an overdose never comes here: the steps went first, conversation().)
        work = in_background(self._rasa_turn(tw, turn, text, metadata, False, on_new_message), self._background)
        in_time = await within(work, tw.settings.answer_deadline_seconds - (time.monotonic() - turn.arrived))
        turn_answered("voice", time.monotonic() - turn.arrived, holding=not in_time)
        if in_time:
            return await self._answer(tw, turn, language, text, work.result())
        return self._hold(tw, turn, language, text, work, waits=0)

    async def _rasa_turn(self, tw: VoiceTwiml, turn: Turn, text: str, metadata: dict[str, Any],
                         emergency: bool, on_new_message: OnNewMessage) -> list[dict[str, Any]] | None:
        """One turn through the queue into Rasa: the bot's messages, or None when it failed (the
        caller then hears the trouble words). The caller's turns go one at a time, in order."""
        admission = shared_admission(tw.settings)
        collector = VoiceCollectingOutputChannel()
        async with admission.sender(turn.key):
            try:
                private_text = text if text.startswith("/") else await run_blocking(text_for_rasa, text, tw.settings)
                async with admission.turn(priority_of(emergency, turn.key)):
                    with watching_actions() as failed:
                        await on_new_message(UserMessage(private_text, collector, turn.key, input_channel=CHANNEL,
                                                         metadata=metadata, message_id=f"{turn.call_sid}:{turn.turn}"))
                messages: list[dict[str, Any]] | None = list(collector.messages)
                if failed.timed_out:  # it may have run: words that claim nothing, and the caller can say it again
                    logger.error("twilio_voice call %s turn %s: action(s) %s failed (timed out)", turn.call_sid, turn.turn,
                                 ", ".join(failed))
                    messages = [{"text": texts.say(metadata["language"], "action_timeout")}]
                elif failed:  # a turn half done would mislead the caller: the trouble words instead
                    logger.error("twilio_voice call %s turn %s: action(s) %s failed", turn.call_sid, turn.turn, ", ".join(failed))
                    messages = None
            except Exception:  # the caller must hear something whatever broke behind the webhook
                logger.exception("twilio_voice call %s turn %s could not be processed", turn.call_sid, turn.turn)
                messages = None
            if turn.number:
                try:  # a handoff opened during this turn learns where to call or text the person back
                    await run_blocking(attach_person_number, turn.key, turn.number)
                except Exception:
                    logger.exception("twilio_voice call %s: the number could not be attached to a new handoff", turn.call_sid)
        return messages

    def _hold(self, tw: VoiceTwiml, turn: Turn, language: str, text: str, work: asyncio.Task, waits: int) -> HTTPResponse:
        """No dead air while a turn runs past the deadline: a holding <Say>, then a <Redirect> back
        here (step=wait) that collects the answer when it is ready."""
        now = time.monotonic()
        for key in [key for key, (*_, held_at) in self._waiting.items() if now - held_at > HELD_TURN_KEPT_SECONDS]:
            logger.info("twilio_voice call %s turn %s: the caller never came back for the answer", *key)
            del self._waiting[key]
        key = (turn.call_sid, turn.turn)
        held_since = self._waiting[key][3] if key in self._waiting else now
        self._waiting[key] = (work, language, text, held_since)
        twiml = VoiceResponse()
        tw.say(twiml, texts.say(language, "still_holding" if waits else "holding"), language)
        twiml.redirect(tw.url("webhook", step="wait", lang=language, t=turn.turn, w=waits + 1), method="POST")
        return tw.xml(twiml)

    async def _collect(self, tw: VoiceTwiml, turn: Turn) -> HTTPResponse:
        """The call came back for a turn's answer (step=wait)."""
        try:
            waits = int(turn.query.get("w") or 1)
        except ValueError:
            waits = MAX_WAITS
        pending = self._waiting.get((turn.call_sid, turn.turn))
        if pending is None:  # not this server's turn, or long gone: the call goes on
            logger.warning("twilio_voice call %s turn %s: no answer waiting here", turn.call_sid, turn.turn)
            twiml = VoiceResponse()
            tw.say(twiml, texts.say(turn.language, "trouble_continue"), turn.language)
            return self._menu(tw, turn, turn.language, twiml=twiml)
        work, language, text, _ = pending
        if await within(work, tw.settings.answer_deadline_seconds - (time.monotonic() - turn.arrived)):
            del self._waiting[(turn.call_sid, turn.turn)]
            return await self._answer(tw, turn, language, text, work.result())
        if waits >= MAX_WAITS:  # give the caller the line back; the turn still reaches the conversation
            del self._waiting[(turn.call_sid, turn.turn)]
            logger.error("twilio_voice call %s turn %s: no answer after %s waits", turn.call_sid, turn.turn, waits)
            twiml = VoiceResponse()
            tw.say(twiml, texts.say(language, "trouble_continue"), language)
            return self._menu(tw, turn, language, twiml=twiml)
        return self._hold(tw, turn, language, text, work, waits=waits)

    async def _answer(self, tw: VoiceTwiml, turn: Turn, language: str, text: str,
                      messages: list[dict[str, Any]] | None) -> HTTPResponse:
        """TwiML for a turn's messages (None: the turn failed)."""
        spoken = [m for m in messages or [] if (m.get("text") or "").strip()]
        custom: dict[str, Any] = {}
        for message in messages or []:
            custom.update((message.get("custom") or {}).get("voice") or {})

        emergency = mentions_overdose_in_progress(text) or any(is_emergency_reply(m["text"]) for m in spoken)
        if emergency:
            in_background(overdose_signal_after_reply(turn.key, text), self._background)
            rest = [m["text"] for m in spoken if not is_emergency_reply(m["text"])]
            return tw.emergency(language, turn.turn + 1, rest)
        if messages is None:
            twiml = VoiceResponse()
            tw.say(twiml, texts.say(language, "trouble"), language)
            return self._menu(tw, turn, language, twiml=twiml)
        if custom.get("transfer"):
            return await voice_transfer.ring_first(tw, custom["transfer"], language, [m["text"] for m in spoken])
        return self._reply(tw, turn, language, spoken, custom.get("offer_sms_list"))

    def _reply(self, tw: VoiceTwiml, turn: Turn, language: str, spoken: list[dict[str, Any]], offer: dict[str, Any] | None) -> HTTPResponse:
        """Rasa's messages said in order; the last inside the Gather that listens for the answer."""
        twiml = VoiceResponse()
        if not spoken:
            return self._menu(tw, turn, language)
        *before, last = spoken
        for message in before:
            tw.say(twiml, message["text"], language)
            twiml.pause(length=1)
        buttons = last.get("buttons") or []
        if offer and not turn.number:  # withheld, or not vouched for by the carrier: text the line instead
            gather = tw.gather("talk", language, turn.turn + 1)
            tw.say(gather, last["text"], language)
            tw.say(gather, texts.say(language, "list_text_us"), language)
        elif offer:
            tw.say(twiml, last["text"], language)
            gather = tw.gather(
                "list", language, turn.turn + 1, one_digit=True, type=offer.get("service_type"), place=offer.get("location"),
                open="1" if offer.get("open_first") else None, offset=offer.get("offset") or None,
            )
            tw.say(gather, texts.say(language, "offer_list"), language)
        elif buttons:
            payloads = "|".join(str(button.get("payload", "")) for button in buttons[:9])
            gather = tw.gather("talk", language, turn.turn + 1, one_digit=True, opts=payloads)
            tw.say(gather, last["text"], language)
            choices = " ".join(texts.say(language, "press", title=button.get("title", ""), digit=i)
                               for i, button in enumerate(buttons[:9], start=1))
            tw.say(gather, choices, language)
        else:
            gather = tw.gather("talk", language, turn.turn + 1)
            tw.say(gather, last["text"], language)
        twiml.append(gather)
        return tw.xml(twiml)

"""Twilio Voice as a Rasa input channel: POST /webhooks/twilio_voice/webhook, plus the whisper and
dial callbacks of a warm transfer.

Every request is signed like SMS (X-Twilio-Signature over HUB_PUBLIC_URL + path + query), and
every TwiML answer is built with twilio's VoiceResponse. Call state travels in the query strings
of the URLs the channel gives Twilio (which Twilio signs): the caller's language (`lang`), the turn
(`t`, which with the CallSid makes each request's idempotency key), what the last prompt asked
(`step`), and keypad choices (`opts`). Rasa only ever sees the HMAC of the caller's number.

    call comes in      -> greeting, <Gather input="speech dtmf"> (step=menu)
    silence            -> the keypad menu: 1 services, 2 a person, 3 español / English
    speech or digits   -> Rasa (metadata channel=voice, language) -> <Say>, <Gather> (step=talk)
    directory results  -> read out (bot/directory/speech.py), then the offer to text the list (step=list)
    consent yes        -> <Dial action=/dial><Number url=/whisper> on-call specialist </Number></Dial>
    officer referral   -> the same <Dial>, so that the officer can brief the specialist
    whisper            -> the specialist presses 1 (accepted, bridged) or the leg hangs up; for an
                          officer's referral the person is then called in (/introduce,
                          bot/channels/voice_introduction.py)
    /dial not accepted -> the next specialist, or the SMS alert and a callback promise, then <Hangup>
    overdose           -> 911 first, then the naloxone steps, slowly, and an offer to repeat
"""
from __future__ import annotations

import asyncio
import logging
import re
import time
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, List, Optional, Set, Text, Tuple
from urllib.parse import urlencode

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.twiml.voice_response import Gather, Say, VoiceResponse

from bot.channels.admission import in_background, priority_of, shared_admission, within
from bot.channels.inbound import (
    attach_person_number,
    clean_body,
    first_delivery,
    query_params,
    run_blocking,
    signature_is_valid,
    text_for_rasa,
    webhook_params,
)
from bot.channels import voice_caller
from bot.channels.rasa_hooks import watching_actions
from bot.channels.voice_introduction import VoiceIntroduction
from bot.config import ConfigError, Settings, get_settings
from bot.db import session_scope
from bot.handoff import introduction, transfer
from bot.handoff.engine import HandoffError
from bot.language import detect_language
from bot.metrics import turn_answered
from bot.privacy import sender_key
from bot.safety import is_emergency_reply, mentions_overdose_in_progress
from bot.voice import texts
from bot.voice.listing import text_list

logger = logging.getLogger(__name__)

CHANNEL = "twilio_voice"
BASE_PATH = f"/webhooks/{CHANNEL}"
MAX_QUIET = 3  # menus said to silence before the call ends
GATHER_TIMEOUT = 6  # seconds of silence before a Gather gives up
SPEECH_TIMEOUT = "3"  # seconds of silence that end an utterance
WHISPER_TIMEOUT = 10
MAX_WAITS = 5  # holding messages said while one turn runs late, before the caller gets the menu back
HINTS = {
    "en": "narcan, naloxone, suboxone, methadone, fentanyl test strips, syringes, needles, wound care, shelter, talk to someone, ZIP code",
    "es": "naloxona, narcan, suboxone, metadona, tiras de fentanilo, jeringas, cuidado de heridas, albergue, hablar con alguien, código postal",
}
_DIGITS = re.compile(r"[^0-9*#]")


class VoiceCollectingOutputChannel(CollectingOutputChannel):
    """Collects the bot's messages; named twilio_voice so that Rasa picks the voice variations of
    responses (domain.yml `channel: twilio_voice`)."""

    @classmethod
    def name(cls) -> Text:
        return CHANNEL


@dataclass(frozen=True)
class Taken:
    """A specialist took the call in the whisper; `introduce_to` is the number of a person an
    officer referred, to be called in now (None when there is nobody to introduce)."""

    ref: str
    introduce_to: Optional[str]
    language: str


@dataclass
class Turn:
    """One caller turn as the channel read it."""

    call_sid: str
    key: str  # HMAC of the caller's number
    number: Optional[str]  # E.164, only for the handoff's callback and the texted list
    speech: str
    digits: str
    query: Dict[str, str]
    language: str
    turn: int
    arrived: float  # time.monotonic() when the webhook came in: the answer deadline counts from it


class TwilioVoiceInput(VoiceIntroduction, InputChannel):
    """Signed Twilio Voice webhooks in, TwiML out."""

    def __init__(self) -> None:
        # Turns that ran past the answer deadline, by (CallSid, turn), until the call collects
        # their answer (step=wait); and the tasks that outlive their webhook.
        self._waiting: Dict[Tuple[str, int], Tuple["asyncio.Task", str, str]] = {}
        self._background: Set["asyncio.Task"] = set()

    @classmethod
    def name(cls) -> Text:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        # Secrets and settings come from the environment (.env, bot/config.py), not credentials.yml.
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        hook = Blueprint("twilio_voice_webhook", __name__)

        @hook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @hook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            return await self._signed(request, lambda settings, params: self.conversation(request, settings, params, on_new_message))

        @hook.route("/whisper", methods=["POST"])
        async def whisper(request: Request) -> HTTPResponse:
            return await self._signed(request, lambda settings, params: self.whisper(request, settings, params))

        @hook.route("/dial", methods=["POST"])
        async def dial(request: Request) -> HTTPResponse:
            return await self._signed(request, lambda settings, params: self.dial_ended(request, settings, params))

        @hook.route("/introduce", methods=["POST"])
        async def introduce(request: Request) -> HTTPResponse:
            return await self._signed(request, lambda settings, params: self.introduce(request, settings, params))

        return hook

    # --- plumbing ------------------------------------------------------------------------------

    async def _signed(self, request: Request, handler) -> HTTPResponse:
        settings = get_settings()
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
        try:
            return await handler(settings, params)
        except Exception:  # the database is down, or a bug: the caller hears plain words, not a 5xx
            logger.exception("twilio_voice %s for call %s failed", request.path, params.get("CallSid"))
            language = texts.spoken_language(query_params(request).get("lang"))
            twiml = VoiceResponse()
            self._say(twiml, texts.say(language, "trouble"), settings, language)
            twiml.hangup()
            return self._xml(twiml)

    @staticmethod
    def _url(settings: Settings, route: str, **query: Any) -> str:
        """An absolute URL for Twilio to call back; Twilio signs exactly this URL."""
        values = {name: value for name, value in query.items() if value not in (None, "")}
        return f"{settings.public_url}{BASE_PATH}/{route}" + (f"?{urlencode(values)}" if values else "")

    @staticmethod
    def _xml(twiml: VoiceResponse) -> HTTPResponse:
        return response.text(str(twiml), content_type="text/xml; charset=utf-8")

    @staticmethod
    def _say(node, text: str, settings: Settings, language: str, slow: bool = False) -> None:
        voice = settings.voice_es if language == "es" else settings.voice_en
        if slow:
            say = Say(voice=voice, language=texts.LANGUAGE_TAGS[language])
            say.prosody(text, rate="slow")
            node.append(say)
        else:
            node.say(text, voice=voice, language=texts.LANGUAGE_TAGS[language])

    def _gather(self, settings: Settings, turn: Turn, step: str, language: str, one_digit: bool = False, **query: Any) -> Gather:
        """A Gather that listens for speech and keys at once and posts back here, even when the
        caller says nothing (so that silence gets the menu)."""
        options = dict(
            input="speech dtmf",
            action=self._url(settings, "webhook", step=step, lang=language, t=turn.turn + 1, **query),
            method="POST",
            language=texts.LANGUAGE_TAGS[language],
            timeout=GATHER_TIMEOUT,
            speech_timeout=SPEECH_TIMEOUT,
            hints=HINTS[language],
            action_on_empty_result=True,
        )
        if one_digit:
            options["num_digits"] = 1
        else:
            options["finish_on_key"] = "#"
        return Gather(**options)

    # --- the caller's conversation ---------------------------------------------------------------

    async def conversation(self, request: Request, settings: Settings, params, on_new_message) -> HTTPResponse:
        arrived = time.monotonic()
        query = query_params(request)
        step = query.get("step") or "start"
        try:
            turn_number = int(query.get("t") or 0)
        except ValueError:
            return response.text("bad turn", status=400)
        call_sid = params.get("CallSid")
        language = texts.spoken_language(query.get("lang"))
        # Withheld caller IDs and unverified officers' numbers: a conversation of this call alone.
        pin = _DIGITS.sub("", params.get("Digits") or "") if step == voice_caller.PIN_STEP else None
        caller = await run_blocking(voice_caller.identify, call_sid, params.get("From"), params.get("StirVerstat"), settings, pin)
        key = caller.key
        turn = Turn(
            call_sid=call_sid, key=key, number=caller.number,
            speech=clean_body(params.get("SpeechResult")), digits=_DIGITS.sub("", params.get("Digits") or ""),
            query=query, language=language, turn=turn_number, arrived=arrived,
        )
        # CallSid + step + turn identify one request of one call: a retry of it is a duplicate.
        # A turn's answer may be waited for several times (step=wait, w=1, 2...).
        attempt = f"{step}{query.get('w') or ''}" if step == "wait" else step
        if not await run_blocking(first_delivery, f"{call_sid}:{attempt}:{turn_number}"[:64], CHANNEL, key):
            logger.info("twilio_voice duplicate delivery of %s turn %s ignored", call_sid, turn_number)
            return self._menu(settings, turn, language, prefix=texts.say(language, "menu_again"))

        if step == "wait":
            return await self._collect(settings, turn)
        if step == "start" and caller.wants_pin:
            return self._xml(voice_caller.pin_prompt(settings, self._url(settings, "webhook", step=voice_caller.PIN_STEP, lang=language,
                                                                         t=turn_number + 1)))
        if step in ("start", voice_caller.PIN_STEP):
            restart = in_background(self._new_conversation(settings, turn, on_new_message), self._background)
            await within(restart, settings.answer_deadline_seconds - (time.monotonic() - arrived))
            # Speech or a menu key at once; silence posts back (step=menu) and gets the keypad menu.
            twiml = VoiceResponse()
            gather = self._gather(settings, turn, "menu", language, one_digit=True)
            if caller.pin_refused:
                self._say(gather, voice_caller.PIN_REFUSED, settings, "en")
            self._say(gather, texts.say(language, "greeting"), settings, language)
            twiml.append(gather)
            return self._xml(twiml)
        if step == "menu":
            return await self._menu_choice(settings, turn, on_new_message)
        if step == "list":
            return await self._list_choice(settings, turn, on_new_message)
        if step == "emergency" and (turn.digits == "1" or not turn.speech or texts.asks_repeat(turn.speech)):
            return self._emergency(settings, turn, language, [])
        # step == "talk" (or "emergency" with something new said)
        if turn.digits and query.get("opts"):
            return await self._keypad_choice(settings, turn, on_new_message)
        text = turn.speech or turn.digits
        if not text:
            return self._quiet(settings, turn)
        return await self._to_rasa(settings, turn, text, on_new_message)

    @staticmethod
    async def _new_conversation(settings: Settings, turn: Turn, on_new_message) -> None:
        """A call starts a new conversation: the tracker is the caller's (keyed by their number,
        as their texts are), but a search or question left open in an earlier text thread must
        not answer for them ("press 1 to find services" asks what they need). The greeting waits
        for it no longer than the answer deadline; the caller's first turn comes after it
        whatever (one turn at a time)."""
        admission = shared_admission(settings)
        try:
            async with admission.sender(turn.key), admission.turn(priority_of(False, turn.key)):
                await on_new_message(UserMessage("/restart", VoiceCollectingOutputChannel(), turn.key, input_channel=CHANNEL,
                                                 metadata={"channel": "voice", "language": turn.language},
                                                 message_id=f"{turn.call_sid}:restart"))
        except Exception:  # the greeting is said whatever broke behind the webhook
            logger.exception("twilio_voice call %s: the conversation could not be restarted", turn.call_sid)

    def _menu(self, settings: Settings, turn: Turn, language: str, prefix: str | None = None, twiml: VoiceResponse | None = None,
              quiet: int = 0) -> HTTPResponse:
        """The keypad menu, said inside a one-digit Gather (after what `twiml` already holds)."""
        if twiml is None:
            twiml = VoiceResponse()
        gather = self._gather(settings, turn, "menu", language, one_digit=True, quiet=quiet or None)
        if prefix:
            self._say(gather, prefix, settings, language)
        self._say(gather, texts.say(language, "menu"), settings, language)
        twiml.append(gather)
        return self._xml(twiml)

    def _quiet(self, settings: Settings, turn: Turn) -> HTTPResponse:
        quiet = int(turn.query.get("quiet") or 0) + 1
        if quiet >= MAX_QUIET:
            twiml = VoiceResponse()
            self._say(twiml, texts.say(turn.language, "goodbye_quiet"), settings, turn.language)
            twiml.hangup()
            return self._xml(twiml)
        return self._menu(settings, turn, turn.language, prefix=texts.say(turn.language, "menu_again"), quiet=quiet)

    async def _menu_choice(self, settings: Settings, turn: Turn, on_new_message) -> HTTPResponse:
        if turn.speech:
            return await self._to_rasa(settings, turn, turn.speech, on_new_message)
        choice = turn.digits[:1]
        if choice == "1":
            return await self._to_rasa(settings, turn, "/find_service", on_new_message, keypad="1")
        if choice == "2":
            return await self._to_rasa(settings, turn, "/request_human", on_new_message, keypad="2")
        if choice == "3":
            other = "en" if turn.language == "es" else "es"
            return self._menu(settings, turn, other, prefix=texts.say(other, "greeting"))
        if turn.digits:
            return self._menu(settings, turn, turn.language)
        return self._quiet(settings, turn)

    async def _keypad_choice(self, settings: Settings, turn: Turn, on_new_message) -> HTTPResponse:
        """A key pressed where the last prompt offered choices (a response's buttons)."""
        payloads = turn.query["opts"].split("|")
        index = int(turn.digits[0]) - 1 if turn.digits[:1].isdigit() else -1
        if not 0 <= index < len(payloads):
            return await self._to_rasa(settings, turn, turn.digits, on_new_message)
        return await self._to_rasa(settings, turn, payloads[index], on_new_message, keypad=turn.digits[0])

    async def _list_choice(self, settings: Settings, turn: Turn, on_new_message) -> HTTPResponse:
        """The answer to 'I can text you this list'."""
        language = turn.language
        wants = turn.digits[:1] == "1" or (turn.speech and texts.means_yes(turn.speech))
        declines = turn.digits[:1] == "2" or (turn.speech and texts.means_no(turn.speech))
        if turn.speech and not wants and not declines:
            return await self._to_rasa(settings, turn, turn.speech, on_new_message)
        if not wants and not declines and turn.digits:
            return await self._to_rasa(settings, turn, turn.digits, on_new_message)
        twiml = VoiceResponse()
        if wants:
            sent = bool(turn.number) and await run_blocking(self._text_list, turn)
            self._say(twiml, texts.say(language, "list_sent" if sent else "list_not_sent"), settings, language)
        elif declines:
            self._say(twiml, texts.say(language, "no_list"), settings, language)
        gather = self._gather(settings, turn, "talk", language)
        self._say(gather, texts.say(language, "still_there"), settings, language)
        twiml.append(gather)
        return self._xml(twiml)

    @staticmethod
    def _text_list(turn: Turn) -> bool:
        query = turn.query
        try:
            offset = int(query.get("offset") or 0)
        except ValueError:
            offset = 0
        with session_scope() as session:
            return text_list(session, turn.number, query.get("type") or "", query.get("place") or "", offset=offset,
                             open_first=query.get("open") == "1", language=turn.language)

    async def _to_rasa(self, settings: Settings, turn: Turn, text: str, on_new_message, keypad: str | None = None) -> HTTPResponse:
        language = turn.language if text.startswith("/") else detect_language(text, previous=turn.language)
        metadata: Dict[str, Any] = {"channel": "voice", "language": language}
        if keypad:
            metadata["keypad"] = keypad
        emergency = not text.startswith("/") and mentions_overdose_in_progress(text)
        work = in_background(self._rasa_turn(settings, turn, text, metadata, emergency, on_new_message), self._background)
        if emergency:
            # The emergency fast path: 911 and the steps at once; the turn still reaches the
            # conversation behind them.
            return self._emergency(settings, turn, language, [])
        in_time = await within(work, settings.answer_deadline_seconds - (time.monotonic() - turn.arrived))
        turn_answered("voice", time.monotonic() - turn.arrived, holding=not in_time)
        if in_time:
            return await self._answer(settings, turn, language, text, work.result())
        return self._hold(settings, turn, language, text, work, waits=0)

    async def _rasa_turn(self, settings: Settings, turn: Turn, text: str, metadata: Dict[str, Any],
                         emergency: bool, on_new_message) -> Optional[List[Dict[str, Any]]]:
        """One turn through the queue into Rasa: the bot's messages, or None when it failed (the
        caller then hears the trouble words). The caller's turns go one at a time, in order."""
        admission = shared_admission(settings)
        collector = VoiceCollectingOutputChannel()
        async with admission.sender(turn.key):
            try:
                private_text = text if text.startswith("/") else await run_blocking(text_for_rasa, text, settings)
                async with admission.turn(priority_of(emergency, turn.key)):
                    with watching_actions() as failed:
                        await on_new_message(UserMessage(private_text, collector, turn.key, input_channel=CHANNEL,
                                                         metadata=metadata, message_id=f"{turn.call_sid}:{turn.turn}"))
                messages: Optional[List[Dict[str, Any]]] = list(collector.messages)
                if failed:  # a turn half done would mislead the caller: the trouble words instead
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

    def _hold(self, settings: Settings, turn: Turn, language: str, text: str, work: "asyncio.Task", waits: int) -> HTTPResponse:
        """No dead air while a turn runs past the deadline: a holding <Say>, then a <Redirect> back
        here (step=wait) that collects the answer when it is ready."""
        self._waiting[(turn.call_sid, turn.turn)] = (work, language, text)
        twiml = VoiceResponse()
        self._say(twiml, texts.say(language, "still_holding" if waits else "holding"), settings, language)
        twiml.redirect(self._url(settings, "webhook", step="wait", lang=language, t=turn.turn, w=waits + 1), method="POST")
        return self._xml(twiml)

    async def _collect(self, settings: Settings, turn: Turn) -> HTTPResponse:
        """The call came back for a turn's answer (step=wait)."""
        try:
            waits = int(turn.query.get("w") or 1)
        except ValueError:
            waits = MAX_WAITS
        pending = self._waiting.get((turn.call_sid, turn.turn))
        if pending is None:  # not this server's turn, or long gone: the call goes on
            logger.warning("twilio_voice call %s turn %s: no answer waiting here", turn.call_sid, turn.turn)
            twiml = VoiceResponse()
            self._say(twiml, texts.say(turn.language, "trouble_continue"), settings, turn.language)
            return self._menu(settings, turn, turn.language, twiml=twiml)
        work, language, text = pending
        if await within(work, settings.answer_deadline_seconds - (time.monotonic() - turn.arrived)):
            del self._waiting[(turn.call_sid, turn.turn)]
            return await self._answer(settings, turn, language, text, work.result())
        if waits >= MAX_WAITS:  # give the caller the line back; the turn still reaches the conversation
            del self._waiting[(turn.call_sid, turn.turn)]
            logger.error("twilio_voice call %s turn %s: no answer after %s waits", turn.call_sid, turn.turn, waits)
            twiml = VoiceResponse()
            self._say(twiml, texts.say(language, "trouble_continue"), settings, language)
            return self._menu(settings, turn, language, twiml=twiml)
        return self._hold(settings, turn, language, text, work, waits=waits)

    async def _answer(self, settings: Settings, turn: Turn, language: str, text: str,
                      messages: Optional[List[Dict[str, Any]]]) -> HTTPResponse:
        """TwiML for a turn's messages (None: the turn failed)."""
        spoken = [m for m in messages or [] if (m.get("text") or "").strip()]
        custom = {}
        for message in messages or []:
            custom.update((message.get("custom") or {}).get("voice") or {})

        emergency = mentions_overdose_in_progress(text) or any(is_emergency_reply(m["text"]) for m in spoken)
        if emergency:
            rest = [m["text"] for m in spoken if not is_emergency_reply(m["text"])]
            return self._emergency(settings, turn, language, rest)
        if messages is None:
            twiml = VoiceResponse()
            self._say(twiml, texts.say(language, "trouble"), settings, language)
            return self._menu(settings, turn, language, twiml=twiml)
        if custom.get("transfer"):
            return await self._transfer(settings, turn, language, custom["transfer"], [m["text"] for m in spoken])
        return self._reply(settings, turn, language, spoken, custom.get("offer_sms_list"))

    def _reply(self, settings: Settings, turn: Turn, language: str, spoken: List[Dict[str, Any]], offer: Optional[Dict[str, Any]]) -> HTTPResponse:
        """Rasa's messages said in order; the last inside the Gather that listens for the answer."""
        twiml = VoiceResponse()
        if not spoken:
            return self._menu(settings, turn, language)
        *before, last = spoken
        for message in before:
            self._say(twiml, message["text"], settings, language)
            twiml.pause(length=1)
        buttons = last.get("buttons") or []
        if offer:
            self._say(twiml, last["text"], settings, language)
            gather = self._gather(
                settings, turn, "list", language, one_digit=True, type=offer.get("service_type"), place=offer.get("location"),
                open="1" if offer.get("open_first") else None, offset=offer.get("offset") or None,
            )
            self._say(gather, texts.say(language, "offer_list"), settings, language)
        elif buttons:
            payloads = "|".join(str(button.get("payload", "")) for button in buttons[:9])
            gather = self._gather(settings, turn, "talk", language, one_digit=True, opts=payloads)
            self._say(gather, last["text"], settings, language)
            choices = " ".join(texts.say(language, "press", title=button.get("title", ""), digit=i)
                               for i, button in enumerate(buttons[:9], start=1))
            self._say(gather, choices, settings, language)
        else:
            gather = self._gather(settings, turn, "talk", language)
            self._say(gather, last["text"], settings, language)
        twiml.append(gather)
        return self._xml(twiml)

    def _emergency(self, settings: Settings, turn: Turn, language: str, rest: List[str]) -> HTTPResponse:
        """911 first, then the naloxone steps one at a time, slowly, with pauses; then an offer
        to hear them again."""
        twiml = VoiceResponse()
        self._say(twiml, texts.say(language, "emergency_911"), settings, language, slow=True)
        for step in texts.EMERGENCY_STEPS[language]:
            twiml.pause(length=1)
            self._say(twiml, step, settings, language, slow=True)
        for text in rest:
            twiml.pause(length=1)
            self._say(twiml, text, settings, language)
        gather = self._gather(settings, turn, "emergency", language, one_digit=True)
        self._say(gather, texts.say(language, "emergency_repeat"), settings, language)
        twiml.append(gather)
        return self._xml(twiml)

    # --- warm transfer -------------------------------------------------------------------------

    async def _transfer(self, settings: Settings, turn: Turn, language: str, ref: str, spoken: List[str]) -> HTTPResponse:
        """Ring the first specialist: for a person who asked for one, or for an officer who called
        in a referral (who may then introduce the person, bot/channels/voice_introduction.py)."""
        ring, words = await run_blocking(self._first_ring, settings, ref)
        twiml = VoiceResponse()
        for text in spoken:
            self._say(twiml, text, settings, language)
        if ring is None:
            return await self._callback_promise(settings, ref, language, twiml)
        self._say(twiml, texts.say(language, words, ref=transfer.spell(ref)), settings, language)
        self._dial(twiml, settings, ring, language)
        return self._xml(twiml)

    def _first_ring(self, settings: Settings, ref: str) -> tuple[Optional[transfer.Ring], str]:
        """The first specialist to ring, and what the caller hears meanwhile."""
        with session_scope() as session:
            handoff = transfer.find(session, ref)
            if handoff.source != "officer":
                words = "connecting"
            else:
                words = "referral_connecting_intro" if self._introduces(settings, handoff) else "referral_connecting"
            return transfer.next_ring(session, handoff), words

    def _dial(self, twiml: VoiceResponse, settings: Settings, ring: transfer.Ring, language: str) -> None:
        """Ring one specialist from the hotline's number (theirs and the caller's stay private);
        the whisper asks them to press 1; however the leg ends, Twilio posts to /dial."""
        dial = twiml.dial(
            action=self._url(settings, "dial", ref=ring.handoff_ref, sp=ring.specialist_id, lang=language),
            method="POST", timeout=settings.voice_ring_seconds, caller_id=settings.hotline_number, answer_on_bridge=True,
        )
        dial.number(ring.phone, url=self._url(settings, "whisper", ref=ring.handoff_ref, sp=ring.specialist_id), method="POST")

    async def _callback_promise(self, settings: Settings, ref: str, language: str, twiml: VoiceResponse) -> HTTPResponse:
        """Nobody took the call: the SMS alert goes out through the engine, and the caller hears,
        in their language, who will call or text them back (an officer: who will contact the
        person), and 911."""
        state, has_number, officer = await run_blocking(self._fall_back, ref)
        # An officer is told who contacts the person; a person, who will call them back.
        prefix = "referral" if officer else "callback"
        key = f"{prefix}_{state}" if state in ("alerted", "escalated") else f"{prefix}_saved"
        words = texts.say(language, key, ref=transfer.spell(ref))
        if not has_number and not officer:
            words += texts.say(language, "callback_no_number")
        self._say(twiml, words, settings, language)
        self._say(twiml, texts.say(language, "if_not_breathing"), settings, language)
        twiml.hangup()
        return self._xml(twiml)

    @staticmethod
    def _fall_back(ref: str) -> tuple[str, bool, bool]:
        with session_scope() as session:
            handoff = transfer.find(session, ref)
            return transfer.fall_back_to_sms(session, handoff), bool(handoff.person_number), handoff.source == "officer"

    async def whisper(self, request: Request, settings: Settings, params) -> HTTPResponse:
        """The specialist's leg: hear who is calling, press 1 to take it. Anything else, or
        nothing, hangs up this leg so that the caller's <Dial> moves on."""
        query = query_params(request)
        ref, step = query.get("ref") or "", query.get("step") or "ask"
        try:
            specialist_id = int(query.get("sp") or "")
        except ValueError:
            return response.text("bad specialist", status=400)
        key = sender_key(params.get("To") or params.get("From"), settings.require_secret_key(), settings.default_region)
        if not await run_blocking(first_delivery, f"{params.get('CallSid')}:whisper:{step}"[:64], CHANNEL, key):
            twiml = VoiceResponse()
            twiml.hangup()
            return self._xml(twiml)
        twiml = VoiceResponse()
        if step == "ask":
            try:
                words = await run_blocking(self._whisper_words, settings, ref)
            except transfer.TransferError:
                twiml.hangup()
                return self._xml(twiml)
            gather = twiml.gather(
                input="dtmf", num_digits=1, timeout=WHISPER_TIMEOUT, method="POST",
                action=self._url(settings, "whisper", ref=ref, sp=specialist_id, step="answer"),
            )
            self._say(gather, words, settings, "en")
            self._say(twiml, "No answer. We'll ask someone else.", settings, "en")
            twiml.hangup()
            return self._xml(twiml)
        digits = _DIGITS.sub("", params.get("Digits") or "")
        if digits[:1] != "1":
            twiml.hangup()
            return self._xml(twiml)
        try:
            taken = await run_blocking(self._accept, settings, ref, specialist_id)
        except (transfer.TransferError, HandoffError) as exc:
            logger.info("twilio_voice whisper for %s not accepted: %s", ref, exc)
            self._say(twiml, "Sorry, this call was already taken or has ended. Thank you.", settings, "en")
            twiml.hangup()
            return self._xml(twiml)
        words = f"Connecting you now. The reference {transfer.spell(taken.ref)} is also in a text message."
        if taken.introduce_to:
            if await self._call_person(settings, taken.ref, params.get("CallSid"), taken.introduce_to, taken.language):
                words += " We are calling the person now. They will join you and the officer when they answer."
            else:
                words += " We could not call the person, so they have a text from us. You can text them from your phone."
        # Nothing more: when this TwiML ends, Twilio bridges the specialist and the caller.
        self._say(twiml, words, settings, "en")
        return self._xml(twiml)

    def _whisper_words(self, settings: Settings, ref: str) -> str:
        with session_scope() as session:
            handoff = transfer.find(session, ref)
            return transfer.whisper(handoff, introduction=self._introduces(settings, handoff))

    def _accept(self, settings: Settings, ref: str, specialist_id: int) -> "Taken":
        with session_scope() as session:
            handoff = transfer.accept_call(session, ref, specialist_id)
            number = handoff.person_number if self._introduces(settings, handoff) else None
            return Taken(handoff.ref, number, handoff.language or "en")

    async def dial_ended(self, request: Request, settings: Settings, params) -> HTTPResponse:
        """The caller's <Dial> ended: after a conversation, goodbye; otherwise the next
        specialist, or the SMS alert and the callback promise."""
        query = query_params(request)
        ref, language = query.get("ref") or "", texts.spoken_language(query.get("lang"))
        try:
            specialist_id = int(query.get("sp") or "")
        except ValueError:
            return response.text("bad specialist", status=400)
        key = sender_key(params.get("From"), settings.require_secret_key(), settings.default_region)
        twiml = VoiceResponse()
        duplicate = not await run_blocking(first_delivery, f"{params.get('CallSid')}:dial:{specialist_id}"[:64], CHANNEL, key)
        try:
            outcome, ring, room = await run_blocking(
                self._after_dial, ref, specialist_id, params.get("DialCallStatus") or "", params.get("CallStatus") or "", duplicate
            )
        except transfer.TransferError as exc:
            logger.warning("twilio_voice dial callback refused: %s", exc)
            return response.text("unknown transfer", status=404)
        if outcome == "introducing":  # the specialist's leg left this <Dial> for the conference
            self._say(twiml, texts.say(language, "intro_officer_joining"), settings, language)
            self._conference(twiml, room, ends_call=False)
            return self._xml(twiml)
        if outcome == "connected":
            self._say(twiml, texts.say(language, "connected_done"), settings, language)
            twiml.hangup()
            return self._xml(twiml)
        if ring is not None:
            self._say(twiml, texts.say(language, "next_specialist"), settings, language)
            self._dial(twiml, settings, ring, language)
            return self._xml(twiml)
        return await self._callback_promise(settings, ref, language, twiml)

    @staticmethod
    def _after_dial(ref: str, specialist_id: int, dial_status: str, call_status: str, duplicate: bool):
        with session_scope() as session:
            handoff = transfer.find(session, ref)
            if transfer.connected(session, handoff, specialist_id):
                if introduction.outcome(session, handoff) == "intro_joined":
                    return "introducing", None, introduction.room(handoff)
                return "connected", None, None
            if duplicate:
                return "retry", None, None  # a retried callback never rings anyone twice: straight to the SMS alert
            transfer.call_ended(session, ref, specialist_id, dial_status)
            if call_status in ("completed", "canceled"):
                return "caller_gone", None, None
            return "next", transfer.next_ring(session, handoff), None

"""TwiML for the voice line, built with twilio's VoiceResponse: the URLs Twilio is to call back
(Twilio signs exactly these), the voice each language is spoken in, and the shapes the line
uses (a Gather that listens for speech and keys, a specialist's ring, a conference, the 911
steps). One VoiceTwiml per request, for the settings and the answer deadline of that request."""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from sanic import response
from sanic.response import HTTPResponse
from twilio.twiml.voice_response import Gather, Say, VoiceResponse

from bot.channels.admission import Deadline
from bot.config import Settings
from bot.handoff.transfer import Ring
from bot.language import voice_of
from bot.voice import texts

CHANNEL = "twilio_voice"
BASE_PATH = f"/webhooks/{CHANNEL}"
GATHER_TIMEOUT = 6  # seconds of silence before a Gather gives up
SPEECH_TIMEOUT = "3"  # seconds of silence that end an utterance
HINTS = {
    "en": "narcan, naloxone, suboxone, methadone, fentanyl test strips, syringes, needles, wound care, shelter, talk to someone, ZIP code",
    "es": "naloxona, narcan, suboxone, metadona, tiras de fentanilo, jeringas, cuidado de heridas, albergue, hablar con alguien, código postal",
}
_NOT_A_KEY = re.compile(r"[^0-9*#]")


def keys_pressed(digits: str | None) -> str:
    """The keys in Twilio's `Digits` field, and nothing else."""
    return _NOT_A_KEY.sub("", digits or "")


class VoiceTwiml:
    def __init__(self, settings: Settings, deadline: Deadline | None = None):
        self.settings = settings
        self.deadline = deadline or Deadline(settings.answer_deadline_seconds)
        self._kept: dict[str, str] = {}

    def keep(self, **state: str | None) -> None:
        """Call state that every later URL of the conversation (route `webhook`) carries."""
        self._kept = {name: value for name, value in state.items() if value}

    def url(self, route: str, **query: Any) -> str:
        """An absolute URL for Twilio to call back; Twilio signs exactly this URL."""
        query = {**query, **self._kept} if route == "webhook" else query
        values = {name: value for name, value in query.items() if value not in (None, "")}
        return f"{self.settings.public_url}{BASE_PATH}/{route}" + (f"?{urlencode(values)}" if values else "")

    @staticmethod
    def xml(twiml: VoiceResponse) -> HTTPResponse:
        return response.text(str(twiml), content_type="text/xml; charset=utf-8")

    def say(self, node: Any, text: str, language: str, slow: bool = False) -> None:
        voice = voice_of(self.settings, language)
        if slow:
            say = Say(voice=voice, language=texts.LANGUAGE_TAGS[language])
            say.prosody(text, rate="slow")
            node.append(say)
        else:
            node.say(text, voice=voice, language=texts.LANGUAGE_TAGS[language])

    def gather(self, step: str, language: str, next_turn: int, one_digit: bool = False, **query: Any) -> Gather:
        """A Gather that listens for speech and keys at once and posts back to the conversation
        as turn `next_turn`, even when the caller says nothing (so that silence gets the menu)."""
        options = dict(
            input="speech dtmf",
            action=self.url("webhook", step=step, lang=language, t=next_turn, **query),
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

    def dial(self, twiml: VoiceResponse, ring: Ring, language: str) -> None:
        """Ring one specialist from the hotline's number (theirs and the caller's stay private);
        the whisper asks them to press 1; however the leg ends, Twilio posts to /dial."""
        dial = twiml.dial(
            action=self.url("dial", ref=ring.handoff_ref, sp=ring.specialist_id, lang=language),
            method="POST", timeout=self.settings.voice_ring_seconds, caller_id=self.settings.hotline_number,
            answer_on_bridge=True,
        )
        dial.number(ring.phone, url=self.url("whisper", ref=ring.handoff_ref, sp=ring.specialist_id), method="POST")

    @staticmethod
    def conference(twiml: VoiceResponse, room: str, ends_call: bool) -> None:
        # Three at most, nobody recorded, silence rather than hold music while the others join.
        dial = twiml.dial()
        dial.conference(room, start_conference_on_enter=True, end_conference_on_exit=ends_call, max_participants=3,
                        wait_url="", record="do-not-record")

    def emergency(self, language: str, next_turn: int, rest: list[str]) -> HTTPResponse:
        """911 first, then the naloxone steps one at a time, slowly, with pauses; then `rest`
        (what else the turn said), and an offer to hear the steps again (step=emergency)."""
        twiml = VoiceResponse()
        self.say(twiml, texts.say(language, "emergency_911"), language, slow=True)
        for step in texts.EMERGENCY_STEPS[language]:
            twiml.pause(length=1)
            self.say(twiml, step, language, slow=True)
        for text in rest:
            twiml.pause(length=1)
            self.say(twiml, text, language)
        gather = self.gather("emergency", language, next_turn, one_digit=True)
        self.say(gather, texts.say(language, "emergency_repeat"), language)
        twiml.append(gather)
        return self.xml(twiml)

    def trouble(self, language: str) -> HTTPResponse:
        """Plain words when a request could not be answered (they say 911), and the call ends."""
        twiml = VoiceResponse()
        self.say(twiml, texts.say(language, "trouble"), language)
        twiml.hangup()
        return self.xml(twiml)

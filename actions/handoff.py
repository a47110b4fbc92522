"""Talk to a person: open a warm handoff once the person has said yes."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.threads import in_thread
from bot.config import get_settings
from bot.db import session_scope
from bot.directory.places import resolve_place
from bot.handoff import follow_up, texts
from bot.handoff.consent import ASKED_AT_MOST, Consent, ReadAs, person_consent, read_consent
from bot.handoff.engine import create_handoff
from bot.handoff.states import ConsentBy, Source
from bot.phonebook import sender_number
from bot.voice.call import is_voice_call


def _metadata(tracker: Tracker) -> dict[str, Any]:
    return (tracker.latest_message or {}).get("metadata") or {}


def _last_bot_text(tracker: Tracker) -> str:
    for event in reversed(tracker.events):
        if event.get("event") == "bot" and event.get("text"):
            return event["text"]
    return ""


def _questions_asked(tracker: Tracker) -> int:
    """How often the consent question was asked since the person asked for someone (the answers
    in between were all read as yes by the assistant: that is how this action came to run)."""
    asked, answers = 0, 0
    for event in reversed(tracker.events):
        if event.get("event") == "bot" and (event.get("metadata") or {}).get("utter_action") == "utter_ask_handoff_consent":
            asked += 1
        elif event.get("event") == "user":
            answers += 1  # the first one back is the answer being read now
            if answers > 1 and (event.get("parse_data") or {}).get("intent", {}).get("name") != "affirm":
                break
    return asked


class ActionOpenHandoff(Action):
    def name(self) -> str:
        return "action_open_handoff"

    @in_thread
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        metadata = _metadata(tracker)
        voice = is_voice_call(metadata)
        # A key pressed for yes is a yes; words are read for it: "yes but not now" is not one.
        if not metadata.get("keypad"):
            consent = read_consent(tracker.latest_message.get("text") or "", ReadAs.DIRECT_ANSWER)
            if consent is Consent.UNCLEAR and _questions_asked(tracker) < ASKED_AT_MOST:
                return [FollowupAction("utter_ask_handoff_consent")]
            if consent is not Consent.YES:
                dispatcher.utter_message(response="utter_handoff_declined")
                return []
        consent = person_consent(_last_bot_text(tracker), tracker.latest_message.get("text") or "", metadata.get("keypad"))  # type: ignore[assignment]  # a Consent is a str (Word); the name is reused for its value
        code = tracker.get_slot("service_type")
        with session_scope() as session:
            place = resolve_place(session, tracker.get_slot("location")) if tracker.get_slot("location") else None
            handoff = create_handoff(
                session,
                source=Source.COMMUNITY,
                person_key=tracker.sender_id,
                consent_by=ConsentBy.PERSON,
                consent_text=consent,
                needs=[code] if code else [],
                area=place.zip_code if place else None,
                language=tracker.get_slot("language") or "en",
                # By text, the number the SMS channel holds for this turn: a specialist may ACCEPT
                # before the turn ends. By voice, the channel attaches the caller's after the turn.
                person_number=None if voice else sender_number(session, tracker.sender_id),
                # By voice the call itself rings specialists now (bot/handoff/transfer.py); the SMS
                # alert comes only if nobody picks up.
                alert=not voice,
            )
            if voice:
                # The check-in question goes by text once the call has given us their number.
                follow_up.ask_by_text(handoff)
                dispatcher.utter_message(json_message={"voice": {"transfer": handoff.ref}})
                return []
            reply = texts.person_opened(handoff, handoff.state, max(1, round(get_settings().escalate_after_seconds / 60)))
            question = follow_up.ask(handoff)  # a separate question, right after their yes
        dispatcher.utter_message(text=reply)
        if question:
            dispatcher.utter_message(text=question)
        return []

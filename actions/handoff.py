"""Talk to a person: open a warm handoff once the person has said yes."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.threads import in_thread
from bot.config import get_settings
from bot.db import session_scope
from bot.directory.places import resolve_place
from bot.handoff import follow_up, texts
from bot.handoff.engine import create_handoff


def _metadata(tracker: Tracker) -> Dict[Text, Any]:
    return (tracker.latest_message or {}).get("metadata") or {}


def _last_bot_text(tracker: Tracker) -> str:
    for event in reversed(tracker.events):
        if event.get("event") == "bot" and event.get("text"):
            return event["text"]
    return ""


class ActionOpenHandoff(Action):
    def name(self) -> Text:
        return "action_open_handoff"

    @in_thread
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        answer = tracker.latest_message.get("text") or ""
        metadata = _metadata(tracker)
        voice = metadata.get("channel") == "voice"
        if metadata.get("keypad"):
            answer = f"pressed {metadata['keypad']} ({answer})"
        # The consent record is what was asked and what the person answered, word for word.
        consent = f'Asked: "{_last_bot_text(tracker)}" Answered: "{answer}"'
        code = tracker.get_slot("service_type")
        with session_scope() as session:
            place = resolve_place(session, tracker.get_slot("location")) if tracker.get_slot("location") else None
            handoff = create_handoff(
                session,
                source="community",
                person_key=tracker.sender_id,
                consent_by="person",
                consent_text=consent,
                needs=[code] if code else [],
                area=place.zip_code if place else None,
                language=tracker.get_slot("language") or "en",
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

"""The emergency answer: the steps first, always; then, when bot/safety.py sees no overdose in
progress in the text, what it asked for (an education answer, a search, or the line for after an
overdose), so that a story the model took for an emergency is not left with the steps alone."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.directory import search_and_reply
from actions.threads import in_thread
from bot.db import session_scope
from bot.directory.places import find_place
from bot.directory.service_words import service_asked_for
from bot.safety import AFTER_OVERDOSE, ANSWER, SEARCH, after_emergency_steps, mentions_overdose_in_progress

# The ResponseSelector's confidence from which its education answer is given beside the steps. It
# scores every message, emergencies included, and its confidences are a softmax over the eight
# education answers: a text asking one of them scores 0.9 and more (the held-out questions, and
# the library story at 1.0), while a story asking none still has a best answer, usually under 0.5.
# A wrong answer after the steps costs a long text to read; a missed one leaves the fallback of
# the line for after an overdose. 0.7 keeps clear of both.
ANSWER_CONFIDENCE = 0.7


def education_answer(message: Dict[Text, Any]) -> str | None:
    """The utter action of the education answer the ResponseSelector picked for the message, when
    it is confident enough (the selector's key is the retrieval intent, or "default" when the
    pipeline names none, as ActionRetrieveResponse reads it)."""
    selectors = message.get("response_selector") or {}
    selected = (selectors.get("education") or selectors.get("default") or {}).get("response") or {}
    if (selected.get("confidence") or 0.0) < ANSWER_CONFIDENCE:
        return None
    return selected.get("utter_action") or None


def directory_request(tracker: Tracker, text: str) -> tuple[str, str] | None:
    """The service type and place a text asks for, when it names both ("... narcan near 98104")."""
    values = [e.get("value") for e in tracker.latest_message.get("entities") or [] if e.get("entity") == "service_type"]
    code = service_asked_for(values, text)
    if not code:
        return None
    with session_scope() as session:
        place = find_place(session, text).place
    return (code, place.label) if place else None


class ActionEmergency(Action):
    def name(self) -> Text:
        return "action_emergency"

    @in_thread
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(response="utter_emergency")
        text = tracker.latest_message.get("text") or ""
        if mentions_overdose_in_progress(text):
            return []  # nothing else to look up: the steps alone (after_emergency_steps says the same)
        answer = education_answer(tracker.latest_message)
        request = directory_request(tracker, text)
        events: List[Dict[Text, Any]] = []
        for part in after_emergency_steps(text, answer_found=answer is not None, search_asked=request is not None):
            if part == ANSWER:
                # By name, so that Rasa picks the variation for the conversation's language.
                dispatcher.utter_message(response=answer)
            elif part == SEARCH:
                code, label = request
                events += [SlotSet("service_type", code), SlotSet("location", label),
                           *search_and_reply(dispatcher, tracker, offset=0, code=code, label=label)]
            elif part == AFTER_OVERDOSE:
                dispatcher.utter_message(response="utter_after_overdose")
        return events

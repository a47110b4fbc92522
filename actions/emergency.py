"""The emergency answer: the steps first, always; then, when bot/safety.py sees no overdose in
progress, what the text asked for (after a past overdose: an education answer, a search, or the
line for after an overdose; with none named: the search it asks for), so that a story or a
request the model took for an emergency is not left with the steps alone."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.directory import search_and_reply
from actions.threads import in_thread
from bot.db import session_scope
from bot.directory.places import find_place
from bot.directory.service_words import service_asked_for
from bot.safety import (
    AFTER_OVERDOSE,
    ANSWER,
    SEARCH,
    after_emergency_steps,
    asks_how_to_recognise_overdose,
    asks_to_buy_drugs,
    mentions_overdose_in_progress,
)

# The ResponseSelector's confidence from which its education answer follows the steps. It scores
# every message, and its confidence is a softmax over the eight education answers, so every text
# has a best answer. Measured on both held-out sets with the CI model (tests/e2e/config_ci.yml):
# of the 130 education questions, 122 score 0.7 or more (the median 1.0, the 10th percentile
# 0.775); the held-out emergencies the keyword net misses, which the model reads as emergencies,
# score 0.46 to 0.65 (bot/safety.py gives those the steps alone anyway); the 445 texts that ask no
# education question have a median of 0.54. Below 0.7 the answer is too likely to be beside the
# point (the library story's best is wound care, at 0.38), and the line for after an overdose is
# said instead, which is never wrong after one.
ANSWER_CONFIDENCE = 0.7


def education_answer(message: dict[str, Any]) -> str | None:
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
    def name(self) -> str:
        return "action_emergency"

    @in_thread
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        text = tracker.latest_message.get("text") or ""
        if asks_to_buy_drugs(text) and not mentions_overdose_in_progress(text):
            # A request to buy drugs the model took for an emergency: never the 911 steps (issue 29).
            dispatcher.utter_message(response="utter_cannot_help")
            return []
        dispatcher.utter_message(response="utter_emergency")
        if asks_how_to_recognise_overdose(text):
            # The steps first (it may be typed while watching someone), then the signs.
            dispatcher.utter_message(response="utter_overdose_signs")
            return []
        if mentions_overdose_in_progress(text):
            return []  # the steps alone (after_emergency_steps says so): nothing to look up
        answer = education_answer(tracker.latest_message)
        request = directory_request(tracker, text)
        events: list[dict[str, Any]] = []
        for part in after_emergency_steps(text, answer_found=answer is not None, search_asked=request is not None):
            if part == ANSWER:
                # By name, so that Rasa picks the variation for the conversation's language.
                dispatcher.utter_message(response=answer)
            elif part == SEARCH:
                code, label = request  # type: ignore[misc]  # SEARCH is a part only when search_asked, i.e. request is not None
                events += [SlotSet("service_type", code), SlotSet("location", label),
                           *search_and_reply(dispatcher, tracker, offset=0, code=code, label=label)]
            elif part == AFTER_OVERDOSE:
                dispatcher.utter_message(response="utter_after_overdose")
        return events

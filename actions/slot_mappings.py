"""Custom slot mappings run after every message (Rasa's action_validate_slot_mappings): where
the texter is, whether they ask for what is open now, which language they write in, and whether
they are a registered officer."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker, ValidationAction
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.threads import in_thread
from bot.db import session_scope
from bot.directory.places import find_place, named_place
from bot.directory.service_words import service_asked_for
from bot.handoff.roster import officer_for_key
from bot.language import detect_language

# Turns in which a message is never read as a place: the texter is not answering "where?".
_NOT_ABOUT_PLACE = {"emergency", "greet", "goodbye", "thank", "out_of_scope", "nlu_fallback", "more", "officer_referral", "education", "place_info"}
# Asked where they are, a reply names the place whatever the model read it as ("ballard, by the
# locks" was out_of_scope, "by white center off 16th" goodbye): the gazetteer reads places, not
# the model. Not an emergency, nor an officer's referral.
_NOT_AN_ANSWER_TO_WHERE = {"emergency", "officer_referral"}
# Turns in which a message may name the service wanted.
_ABOUT_SERVICE = {"find_service", "inform"}


def _intent(tracker: Tracker) -> str | None:
    return (tracker.latest_message.get("intent") or {}).get("name")


class ValidateSlotMappings(ValidationAction):
    """Custom slot mappings, run after every message (Rasa's action_validate_slot_mappings)."""

    @in_thread
    def extract_location(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        text = tracker.latest_message.get("text") or ""
        intent = _intent(tracker)
        asked_where = (tracker.active_loop.get("name") == "service_search_form"
                       and tracker.get_slot("requested_slot") == "location")
        not_about_place = _NOT_AN_ANSWER_TO_WHERE if asked_where else _NOT_ABOUT_PLACE
        if intent in not_about_place or text.startswith("/") or tracker.active_loop.get("name") == "referral_form":
            return {}
        with session_scope() as session:
            match = find_place(session, text)
        if match.place:
            return {"location": match.place.label}
        if match.unknown_zip:
            dispatcher.utter_message(response="utter_unknown_zip", place=match.unknown_zip)
            return {"location": None}
        if intent == "inform" and tracker.get_slot("requested_slot") == "location":
            dispatcher.utter_message(response="utter_unknown_place", place=named_place(text))
        return {}

    def extract_service_type(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        """The model's service words mapped to a type, or a typo or plural of a known one that the
        exact lookup missed (bot/directory/service_words.py); nothing outside a request."""
        text = tracker.latest_message.get("text") or ""
        if _intent(tracker) not in _ABOUT_SERVICE or text.startswith("/"):
            return {}
        values = [entity.get("value") for entity in tracker.latest_message.get("entities") or []
                  if entity.get("entity") == "service_type"]
        code = service_asked_for(values, text)
        return {"service_type": code} if code else {}

    def extract_language(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        text = tracker.latest_message.get("text") or ""
        # The voice line decides the language (keypad choice, speech recognised in it) and says so.
        spoken = (tracker.latest_message.get("metadata") or {}).get("language")
        if spoken in ("en", "es"):
            return {"language": spoken}
        if text.startswith("/"):
            return {}
        return {"language": detect_language(text, previous=tracker.get_slot("language"))}

    @in_thread
    def extract_role(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        """'officer' for a registered officer's work phone (by HMAC key), else 'community'."""
        with session_scope() as session:
            officer = officer_for_key(session, tracker.sender_id)
        return {"role": "officer" if officer else "community"}

    def extract_open_now(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        if _intent(tracker) == "more":
            return {}  # the next page keeps the ranking of the first
        entities = tracker.latest_message.get("entities") or []
        return {"open_now": any(entity.get("entity") == "open_now" for entity in entities)}

"""Directory actions: understand places and 'open now' on every turn, validate the search form,
answer with the nearest services, page through them with MORE."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, FormValidationAction, Tracker, ValidationAction
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.config import get_settings
from bot.db import session_scope
from bot.directory import SERVICE_TYPES, find_services
from bot.directory.places import find_place, named_place, resolve_place
from bot.directory.sms import format_results

# Turns in which a message is never read as a place: the texter is not answering "where?".
_NOT_ABOUT_PLACE = {"emergency", "greet", "goodbye", "thank", "out_of_scope", "nlu_fallback", "more"}


def _intent(tracker: Tracker) -> str | None:
    return (tracker.latest_message.get("intent") or {}).get("name")


class ValidateSlotMappings(ValidationAction):
    """Custom slot mappings, run after every message (Rasa's action_validate_slot_mappings)."""

    def extract_location(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        text = tracker.latest_message.get("text") or ""
        intent = _intent(tracker)
        if intent in _NOT_ABOUT_PLACE or text.startswith("/"):
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

    def extract_open_now(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if _intent(tracker) == "more":
            return {}  # the next page keeps the ranking of the first
        entities = tracker.latest_message.get("entities") or []
        return {"open_now": any(entity.get("entity") == "open_now" for entity in entities)}


class ValidateServiceSearchForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_service_search_form"

    def validate_service_type(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        code = str(value).lower() if value else None
        if code in SERVICE_TYPES:
            return {"service_type": code}
        dispatcher.utter_message(response="utter_unknown_service_type")
        return {"service_type": None}


def search_and_reply(dispatcher: CollectingDispatcher, tracker: Tracker, offset: int) -> List[Dict[Text, Any]]:
    code = tracker.get_slot("service_type")
    label = tracker.get_slot("location")
    if code not in SERVICE_TYPES:
        dispatcher.utter_message(response="utter_ask_service_type")
        return []
    with session_scope() as session:
        place = resolve_place(session, label) if label else None
        if place is None:
            dispatcher.utter_message(response="utter_ask_location")
            return [SlotSet("location", None)]
        result = find_services(
            session, code, place, offset=offset,
            open_first=bool(tracker.get_slot("open_now")),
            radius_miles=get_settings().search_radius_miles,
        )
    dispatcher.utter_message(text=format_results(result, place.label))
    return [SlotSet("result_offset", float(offset + len(result.matches)))]


class ActionFindServices(Action):
    def name(self) -> Text:
        return "action_find_services"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        return search_and_reply(dispatcher, tracker, offset=0)


class ActionMoreServices(Action):
    def name(self) -> Text:
        return "action_more_services"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        if not (tracker.get_slot("service_type") and tracker.get_slot("location")):
            dispatcher.utter_message(response="utter_more_without_search")
            return []
        return search_and_reply(dispatcher, tracker, offset=int(tracker.get_slot("result_offset") or 0))

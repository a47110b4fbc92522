"""Directory actions: validate the service search form and answer with the nearest services."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.config import get_settings
from bot.db import session_scope
from bot.directory import SERVICE_TYPES, find_services, lookup_zip
from bot.directory.sms import format_results


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

    def validate_location(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        place = lookup_zip(str(value)) if value else None
        if place:
            return {"location": place.zip_code}
        dispatcher.utter_message(response="utter_unknown_place", place=str(value))
        return {"location": None}


class ActionFindServices(Action):
    def name(self) -> Text:
        return "action_find_services"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        code = tracker.get_slot("service_type")
        place = lookup_zip(tracker.get_slot("location") or "")
        if code not in SERVICE_TYPES or place is None:
            # The form guarantees both; reaching here means the slots were reset under us.
            dispatcher.utter_message(response="utter_ask_location" if code in SERVICE_TYPES else "utter_ask_service_type")
            return []
        with session_scope() as session:
            result = find_services(session, code, place, radius_miles=get_settings().search_radius_miles)
        dispatcher.utter_message(text=format_results(result, place.zip_code))
        return []

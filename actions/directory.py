"""Directory actions: understand places and 'open now' on every turn, validate the search form,
answer with the nearest services, page through them with MORE."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.threads import in_thread
from bot.db import session_scope
from bot.directory.named import NamedPlace, place_asked_about, place_details
from bot.directory.near import UnknownPlace, search_near
from bot.directory.places import find_place
from bot.directory.reports import remember_listing
from bot.directory.search import UnknownServiceType
from bot.directory.service_words import service_asked_for, service_for_phrase
from bot.directory.sms import format_place, format_results
from bot.directory.speech import SPOKEN_LIMIT, spoken_place_details, spoken_results
from bot.directory.taxonomy import SERVICE_TYPES
from bot.safety import mentions_past_overdose
from bot.voice.call import is_voice_call


def by_voice(tracker: Tracker) -> bool:
    """Whether the latest message came from the voice line (its channel sets this metadata)."""
    return is_voice_call((tracker.latest_message or {}).get("metadata"))

class ValidateServiceSearchForm(FormValidationAction):
    def name(self) -> str:
        return "validate_service_search_form"

    def validate_service_type(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        code = service_for_phrase(str(value)) if value else None
        if code in SERVICE_TYPES:
            return {"service_type": code}
        dispatcher.utter_message(response="utter_unknown_service_type")
        return {"service_type": None}


def search_and_reply(dispatcher: CollectingDispatcher, tracker: Tracker, offset: int,
                     code: str | None = None, label: str | None = None) -> list[dict[str, Any]]:
    """The nearest services of `code` around `label` (by default the slots')."""
    code = code or tracker.get_slot("service_type")
    label = label or tracker.get_slot("location")
    voice = by_voice(tracker)
    try:
        with session_scope() as session:
            nearby = search_near(
                session, code, label, offset=offset, open_first=bool(tracker.get_slot("open_now")),
                limit=SPOKEN_LIMIT if voice else None,
            )
    except UnknownServiceType:
        dispatcher.utter_message(response="utter_ask_service_type")
        return []
    except UnknownPlace:
        dispatcher.utter_message(response="utter_ask_location")
        return [SlotSet("location", None)]
    place, result = nearby.place, nearby.result
    language = tracker.get_slot("language") or "en"
    if not voice:  # so that "WRONG 2" names the place they saw as 2 (the sender id is the HMAC key)
        with session_scope() as session:
            remember_listing(session, tracker.sender_id, result.matches, offset, language)
    if voice:
        # Read out two places; the channel then offers the same page as a text message.
        offer = {"service_type": code, "location": place.label, "open_first": result.open_first, "offset": offset}
        dispatcher.utter_message(text=spoken_results(result, place.label, language),
                                 json_message={"voice": {"offer_sms_list": offer}} if result.matches else None)
    else:
        dispatcher.utter_message(text=format_results(result, place.label, language))
    if offset == 0 and mentions_past_overdose(tracker.latest_message.get("text") or ""):
        dispatcher.utter_message(response="utter_after_overdose")
    listed = [NamedPlace(m.service_id, m.location_id).key for m in result.matches]
    return [SlotSet("result_offset", float(offset + len(result.matches))),
            *([SlotSet("listed_places", listed)] if listed else [])]


class ActionFindServices(Action):
    def name(self) -> str:
        return "action_find_services"

    @in_thread
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        return search_and_reply(dispatcher, tracker, offset=0)


class ActionMoreServices(Action):
    def name(self) -> str:
        return "action_more_services"

    @in_thread
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        if not (tracker.get_slot("service_type") and tracker.get_slot("location")):
            dispatcher.utter_message(response="utter_more_without_search")
            return []
        return search_and_reply(dispatcher, tracker, offset=int(tracker.get_slot("result_offset") or 0))


class ActionPlaceInfo(Action):
    """A place asked for by name, or the last one named or listed: address, today's hours, phone."""

    def name(self) -> str:
        return "action_place_info"

    @in_thread
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        text = tracker.latest_message.get("text") or ""
        with session_scope() as session:
            place = place_asked_about(session, text, tracker.get_slot("listed_places"))
            match = place_details(session, place) if place else None
            where = find_place(session, text).place if match is None else None
        if match is None:
            # No place by that name: a request for a kind of place ("is there a drop-in center
            # open now downtown") is answered as the search it is.
            values = [e.get("value") for e in tracker.latest_message.get("entities") or [] if e.get("entity") == "service_type"]
            code = service_asked_for(values, text)
            label = where.label if where else tracker.get_slot("location")
            if code and label:
                return [SlotSet("service_type", code), SlotSet("location", label),
                        *search_and_reply(dispatcher, tracker, offset=0, code=code, label=label)]
            dispatcher.utter_message(response="utter_which_place")
            return []
        language = tracker.get_slot("language") or "en"
        if by_voice(tracker):
            dispatcher.utter_message(text=spoken_place_details(match, language))
        else:
            dispatcher.utter_message(text=format_place(match, language))
        listed = tracker.get_slot("listed_places") or []
        return [] if place.key in listed else [SlotSet("listed_places", [place.key])]  # type: ignore[union-attr]  # the place was named a turn ago: named_place finds it

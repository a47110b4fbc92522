"""Directory actions, driven as the action server drives them: a Tracker and a CollectingDispatcher."""
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.directory import ActionFindServices, ActionMoreServices, ValidateServiceSearchForm
from actions.slot_mappings import ValidateSlotMappings
from tests.actions import call


def tracker(text="narcan near 98104", intent="find_service", entities=(), **slots):
    return Tracker(
        sender_id="h" + "0" * 40,
        slots=slots,
        latest_message={"text": text, "intent": {"name": intent}, "entities": list(entities)},
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def run(action, t):
    dispatcher = CollectingDispatcher()
    events = call(action.run, dispatcher, t, {})
    return dispatcher.messages, events


def test_find_services_answers_with_the_nearest_naloxone_and_remembers_the_page(demo_db):
    messages, events = run(ActionFindServices(), tracker(service_type="naloxone", location="98104"))
    (message,) = messages
    assert message["text"].startswith("Naloxone (Narcan) near 98104:\n1) Downtown Naloxone Vending Machine")
    assert message["text"].endswith("Reply MORE for more.")
    assert events == [SlotSet("result_offset", 3.0)]


def test_a_neighbourhood_is_searched_around_its_centre(demo_db):
    messages, _ = run(ActionFindServices(), tracker(service_type="drug-checking", location="Capitol Hill"))
    assert messages[0]["text"].startswith("Drug checking near Capitol Hill:\n1) Broadway Drug Checking")


def test_open_now_ranks_open_places_first(demo_db):
    messages, _ = run(ActionFindServices(), tracker(service_type="naloxone", location="98104", open_now=True))
    assert "near 98104, open now first:" in messages[0]["text"]


def test_more_gives_the_next_three(demo_db):
    messages, events = run(ActionMoreServices(), tracker("more", "more", service_type="naloxone", location="98104", result_offset=3.0))
    assert messages[0]["text"].startswith("More naloxone (Narcan) near 98104:\n4) ")
    assert events == [SlotSet("result_offset", 6.0)]


def test_more_before_any_search(demo_db):
    messages, events = run(ActionMoreServices(), tracker("more", "more"))
    assert messages[0]["response"] == "utter_more_without_search" and events == []


def test_find_services_asks_for_what_is_missing(demo_db):
    messages, _ = run(ActionFindServices(), tracker(service_type="naloxone"))
    assert messages[0]["response"] == "utter_ask_location"


def extract(method, t):
    dispatcher = CollectingDispatcher()
    return call(getattr(ValidateSlotMappings(), method), dispatcher, t, {}), dispatcher.messages


def test_location_is_read_from_any_message_that_names_a_place(demo_db):
    assert extract("extract_location", tracker("syringes in capitol hill"))[0] == {"location": "Capitol Hill"}
    assert extract("extract_location", tracker("what about 98122", "inform"))[0] == {"location": "98122"}
    assert extract("extract_location", tracker("narcan please"))[0] == {}


def test_an_unknown_zip_is_said_plainly_and_clears_the_place(demo_db):
    slots, messages = extract("extract_location", tracker("narcan 00000", location="98104"))
    assert slots == {"location": None}
    assert messages[0]["response"] == "utter_unknown_zip" and messages[0]["place"] == "00000"


def test_an_unresolvable_answer_to_where_is_said_plainly(demo_db):
    t = tracker("blahville", "inform", requested_slot="location")
    slots, messages = extract("extract_location", t)
    assert slots == {} and messages[0]["response"] == "utter_unknown_place" and messages[0]["place"] == "blahville"


def test_an_emergency_is_never_read_as_a_place(demo_db):
    slots, messages = extract("extract_location", tracker("he's not breathing in ballard", "emergency", requested_slot="location"))
    assert slots == {} and messages == []


def test_open_now_follows_each_message_but_more_keeps_it(demo_db):
    asked = tracker("narcan open now", entities=[{"entity": "open_now", "value": "open now"}])
    assert extract("extract_open_now", asked)[0] == {"open_now": True}
    assert extract("extract_open_now", tracker("narcan"))[0] == {"open_now": False}
    assert extract("extract_open_now", tracker("more", "more", open_now=True))[0] == {}


def test_validate_service_type_accepts_only_taxonomy_codes():
    form = ValidateServiceSearchForm()
    dispatcher = CollectingDispatcher()
    assert form.validate_service_type("naloxone", dispatcher, tracker(), {}) == {"service_type": "naloxone"}
    assert form.validate_service_type("pizza", dispatcher, tracker(), {}) == {"service_type": None}
    assert dispatcher.messages[0]["response"] == "utter_unknown_service_type"

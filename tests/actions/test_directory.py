"""Directory actions, driven as the action server drives them: a Tracker and a CollectingDispatcher."""
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.directory import ActionFindServices, ValidateServiceSearchForm


def tracker(**slots):
    return Tracker(
        sender_id="h" + "0" * 40,
        slots=slots,
        latest_message={"text": "narcan near 98104", "intent": {"name": "find_service"}, "entities": []},
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="service_search_form",
    )


def test_find_services_answers_with_the_nearest_naloxone(demo_db):
    dispatcher = CollectingDispatcher()
    events = ActionFindServices().run(dispatcher, tracker(service_type="naloxone", location="98104"), {})
    assert events == []
    (message,) = dispatcher.messages
    assert message["text"].startswith("Naloxone (Narcan) near 98104:\n1) Downtown Naloxone Vending Machine")


def test_find_services_asks_for_what_is_missing(demo_db):
    dispatcher = CollectingDispatcher()
    ActionFindServices().run(dispatcher, tracker(service_type="naloxone", location=None), {})
    assert dispatcher.messages[0]["response"] == "utter_ask_location"


def test_validate_location_accepts_a_known_zip_and_refuses_an_unknown_one():
    form = ValidateServiceSearchForm()
    dispatcher = CollectingDispatcher()
    assert form.validate_location("98104-1234", dispatcher, tracker(), {}) == {"location": "98104"}
    assert dispatcher.messages == []
    assert form.validate_location("00000", dispatcher, tracker(), {}) == {"location": None}
    assert dispatcher.messages[0]["response"] == "utter_unknown_place"
    assert dispatcher.messages[0]["place"] == "00000"


def test_validate_service_type_accepts_only_taxonomy_codes():
    form = ValidateServiceSearchForm()
    dispatcher = CollectingDispatcher()
    assert form.validate_service_type("naloxone", dispatcher, tracker(), {}) == {"service_type": "naloxone"}
    assert form.validate_service_type("pizza", dispatcher, tracker(), {}) == {"service_type": None}
    assert dispatcher.messages[0]["response"] == "utter_unknown_service_type"

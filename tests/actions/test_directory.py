"""Directory actions, driven as the action server drives them: a Tracker and a CollectingDispatcher."""
import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.directory import ActionFindServices, ActionMoreServices, ActionPlaceInfo, ValidateServiceSearchForm
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
    assert events[0] == SlotSet("result_offset", 3.0)
    assert events[1]["name"] == "listed_places" and len(events[1]["value"]) == 3  # for "when does it close"


def test_a_neighbourhood_is_searched_around_its_centre(demo_db):
    messages, _ = run(ActionFindServices(), tracker(service_type="drug-checking", location="Capitol Hill"))
    assert messages[0]["text"].startswith("Drug checking near Capitol Hill:\n1) Broadway Drug Checking")


def test_open_now_ranks_open_places_first(demo_db):
    messages, _ = run(ActionFindServices(), tracker(service_type="naloxone", location="98104", open_now=True))
    assert "near 98104, open now first:" in messages[0]["text"]


def test_more_gives_the_next_three(demo_db):
    messages, events = run(ActionMoreServices(), tracker("more", "more", service_type="naloxone", location="98104", result_offset=3.0))
    assert messages[0]["text"].startswith("More naloxone (Narcan) near 98104:\n4) ")
    assert events[0] == SlotSet("result_offset", 6.0)


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


def _asked_where(text, intent):
    t = tracker(text, intent, requested_slot="location", service_type="naloxone")
    t.active_loop = {"name": "service_search_form"}
    return t


@pytest.mark.parametrize("text, intent, place", [
    # what the model made of answers to "What ZIP code are you near?" (issue 29)
    ("ballard, by the locks", "out_of_scope", "Ballard Locks"), ("by white center off 16th", "goodbye", "White Center"),
    ("near pike place", "nlu_fallback", "Pike Place Market"), ("im in the u district", "inform", "University District"),
    ("over by the UW campus", "education", "University of Washington"), ("cerca del space needle", "greet", "Space Needle"),
])
def test_asked_where_a_place_is_read_whatever_the_model_made_of_the_reply(demo_db, text, intent, place):
    assert extract("extract_location", _asked_where(text, intent))[0] == {"location": place}
    assert extract("extract_location", tracker(text, intent))[0] == ({} if intent not in ("inform",) else {"location": place})


def test_asked_where_an_emergency_is_still_no_place(demo_db):
    assert extract("extract_location", _asked_where("he's not breathing by the locks", "emergency")) == ({}, [])


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


def test_validate_service_type_maps_what_the_model_extracted_without_a_synonym():
    form = ValidateServiceSearchForm()
    dispatcher = CollectingDispatcher()
    assert form.validate_service_type("get my fetty tested", dispatcher, tracker(), {}) == {"service_type": "drug-checking"}
    assert form.validate_service_type("methadone clinics", dispatcher, tracker(), {}) == {"service_type": "moud"}
    assert dispatcher.messages == []


def test_a_search_that_tells_of_a_past_overdose_adds_one_gentle_line(demo_db):
    text = "my friend od'd last month and he's ok now, where can i get narcan near 98104"
    messages, _ = run(ActionFindServices(), tracker(text, service_type="naloxone", location="98104"))
    assert messages[0]["text"].startswith("Naloxone (Narcan) near 98104:")
    assert [m.get("response") for m in messages[1:]] == ["utter_after_overdose"]


def test_a_plain_search_has_no_overdose_line(demo_db):
    messages, _ = run(ActionFindServices(), tracker(service_type="naloxone", location="98104"))
    assert len(messages) == 1


def test_a_place_asked_for_by_a_fuzzy_name_gets_its_address_hours_and_phone(demo_db):
    messages, events = run(ActionPlaceInfo(), tracker("hrs for brodway drug checkin", "place_info"))
    (message,) = messages
    assert message["text"].startswith("Broadway Drug Checking: 815 E Roy St, Seattle. ")
    assert message["text"].endswith("Phone (206) 555-0106.")
    assert events[0]["name"] == "listed_places" and len(events[0]["value"]) == 1


def test_when_does_it_close_refers_to_the_last_places_listed(demo_db):
    _, events = run(ActionFindServices(), tracker(service_type="drug-checking", location="Capitol Hill"))
    listed = events[1]["value"]
    messages, events = run(ActionPlaceInfo(), tracker("when does it close", "place_info", listed_places=listed, language="es"))
    assert messages[0]["text"].startswith("Broadway Drug Checking: 815 E Roy St, Seattle. ")
    assert "Teléfono (206) 555-0106." in messages[0]["text"] and events == []


def test_the_second_one_is_the_second_listed(demo_db):
    _, events = run(ActionFindServices(), tracker(service_type="naloxone", location="98104"))
    listed = events[1]["value"]
    first, _ = run(ActionPlaceInfo(), tracker("when does it open", "place_info", listed_places=listed))
    second, _ = run(ActionPlaceInfo(), tracker("what about the second one", "place_info", listed_places=listed))
    assert first[0]["text"].split(":")[0] != second[0]["text"].split(":")[0]


def test_a_place_question_with_no_place_asks_which(demo_db):
    messages, events = run(ActionPlaceInfo(), tracker("when does it close", "place_info"))
    assert messages[0]["response"] == "utter_which_place" and events == []


def test_a_place_by_voice_is_read_as_a_listing_reads_it(demo_db):
    t = tracker("where is the capitol hill peer center", "place_info")
    t.latest_message["metadata"] = {"channel": "voice"}
    messages, _ = run(ActionPlaceInfo(), t)
    assert messages[0]["text"].startswith("Capitol Hill Peer Drop-In, 1520 East Pine Street, Seattle. ")
    assert "(206)" not in messages[0]["text"]


def test_the_service_is_read_from_typos_and_plurals_in_a_request(demo_db):
    assert extract("extract_service_type", tracker("need narcn near 98104"))[0] == {"service_type": "naloxone"}
    assert extract("extract_service_type", tracker("any shelters tonight", "inform"))[0] == {"service_type": "shelter"}
    found = tracker("where can i get my fetty tested", entities=[{"entity": "service_type", "value": "fetty tested"}])
    assert extract("extract_service_type", found)[0] == {"service_type": "drug-checking"}


def test_the_model_exact_code_wins(demo_db):
    both = tracker("narcan and needels", entities=[{"entity": "service_type", "value": "naloxone"}])
    assert extract("extract_service_type", both)[0] == {"service_type": "naloxone"}


def test_im_done_never_becomes_methadone(demo_db):
    assert extract("extract_service_type", tracker("ok im done", "goodbye"))[0] == {}
    assert extract("extract_service_type", tracker("ok im done thanks", "inform"))[0] == {}


def test_a_request_for_a_kind_of_place_read_as_a_place_question_is_searched(demo_db):
    t = tracker("is there a drop-in center open now near 98104", "place_info",
                entities=[{"entity": "service_type", "value": "drop-in"}])
    messages, events = run(ActionPlaceInfo(), t)
    assert messages[0]["text"].startswith("Drop-in centers near 98104")
    assert events[:2] == [SlotSet("service_type", "drop-in"), SlotSet("location", "98104")]

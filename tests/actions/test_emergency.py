"""The emergency action, driven as the action server drives it: a Tracker and a CollectingDispatcher."""
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.emergency import ANSWER_CONFIDENCE, ActionEmergency, education_answer
from tests.actions import call

LIBRARY = ("I work at a library and we had someone OD in the bathroom last month. My boss wants us to keep "
           "narcan at the desk. Do we need a prescription or anything?")


def selected(utter_action="utter_education/legal", confidence=1.0, key="education"):
    """The ResponseSelector's part of a parse, as Rasa sends it in latest_message."""
    return {"all_retrieval_intents": ["education"], key: {
        "response": {"responses": [{"text": "Naloxone nasal spray (Narcan) has been sold without a prescription..."}],
                     "confidence": confidence, "intent_response_key": (utter_action or "").removeprefix("utter_"),
                     "utter_action": utter_action},
        "ranking": [],
    }}


def tracker(text, response_selector=None, entities=(), **slots):
    message = {"text": text, "intent": {"name": "emergency", "confidence": 1.0}, "entities": list(entities)}
    if response_selector is not None:
        message["response_selector"] = response_selector
    return Tracker(sender_id="h" + "0" * 40, slots=slots, latest_message=message, events=[], paused=False,
                   followup_action=None, active_loop={}, latest_action_name="action_listen")


def run(t):
    dispatcher = CollectingDispatcher()
    events = call(ActionEmergency().run, dispatcher, t, {})
    return dispatcher.messages, events


def responses(messages):
    return [m.get("response") for m in messages]


def test_an_overdose_in_progress_gets_only_the_emergency_steps():
    # No database: nothing is looked up when the steps are all there is to say.
    for text in ["my friend is not breathing", "he's not breathing, do we need a prescription for narcan?", "overdose"]:
        messages, events = run(tracker(text, selected()))
        assert responses(messages) == ["utter_emergency"] and events == []


def test_an_emergency_in_words_the_keyword_net_does_not_know_gets_only_the_steps():
    # A held-out emergency; its best education answer scored 0.65, but even a confident one is not said.
    messages, events = run(tracker("she's breathing like 2 times a minute", selected(confidence=1.0)))
    assert responses(messages) == ["utter_emergency"] and events == []


def test_a_story_with_a_legal_question_gets_the_steps_then_the_answer(demo_db):
    messages, events = run(tracker(LIBRARY, selected(), entities=[{"entity": "service_type", "value": "naloxone"}]))
    assert responses(messages) == ["utter_emergency", "utter_education/legal"]
    assert events == []  # no place named: no search


def test_spanish_gets_the_same_responses_by_name_so_rasa_picks_the_spanish_variation(demo_db):
    text = "mi hermano tuvo una sobredosis el año pasado, necesito receta para la naloxona?"
    messages, _ = run(tracker(text, selected(), language="es"))
    assert responses(messages) == ["utter_emergency", "utter_education/legal"]
    assert all("text" not in m or not m["text"] for m in messages)  # rendered by Rasa, in the slot's language


def test_a_past_overdose_without_a_confident_answer_gets_the_gentle_line(demo_db):
    story = "my friend overdosed last month and i keep thinking about it"
    for parse in [None, {}, selected(confidence=ANSWER_CONFIDENCE - 0.01), selected(utter_action=None)]:
        messages, _ = run(tracker(story, parse))
        assert responses(messages) == ["utter_emergency", "utter_after_overdose"]


def test_a_past_overdose_in_spanish_without_an_answer_gets_the_gentle_line(demo_db):
    messages, _ = run(tracker("mi prima tuvo una sobredosis hace dos semanas", None, language="es"))
    assert responses(messages) == ["utter_emergency", "utter_after_overdose"]


def test_a_story_that_asks_for_a_service_near_a_zip_gets_the_steps_then_the_places(demo_db):
    text = "my friend od'd last month and he's ok now, where can i get narcan near 98104"
    messages, events = run(tracker(text, selected(confidence=0.3), entities=[{"entity": "service_type", "value": "naloxone"}]))
    assert messages[0]["response"] == "utter_emergency"
    assert messages[1]["text"].startswith("Naloxone (Narcan) near 98104:\n1) ")
    assert responses(messages[2:]) == ["utter_after_overdose"]
    assert events[:3] == [SlotSet("service_type", "naloxone"), SlotSet("location", "98104"), SlotSet("result_offset", 3.0)]


def test_a_request_the_model_took_for_an_emergency_gets_the_steps_then_the_places(demo_db):
    # Issue 22: a held-out request told at length ("i'm a nurse asking for my patient ... she needs
    # methadone and lives near 9810x") named no overdose, and got only the steps.
    text = "hi, i'm a case manager texting for a client without a phone, he needs narcan and stays near 98104"
    messages, events = run(tracker(text, selected(confidence=1.0), entities=[{"entity": "service_type", "value": "naloxone"}]))
    assert messages[0]["response"] == "utter_emergency"
    assert messages[1]["text"].startswith("Naloxone (Narcan) near 98104:\n1) ")
    assert responses(messages[2:]) == []  # no overdose named: no line about one, and no education answer
    assert events[:2] == [SlotSet("service_type", "naloxone"), SlotSet("location", "98104")]


def test_an_unknown_zip_in_a_story_is_no_search(demo_db):
    messages, events = run(tracker("my friend od'd last month, narcan near 00000", None,
                                   entities=[{"entity": "service_type", "value": "naloxone"}]))
    assert responses(messages) == ["utter_emergency", "utter_after_overdose"] and events == []


def test_bad_input_gets_the_steps_and_nothing_made_up():
    for text in ["", "🆘🆘🆘", "x" * 1600, "🆘" * 1600]:
        messages, events = run(tracker(text, selected()))
        assert responses(messages) == ["utter_emergency"] and events == []


def test_the_answer_is_read_from_the_default_selector_too():
    assert education_answer({"response_selector": selected(key="default")}) == "utter_education/legal"
    assert education_answer({"response_selector": selected(confidence=ANSWER_CONFIDENCE)}) == "utter_education/legal"
    assert education_answer({"response_selector": selected(confidence=0.69)}) is None
    assert education_answer({}) is None


def test_a_request_to_buy_drugs_the_model_took_for_an_emergency_never_gets_the_steps():
    # Issue 29: "can u hook me up with some blues" got the 911 steps alone.
    for text in ["can u hook me up with some blues", "where can i cop tonight", "quién vende cristal por aquí"]:
        messages, events = run(tracker(text, selected(confidence=1.0)))
        assert responses(messages) == ["utter_cannot_help"] and events == []


def test_a_request_to_buy_beside_an_overdose_in_progress_gets_the_steps():
    messages, _ = run(tracker("who sells blues, my friend took one and he's not breathing", selected()))
    assert responses(messages) == ["utter_emergency"]


def test_a_question_about_telling_an_overdose_gets_the_steps_then_the_signs_never_the_steps_alone():
    for text in ["how can i tell if hes just nodding or actually od'ing", "cómo sé si es una sobredosis"]:
        messages, events = run(tracker(text, selected("utter_education/naloxone", confidence=1.0)))
        assert responses(messages) == ["utter_emergency", "utter_overdose_signs"] and events == []

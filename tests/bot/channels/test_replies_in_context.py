"""The NLU component that reads a short reply by the question it answers
(bot/channels/replies_in_context.py), on trackers built as Rasa builds them. No model: the
messages carry the intent a model might have given."""
from __future__ import annotations

import pytest
import rasa.engine.validation
from rasa.engine.recipes.recipe import Recipe
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.utils.io import read_config_file

from bot.channels.replies_in_context import BY_MODEL, RepliesReadByQuestion, intent_in_context

CONSENT_QUESTION = "Is it OK for them to text you? Reply YES or NO."


def _tracker(*events) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("+12065550142", list(events), slots=Domain.empty().slots)


def _asked_consent() -> DialogueStateTracker:
    return _tracker(
        ActionExecuted("action_listen"), UserUttered("can i talk to someone", {"name": "request_human"}),
        ActionExecuted("utter_ask_handoff_consent"),
        BotUttered(CONSENT_QUESTION, metadata={"utter_action": "utter_ask_handoff_consent"}),
        ActionExecuted("action_listen"),
    )


def _sent_a_list(action: str = "action_find_services") -> DialogueStateTracker:
    return _tracker(
        ActionExecuted("action_listen"), UserUttered("narcan 98104", {"name": "find_service"}),
        ActionExecuted(action), BotUttered("Naloxone (Narcan) near 98104: ... Reply MORE for more."),
        ActionExecuted("action_listen"),
    )


def _read(text: str, tracker, modelled: str = "education") -> Message:
    ranking = [{"name": modelled, "confidence": 0.93}, {"name": "affirm", "confidence": 0.04}]
    message = Message(data={"text": text, "intent": {"name": modelled, "confidence": 0.93}, "intent_ranking": ranking})
    return RepliesReadByQuestion().process([message], tracker)[0]


@pytest.mark.parametrize("text, intent", [
    ("yeah go ahead", "affirm"), ("sí, claro!", "affirm"), ("no problem 👍", "affirm"), ("k", "affirm"),
    ("nah", "deny"), ("no gracias", "deny"), ("not now", "deny"), ("i'm good thanks", "deny"), ("👎", "deny"),
])
def test_a_whole_answer_to_the_consent_question_is_a_yes_or_a_no(text, intent):
    message = _read(text, _asked_consent())
    assert message.get("intent") == {"name": intent, "confidence": 1.0}
    assert message.get("intent_ranking")[0] == {"name": intent, "confidence": 1.0}
    assert [entry["name"] for entry in message.get("intent_ranking")].count(intent) == 1
    assert message.get(BY_MODEL)["name"] == "education"  # the model's reading is kept beside it


@pytest.mark.parametrize("text", [
    "no, where can i get narcan 98104",  # a search
    "no he's not breathing",  # an emergency: the safety net's, whatever the intent
    "yes but he's turning blue",
    "not sure", "maybe later", "i guess",  # a doubt: the model reads it, the action asks again
    "", "   ", "😀", "y" * 1600,
])
def test_anything_more_than_an_answer_keeps_the_models_reading(text):
    message = _read(text, _asked_consent(), modelled="find_service")
    assert message.get("intent")["name"] == "find_service"
    assert message.get(BY_MODEL) is None


def test_a_yes_is_read_only_right_after_the_question():
    answered = _tracker(*_asked_consent().events, UserUttered("nah", {"name": "deny"}),
                        ActionExecuted("utter_handoff_declined"), BotUttered("OK, nobody will contact you."),
                        ActionExecuted("action_listen"))
    assert intent_in_context("yes", answered) is None
    assert intent_in_context("yes", _tracker()) is None  # a first message
    assert intent_in_context("yes", None) is None  # no conversation: rasa test nlu, /model/parse
    assert intent_in_context("yes", _sent_a_list()) is None


@pytest.mark.parametrize("action", ["action_find_services", "action_more_services"])
@pytest.mark.parametrize("text", ["MORE", "more pls", "any others?", "otros por favor", "show me more!!", "siguiente"])
def test_only_asking_for_more_after_a_list_is_more(text, action):
    assert _read(text, _sent_a_list(action)).get("intent")["name"] == "more"


@pytest.mark.parametrize("text", ["more near 98122", "no more", "any closer ones", "syringes", "thanks"])
def test_more_with_words_of_its_own_keeps_the_models_reading(text):
    assert _read(text, _sent_a_list(), modelled="find_service").get("intent")["name"] == "find_service"


def test_more_is_not_read_after_anything_but_a_list():
    assert intent_in_context("more", _asked_consent()) is None
    assert intent_in_context("more", _tracker(ActionExecuted("action_listen"))) is None


@pytest.mark.parametrize("config_path", ["config.yml", "tests/e2e/config_ci.yml"])
def test_rasa_accepts_the_pipeline_with_this_component(config_path):
    # Rasa checks each component's annotations against its graph (typing_utils), and does not know
    # "X | None": with that annotation `rasa train` refused the pipeline in a fresh-clone run.
    config = read_config_file(config_path)
    assert any(item.get("name", "").endswith("RepliesReadByQuestion") for item in config["pipeline"])
    recipe = Recipe.recipe_for_name(config.get("recipe"))
    model_configuration = recipe.graph_config_for_recipe(config, {})
    rasa.engine.validation.validate(model_configuration)

"""A short reply read by the question it answers, before the model's reading stands.

The model reads every text alone, and short everyday replies are what it knows least: after
"Is it OK for them to text you? Reply YES or NO." it took "sure why not" for a question about
safer use and "that works for me" for nothing at all, so the person who had asked for someone got
no handoff. The line knows what it just asked. This component, last in the NLU pipeline
(config.yml), after the fallback classifier (a reply it reads is read whatever the model's
confidence), looks at the conversation so far:

- after the consent question, a reply that is wholly a yes or a no (the consent reader's direct
  answer, bot/handoff/consent.py) is `affirm` or `deny`;
- after a list of places, a reply that only asks for more (bot/directory/more_requests.py) is
  `more`.

Anything longer keeps the model's reading: "no, where can i get narcan 98104" is a search, and
"no he's not breathing" is an emergency (the channel's safety net answers it with 911 first,
whatever the intent). A doubt ("not sure") keeps it too. With no conversation (`rasa test nlu`,
the HTTP parse endpoint), nothing changes.
"""
from __future__ import annotations

from typing import Any, Optional

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.directory.more_requests import asks_only_for_more
from bot.handoff.consent import Consent, direct_answer

CONSENT_QUESTION = "utter_ask_handoff_consent"
LISTS = frozenset({"action_find_services", "action_more_services"})
_ANSWER_INTENT = {Consent.YES: "affirm", Consent.NO: "deny"}
# The model's own reading, where this one replaced it: kept in the parse data (and so in the
# tracker store), for reading a conversation back and for bench/.
BY_MODEL = "intent_by_model"


def _question_just_asked(tracker: DialogueStateTracker) -> str | None:
    """The response the bot ended its last turn with (`utter_action`), if nobody answered it yet."""
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return None
        if isinstance(event, BotUttered):
            return (event.metadata or {}).get("utter_action")
    return None


def _last_action(tracker: DialogueStateTracker) -> str | None:
    """The last action of the bot's last turn (not the listening that follows it)."""
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return None
        if isinstance(event, ActionExecuted) and event.action_name != "action_listen":
            return event.action_name
    return None


def intent_in_context(text: str, tracker: DialogueStateTracker | None) -> str | None:
    """The intent a reply has as the answer to what the bot just asked or sent, or None to keep
    the model's reading."""
    if tracker is None or not (text or "").strip():
        return None
    if _question_just_asked(tracker) == CONSENT_QUESTION:
        answer = direct_answer(text)
        return _ANSWER_INTENT.get(answer) if answer is not None else None
    if _last_action(tracker) in LISTS and asks_only_for_more(text):
        return "more"
    return None


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class RepliesReadByQuestion(GraphComponent, IntentClassifier):
    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> RepliesReadByQuestion:
        return cls()

    # Optional[...], not "| None": Rasa checks the graph's types with typing_utils, which does not
    # know PEP 604 unions, and refuses to train ("expects an input of type ... | None").
    def process(self, messages: list[Message],
                tracker: Optional[DialogueStateTracker] = None) -> list[Message]:  # noqa: UP045
        for message in messages:
            intent = intent_in_context(message.get(TEXT) or "", tracker)
            if intent is None:
                continue
            modelled = message.get(INTENT) or {}
            message.set(INTENT, {"name": intent, PREDICTED_CONFIDENCE_KEY: 1.0}, add_to_output=True)
            ranking = [entry for entry in message.get(INTENT_RANKING_KEY) or [] if entry.get("name") != intent]
            ranking = [{"name": intent, PREDICTED_CONFIDENCE_KEY: 1.0}] + ranking
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
            if modelled.get("name") and modelled.get("name") != intent:
                message.set(BY_MODEL, modelled, add_to_output=True)
        return messages

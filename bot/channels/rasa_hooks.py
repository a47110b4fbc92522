"""What the hotline changes in the Rasa server it runs in, installed when Rasa loads its channels.

1. Failed actions are seen. Rasa logs an action that fails (the action server is down, or
   answers 500) and goes on without its events, so the texter would get an answer built on a
   turn half done (a form asking again for the ZIP just given). The channel watches the actions
   of each message (`watching_actions`) and answers plain words instead.

2. The hottest path is fixed. Rasa 3.6 checks every answer of the action server with
   `jsonschema.validate(answer, schema)`, which first re-validates the large event schema itself
   against its meta-schema, on every call: under load that was 45 % of the Rasa server's CPU
   (py-spy during bench/load.py), more than the models. Here the answer is checked against the
   same schema by a validator built once, and a bad answer fails exactly as before (the same
   ValidationError and message).

3. A tracker store that cannot be read is an error, not a new conversation. Rasa's fail-safe
   wrapper logs the error and answers "no such conversation", so during a database outage (or on
   the first stale connection after one) a texter halfway through a search was answered as a
   stranger and the fresh start was then saved over their conversation. Here the error goes up
   to the channel, which answers plain words and keeps the conversation as it was; pooled
   connections are checked before use, so a database restart costs no message at all. Its
   errors never carry their bound parameters (what people said) into a log.

4. Each saved turn tells the admission queue whether a handoff now waits on the person's next
   message (a consent question asked, an officer's referral form open), so that their answer is
   taken before other texts under load (bot/channels/admission.py).

5. Action calls go over one kept-alive session (bot/channels/action_client.py), not a new
   session and connection per call, with a retry when the action server has restarted.

6. An action call is given at most HUB_ACTION_TIMEOUT (20 s), not Rasa's 300 s. The limit is set
   on the call's own request (bot/channels/action_client.py), the one place every action call
   goes through, so that what runs out is the wait for the action server and nothing else of the
   turn. RemoteAction does not catch the timeout; Rasa's processor logs it as an action that
   failed and goes on. Here the watch of the turn notes it as a timeout
   (`FailedActions.timed_out`), the channel answers words that claim nothing about what happened
   (the action may have run), and the turn's later action calls fail at once instead of waiting
   the limit again, so that the turn ends, and frees its place in the admission queue, within one
   limit. The alternatives were worse: a wait_for around the channel's whole turn would cancel
   Rasa in the middle of saving the conversation, and a wait_for around RemoteAction.run would
   cut its work after the answer came back.

The tracker store is the hotline's own, configured in endpoints*.yml
(bot/channels/tracker_store.py).
"""
from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core import tracker_store
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.core.processor import MessageProcessor
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.events import BotUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException

from bot.channels.action_client import KeptAliveEndpoint
from bot.channels.admission import awaiting_handoff
from bot.config import duration_words, get_settings


@functools.lru_cache(maxsize=1)
def _action_response_validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)  # once, not on every answer
    return cls(schema)


def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    error = best_match(_action_response_validator().iter_errors(result))
    if error is None:
        return True
    error.message += (
        f". Failed to validate Action server response from API, "
        f"make sure your response from the Action endpoint is valid. "
        f"For more information about the format visit "
        f"{DOCS_BASE_URL}/custom-actions"
    )
    raise error


class FailedActions(list[str]):
    """The names of the custom actions that failed in one turn, in order; `timed_out` once one of
    them found no answer within HUB_ACTION_TIMEOUT."""

    timed_out: bool = False


class ActionTimedOut(RasaException):
    """An action call found no answer within HUB_ACTION_TIMEOUT (the action may still have run),
    or was not made because an earlier one of the same turn found none."""


_failed_actions: ContextVar[FailedActions | None] = ContextVar("failed_actions", default=None)
_remote_run = RemoteAction.run


@contextmanager
def watching_actions() -> Iterator[FailedActions]:
    """The names of the custom actions that failed while the block ran (in this asyncio task:
    Rasa handles a channel's message within the channel's own task)."""
    failed = FailedActions()
    token = _failed_actions.set(failed)
    try:
        yield failed
    finally:
        _failed_actions.reset(token)


def _is_timeout(error: BaseException) -> bool:
    """Whether `error`, or what it was raised from, is a timeout: aiohttp raises TimeoutError when
    the whole call runs out, and Rasa wraps the timeout of a connection in its own exception."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, TimeoutError):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


async def run_remote_action(self: RemoteAction, *args: Any, **kwargs: Any) -> Any:
    if self.action_endpoint is not None and not isinstance(self.action_endpoint, KeptAliveEndpoint):
        self.action_endpoint = KeptAliveEndpoint.of(self.action_endpoint)  # this action's own copy
    failed = _failed_actions.get()
    if failed is not None and failed.timed_out:
        # The turn is answered with the timeout words already; another call would build on a turn
        # half done, and could hold the turn's place in the queue for a whole limit more.
        failed.append(self.name())
        raise ActionTimedOut(f"custom action '{self.name()}' not called: an earlier action of this turn timed out")
    try:
        return await _remote_run(self, *args, **kwargs)
    except ActionExecutionRejection:
        raise  # a form declining a message is part of the dialogue, not a failure
    except Exception as error:
        if failed is not None:
            failed.append(self.name())
        if not _is_timeout(error):
            raise
        if failed is not None:
            failed.timed_out = True
        raise ActionTimedOut(f"custom action '{self.name()}': no answer from the action server within "
                             f"{duration_words(get_settings().action_timeout_seconds)} (HUB_ACTION_TIMEOUT); "
                             f"it may have run") from error


class TrackerStoreUnavailable(RuntimeError):
    """The conversation could not be read or saved; its state is unknown, so nothing is answered from it."""


def raise_tracker_store_error(self: tracker_store.FailSafeTrackerStore, error: Exception) -> None:
    raise TrackerStoreUnavailable(f"{type(self._tracker_store).__name__}: {error}") from error


_engine_kwargs = tracker_store.create_engine_kwargs


def engine_kwargs_with_pre_ping(url: Any) -> dict[str, Any]:
    # hide_parameters: an error in the tracker store would otherwise log the events it was
    # writing, which hold what people said.
    return {**_engine_kwargs(url), "pool_pre_ping": True, "hide_parameters": True}


_save_tracker = MessageProcessor.save_tracker


async def save_tracker_noting_handoff(self: MessageProcessor, tracker: DialogueStateTracker) -> None:
    await _save_tracker(self, tracker)
    last_bot = next((event for event in reversed(tracker.events) if isinstance(event, BotUttered)), None)
    awaiting_handoff.note(tracker.sender_id, tracker.active_loop_name,
                          (last_bot.metadata or {}).get("utter_action") if last_bot is not None else None)


def install() -> None:
    RemoteAction._validate_action_result = validate_action_result
    RemoteAction.run = run_remote_action
    tracker_store.FailSafeTrackerStore.on_tracker_store_retrieve_error = raise_tracker_store_error
    tracker_store.FailSafeTrackerStore.on_tracker_store_error = raise_tracker_store_error
    tracker_store.create_engine_kwargs = engine_kwargs_with_pre_ping
    MessageProcessor.save_tracker = save_tracker_noting_handoff

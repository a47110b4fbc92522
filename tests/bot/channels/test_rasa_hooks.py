"""What the hotline changes in Rasa: action server answers checked as strictly as Rasa checks them,
by a validator built once; failed actions seen; a tracker store that cannot be read is an error."""
import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

import bot.channels  # noqa: F401 (installs the fix, as loading the channels does in Rasa)
from bot.channels.rasa_hooks import validate_action_result

GOOD = {"events": [{"event": "slot", "name": "location", "value": "98104", "timestamp": None}],
        "responses": [{"text": "Naloxone (Narcan) near 98104:"}]}
BAD = [
    {"events": [{"event": "slot", "name": 3}]},
    {"events": [{"no_event_key": 1}]},
    {"events": "not a list"},
    {"responses": [1, 2]},
]


def action():
    return RemoteAction("action_find_services", EndpointConfig("http://localhost:5055/webhook"))


def test_the_fix_is_what_rasa_runs():
    assert RemoteAction._validate_action_result is validate_action_result


def test_a_good_answer_passes():
    assert action()._validate_action_result(GOOD) is True


@pytest.mark.parametrize("answer", BAD)
def test_a_bad_answer_fails_with_the_error_and_message_stock_rasa_gives(answer):
    with pytest.raises(jsonschema.ValidationError) as ours:
        action()._validate_action_result(answer)
    with pytest.raises(jsonschema.ValidationError) as stock:
        jsonschema.validate(answer, RemoteAction.action_response_format_spec())
    assert ours.value.message.startswith(stock.value.message)
    assert ours.value.message.endswith("/custom-actions") and "Failed to validate Action server response" in ours.value.message


def test_failed_actions_are_seen_by_the_channel_that_watches():
    import asyncio

    from rasa.core.actions.action import ActionExecutionRejection
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.channels.rasa_hooks import watching_actions

    async def run(endpoint):
        action = RemoteAction("action_find_services", EndpointConfig(endpoint))
        with watching_actions() as failed:
            try:
                await action.run(None, None, DialogueStateTracker("h1", []), Domain.empty())
            except (Exception, ActionExecutionRejection):
                pass
        return failed

    assert asyncio.run(run("http://127.0.0.1:9/webhook")) == ["action_find_services"]  # nothing listens there


class UnreachableTrackerStore:
    """A primary tracker store whose database is gone."""

    def __init__(self):
        from rasa.shared.core.domain import Domain

        self.domain, self.event_broker = Domain.empty(), None

    async def retrieve(self, sender_id):
        raise ConnectionRefusedError("connection to 127.0.0.1:5432 refused")

    async def save(self, tracker):
        raise ConnectionRefusedError("connection to 127.0.0.1:5432 refused")


def test_a_tracker_store_that_cannot_be_read_is_an_error_not_a_new_conversation():
    import asyncio

    from rasa.core.tracker_store import FailSafeTrackerStore
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.channels.rasa_hooks import TrackerStoreUnavailable

    store = FailSafeTrackerStore(UnreachableTrackerStore())
    # Stock Rasa answers None here, and the caller then starts the conversation afresh.
    with pytest.raises(TrackerStoreUnavailable, match="refused"):
        asyncio.run(store.get_or_create_tracker("tel:abc"))
    # Stock Rasa saves into memory on this one server instead: lost on restart, unseen by the others.
    with pytest.raises(TrackerStoreUnavailable):
        asyncio.run(store.save(DialogueStateTracker("tel:abc", [])))


def test_the_sql_tracker_store_checks_pooled_connections_before_use(tmp_path):
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain

    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "tracker.db"))
    assert store.engine.pool._pre_ping


def test_the_sql_tracker_store_never_logs_what_people_said(tmp_path):
    """An error writing the tracker store carries its bound parameters (the events, with the words
    of every message) into the log unless the engine hides them."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain

    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "tracker.db"))
    assert store.engine.hide_parameters


def test_an_action_call_gives_up_after_hub_action_timeout_and_the_turn_makes_no_more(silent_action_server, action_timeout):
    """Not Rasa's 300 s: the call is noted as timed out, and a later action of the same turn fails
    at once instead of waiting the limit again."""
    import asyncio
    import time

    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.channels.rasa_hooks import ActionTimedOut, watching_actions

    async def turn():
        errors = []
        with watching_actions() as failed:
            for name in ("action_find_services", "action_open_handoff"):
                try:
                    await RemoteAction(name, EndpointConfig(silent_action_server.url)).run(
                        None, None, DialogueStateTracker("h1", []), Domain.empty())
                except Exception as error:  # Rasa's processor logs it and goes on
                    errors.append(error)
        return failed, errors

    started = time.monotonic()
    failed, errors = asyncio.run(turn())
    took = time.monotonic() - started
    assert failed == ["action_find_services", "action_open_handoff"] and failed.timed_out
    assert all(isinstance(error, ActionTimedOut) for error in errors)
    assert "HUB_ACTION_TIMEOUT" in str(errors[0]) and "may have run" in str(errors[0])
    assert silent_action_server.calls == 1  # the second action was never sent
    assert action_timeout <= took < action_timeout + 1.5


def test_an_action_that_fails_otherwise_is_not_a_timeout():
    import asyncio

    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.channels.rasa_hooks import watching_actions

    async def run():
        with watching_actions() as failed:
            try:
                await RemoteAction("action_find_services", EndpointConfig("http://127.0.0.1:9/webhook")).run(
                    None, None, DialogueStateTracker("h1", []), Domain.empty())
            except Exception:
                pass
        return failed

    failed = asyncio.run(run())  # refused: nothing listens on port 9
    assert failed == ["action_find_services"] and not failed.timed_out

"""Actions that query the database do it off the action server's event loop: while one waits for
the database, the loop goes on with other conversations' actions."""
import asyncio
import importlib
import inspect
import pkgutil
import threading
from contextlib import contextmanager

import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.utils import call_potential_coroutine

import actions
from actions.directory import ActionFindServices, ActionMoreServices, ActionPlaceInfo
from actions.handoff import ActionOpenHandoff
from actions.referral import ActionSubmitReferral, ValidateReferralForm
from actions.slot_mappings import ValidateSlotMappings

# Every entry point of an action that reaches the database, with the module whose session it opens.
BLOCKING = {
    "action_find_services": ("actions.directory", lambda: ActionFindServices().run),
    "action_more_services": ("actions.directory", lambda: ActionMoreServices().run),
    "action_place_info": ("actions.directory", lambda: ActionPlaceInfo().run),
    "action_open_handoff": ("actions.handoff", lambda: ActionOpenHandoff().run),
    "action_submit_referral": ("actions.referral", lambda: ActionSubmitReferral().run),
    "extract_referral_contact": ("actions.referral", lambda: ValidateReferralForm().extract_referral_contact),
    "extract_location": ("actions.slot_mappings", lambda: ValidateSlotMappings().extract_location),
    "extract_role": ("actions.slot_mappings", lambda: ValidateSlotMappings().extract_role),
}


class Stopped(Exception):
    """The action got its database session: the point is proven, the rest is not needed."""


def tracker(text="narcan near 98104"):
    return Tracker(sender_id="h" + "0" * 40, slots={"service_type": "naloxone", "location": "98104"},
                   latest_message={"text": text, "intent": {"name": "find_service"}, "entities": []},
                   events=[], paused=False, followup_action=None, active_loop={}, latest_action_name="action_listen")


@pytest.mark.parametrize("name", sorted(BLOCKING))
def test_an_action_waiting_for_the_database_leaves_the_event_loop_free(name, monkeypatch):
    module, method = BLOCKING[name]
    released = threading.Event()

    @contextmanager
    def slow_database(*args, **kwargs):
        # Released only by a coroutine of the same event loop: if the action held the loop, the
        # release could not run until the action gave up.
        if not released.wait(2):
            raise AssertionError(f"{name} held the event loop while it waited for the database")
        raise Stopped()
        yield

    monkeypatch.setattr(f"{module}.session_scope", slow_database)

    async def meanwhile_another_conversation():
        released.set()

    async def both():
        # A handoff opens only on a yes (bot/handoff/consent.py): before it, no database.
        t = tracker("yes") if name == "action_open_handoff" else tracker()
        return await asyncio.gather(call_potential_coroutine(method()(CollectingDispatcher(), t, {})),
                                    meanwhile_another_conversation(), return_exceptions=True)

    outcome, _ = asyncio.run(both())
    assert isinstance(outcome, Stopped), outcome


def test_every_action_of_a_module_that_opens_sessions_runs_in_a_thread():
    """Review 21: ActionPlaceInfo.run queried the database on the event loop. Any action whose
    module opens a database session runs off the loop, so one forgotten decorator fails here."""
    on_the_loop = []
    for info in pkgutil.iter_modules(actions.__path__):
        module = importlib.import_module(f"actions.{info.name}")
        if not hasattr(module, "session_scope"):
            continue
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Action) and cls.__module__ == module.__name__ and "run" in vars(cls):
                if not inspect.iscoroutinefunction(cls.run):
                    on_the_loop.append(f"{module.__name__}.{name}")
    assert on_the_loop == []

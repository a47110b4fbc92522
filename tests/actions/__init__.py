import asyncio

from rasa_sdk.utils import call_potential_coroutine


def call(method, *args):
    """`method(*args)` as the action server calls an action's methods: awaited when it is a
    coroutine (blocking work runs on the executor), in an event loop of its own."""
    return asyncio.run(call_potential_coroutine(method(*args)))

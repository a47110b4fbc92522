"""Blocking work of an action (the database) off the action server's event loop.

rasa-sdk calls an action's `run`, and a form's `extract_`/`validate_` methods, in its event loop;
a plain method that queries the database holds every other conversation's action meanwhile.
"""
from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

_T = TypeVar("_T")


def in_thread(method: Callable[..., _T]) -> Callable[..., Awaitable[_T]]:
    """The method, made a coroutine that runs it on the event loop's executor (rasa-sdk awaits
    what an action's methods return when it is awaitable)."""

    @functools.wraps(method)
    async def run(*args: Any, **kwargs: Any) -> _T:
        return await asyncio.get_running_loop().run_in_executor(None, functools.partial(method, *args, **kwargs))

    return run

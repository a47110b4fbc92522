"""Blocking work (the database, Twilio's REST API) from async code: the one way the Sanic apps
(the Rasa channels and the console) run it, so that other requests go on meanwhile. A module of
its own, light to import: bot.channels loads Rasa and TensorFlow, which the console has no use for."""
from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from typing import Any, TypeVar

_T = TypeVar("_T")


async def run_blocking(function: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
    """`function(*args, **kwargs)` on the event loop's executor."""
    return await asyncio.get_running_loop().run_in_executor(None, functools.partial(function, *args, **kwargs))

"""Calls to the action server over one kept-alive HTTP session.

Rasa 3.6 opens a new aiohttp session, and so a new TCP connection, for every action call
(`EndpointConfig.request`), several per turn: about a tenth of a turn under load (issue 16).
Here the Rasa server keeps one session per event loop, with its connections kept alive.

A kept-alive connection can be stale: the action server restarted (behind a load balancer, the
old connection is reset at its next use), or closed it as idle just as a call went out. Such a
call is retried once, on a new connection, when a connection kept alive from an earlier call was
reset or closed before any answer: what a restarted server's old connections and an idle close
do. (An action server killed in the middle of that very call looks the same; the retry then
finds it down, or, behind a load balancer, runs the action on another server, which the texter
would otherwise have to ask for again.) A new connection that fails is not retried: refused, the
server is down, and a retry at once would be refused too; cut after the call went out, the
action may have run (a handoff opened) and must not run twice.

A call is given at most HUB_ACTION_TIMEOUT (20 s), whatever limit Rasa asks for (its
DEFAULT_REQUEST_TIMEOUT, 300 s: a stalled action server would hold a turn, and its place in the
admission queue, for five minutes). The timeout is aiohttp's TimeoutError, which Rasa does not
catch; bot/channels/rasa_hooks.py notes it for the channel, which answers the texter.

Everything else is as in `EndpointConfig.request`: the same headers, token, basic auth, CA file
and compression, JSON back, and Rasa's ClientResponseError for an answer >= 400.
"""
from __future__ import annotations

import asyncio
import logging
import os
import ssl
from typing import Any

import aiohttp
from aiohttp.client_exceptions import ContentTypeError
from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT
from rasa.shared.exceptions import FileNotFoundException
from rasa.utils.endpoints import ClientResponseError, EndpointConfig, concat_url

from bot.config import get_settings

logger = logging.getLogger(__name__)

_session: tuple[asyncio.AbstractEventLoop, aiohttp.ClientSession] | None = None


async def _note_reused(_session: aiohttp.ClientSession, context: Any, _params: Any) -> None:
    if isinstance(context.trace_request_ctx, dict):
        context.trace_request_ctx["reused"] = True


def kept_alive_session() -> aiohttp.ClientSession:
    """The session of the running event loop (a session belongs to the loop it was made in)."""
    global _session
    loop = asyncio.get_running_loop()
    if _session is None or _session[0] is not loop or _session[1].closed:
        trace = aiohttp.TraceConfig()
        trace.on_connection_reuseconn.append(_note_reused)  # type: ignore[arg-type]  # aiohttp's signal types name its own callback signature loosely
        # The action server (Sanic) closes a connection idle for 5 s, and the close is seen at
        # once; a longer wait on this side matters only where a proxy or load balancer stands
        # between, and keeps its end open longer.
        connector = aiohttp.TCPConnector(keepalive_timeout=60)
        _session = (loop, aiohttp.ClientSession(connector=connector, trace_configs=[trace],
                                                timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT)))
    return _session[1]


class KeptAliveEndpoint(EndpointConfig):
    """The action server's endpoint, as configured, whose requests go over the kept-alive session."""

    @classmethod
    def of(cls, endpoint: EndpointConfig) -> KeptAliveEndpoint:
        kept_alive = cls.__new__(cls)
        kept_alive.__dict__.update(endpoint.__dict__)
        return kept_alive

    async def request(self, method: str = "post", subpath: str | None = None,
                      content_type: str | None = "application/json", compress: bool = False,
                      **kwargs: Any) -> Any | None:
        headers: dict[str, Any] = {"Content-Type": content_type} if content_type else {}
        headers.update(kwargs.pop("headers", None) or {})
        headers.update(self.headers)
        kwargs["timeout"] = aiohttp.ClientTimeout(total=get_settings().action_timeout_seconds)  # in place of Rasa's 300 s
        auth = aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"]) if self.basic_auth else None
        arguments = dict(headers=headers, params=self.combine_parameters(kwargs), compress=compress,
                         ssl=self._ssl_context(), auth=auth, **kwargs)
        url = concat_url(self.url, subpath)
        try:
            return await _call(kept_alive_session(), method, url, arguments)
        except _Stale as stale:
            logger.warning("action server call: %s on a kept-alive connection, retrying on a new one", stale.reason)
        # A session of its own for the retry, so that it cannot land on another stale connection
        # of the pool (those are dropped as they are met).
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT)) as fresh:
            return await _call(fresh, method, url, arguments, stale_is_retried=False)

    def _ssl_context(self) -> ssl.SSLContext | None:
        if not self.cafile:
            return None
        try:
            return ssl.create_default_context(cafile=self.cafile)
        except FileNotFoundError as error:
            raise FileNotFoundException(
                f"Failed to find certificate file, '{os.path.abspath(self.cafile)}' does not exist.") from error


class _Stale(Exception):
    """The call failed where the action server cannot have run it; `reason` says how."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


async def _call(session: aiohttp.ClientSession, method: str, url: str, arguments: dict[str, Any],
                stale_is_retried: bool = True) -> Any | None:
    attempt = {"reused": False, "answered": False}
    try:
        async with session.request(method, url, trace_request_ctx=attempt, **arguments) as response:
            attempt["answered"] = True
            if response.status >= 400:
                raise ClientResponseError(response.status, response.reason, await response.content.read())
            try:
                return await response.json()
            except ContentTypeError:
                return None
    except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError) as error:
        # Reset or closed before any answer, on a connection kept alive from an earlier call: the
        # server that held it is gone (or closed it as idle), so this call never reached one.
        if stale_is_retried and attempt["reused"] and not attempt["answered"]:
            raise _Stale(str(error) or type(error).__name__) from error
        raise

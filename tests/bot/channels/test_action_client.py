"""Action calls over one kept-alive session, retried once when a kept-alive connection turns out
stale, never when the action may have run; otherwise as Rasa's own request."""
import asyncio
import json
import socket
import struct

import aiohttp
import pytest
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import ClientResponseError, EndpointConfig

import bot.channels  # noqa: F401 (installs the hooks, as loading the channels does in Rasa)
from bot.channels.action_client import KeptAliveEndpoint

ANSWER = {"events": [], "responses": [{"text": "Naloxone (Narcan) near 98104:"}]}


class ActionServer:
    """A bare HTTP/1.1 server that notes each connection and request. `reset(connection, request)`
    says whether to reset that request's connection instead of answering (both counted from 0)."""

    def __init__(self, reset=lambda connection, request: False, status=200):
        self.reset, self.status = reset, status
        self.requests = []  # (connection, request on it, path with query, headers, body)
        self.connections = 0

    async def __aenter__(self):
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}/webhook"
        return self

    async def __aexit__(self, *exc):
        self.server.close()
        await self.server.wait_closed()

    async def _serve(self, reader, writer):
        connection, self.connections = self.connections, self.connections + 1
        request = 0
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode().split("\r\n")
                headers = {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:] if ":" in line)}
                body = await reader.readexactly(int(headers.get("content-length", 0)))
                self.requests.append((connection, request, lines[0].split()[1], headers, body))
                if self.reset(connection, request):
                    sock = writer.get_extra_info("socket")
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    writer.transport.abort()
                    return
                payload = json.dumps(ANSWER if self.status < 400 else {"error": "no"}).encode()
                writer.write(f"HTTP/1.1 {self.status} X\r\nContent-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n".encode()
                             + payload)
                await writer.drain()
                request += 1
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()


def call(endpoint, **kwargs):
    return endpoint.request(json={"next_action": "action_find_services"}, method="post", timeout=300, **kwargs)


def test_action_calls_share_one_kept_alive_connection():
    async def calls():
        async with ActionServer() as server:
            answers = [await call(KeptAliveEndpoint.of(EndpointConfig(server.url))) for _ in range(5)]
            return answers, server.connections

    answers, connections = asyncio.run(calls())
    assert answers == [ANSWER] * 5 and connections == 1  # Rasa's own request: a connection each


def test_rasa_runs_its_remote_actions_over_the_kept_alive_session():
    async def actions():
        async with ActionServer() as server:
            endpoint = EndpointConfig(server.url)
            for _ in range(3):
                await RemoteAction("action_find_services", endpoint).run(None, None, DialogueStateTracker("h1", []), Domain.empty())
            return server.connections, len(server.requests)

    assert asyncio.run(actions()) == (1, 3)


def test_a_stale_kept_alive_connection_is_retried_once_on_a_new_one():
    async def calls():
        # The first connection answers once, then is reset at its next use: a restarted server.
        async with ActionServer(reset=lambda connection, request: connection == 0 and request == 1) as server:
            endpoint = KeptAliveEndpoint.of(EndpointConfig(server.url))
            answers = [await call(endpoint), await call(endpoint)]
            return answers, [(c, r) for c, r, *_ in server.requests]

    answers, requests = asyncio.run(calls())
    assert answers == [ANSWER, ANSWER] and requests == [(0, 0), (0, 1), (1, 0)]


def test_a_new_connection_cut_after_the_call_went_out_is_not_retried():
    async def calls():
        # The action may have run (a handoff opened): it must not run twice.
        async with ActionServer(reset=lambda connection, request: True) as server:
            with pytest.raises(aiohttp.ClientConnectionError):
                await call(KeptAliveEndpoint.of(EndpointConfig(server.url)))
            return len(server.requests)

    assert asyncio.run(calls()) == 1


def test_a_stale_connection_whose_retry_fails_too_is_an_error():
    async def calls():
        async with ActionServer(reset=lambda connection, request: connection >= 1 or request == 1) as server:
            endpoint = KeptAliveEndpoint.of(EndpointConfig(server.url))
            await call(endpoint)
            with pytest.raises(aiohttp.ClientConnectionError):
                await call(endpoint)
            return len(server.requests)

    assert asyncio.run(calls()) == 3  # the first call, the stale attempt, the one retry


def test_a_refused_connection_fails_at_once_as_rasas_request_does():
    with pytest.raises(aiohttp.ClientConnectorError):
        asyncio.run(call(KeptAliveEndpoint.of(EndpointConfig("http://127.0.0.1:9/webhook"))))  # nothing listens there


def test_an_error_answer_headers_and_token_are_as_in_rasas_request():
    async def calls():
        async with ActionServer(status=500) as server:
            endpoint = KeptAliveEndpoint.of(EndpointConfig(server.url, headers={"X-Hub": "1"}, token="t0k",
                                                           basic_auth={"username": "rasa", "password": "pw"}))
            with pytest.raises(ClientResponseError) as error:
                await call(endpoint)
            return error.value, server.requests[0]

    error, (_, _, path, headers, body) = asyncio.run(calls())
    assert error.status == 500 and json.loads(error.text) == {"error": "no"}
    assert path == "/webhook?token=t0k" and headers["x-hub"] == "1" and headers["authorization"].startswith("Basic ")
    assert headers["content-type"] == "application/json" and json.loads(body) == {"next_action": "action_find_services"}

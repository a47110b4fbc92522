"""One real Sanic server for every channel test: Sanic 21.12 rewrites its protocol class when an
app starts and cannot start a second app in the same process, so the channels share this one,
mounted where Rasa mounts them, each message forwarded to the current test's stand-in for Rasa."""
from __future__ import annotations

import asyncio
import threading
import time

import pytest
from sanic import Sanic

from bot.channels.simulator import SimulatorInput
from bot.channels.twilio_sms import TwilioSmsInput
from bot.channels.twilio_status import TwilioStatusInput
from bot.channels.twilio_voice import TwilioVoiceInput
from tests.servers import free_port


class Forward:
    """Forwards each message to the current test's stand-in for Rasa."""

    def __init__(self):
        self.current = None

    async def __call__(self, message):
        await self.current(message)


# The simulator posts through the SMS webhook, so the two share one stand-in.
FORWARD, VOICE_FORWARD = Forward(), Forward()


@pytest.fixture(autouse=True)
def no_turn_left_behind():
    """A test's turns that outlive its webhooks (a stall answered later, the turn behind the 911
    steps) finish before the next test, whose stand-in for Rasa they would otherwise reach."""
    yield
    from bot.channels import admission

    deadline = time.monotonic() + 30
    while admission._shared is not None and not admission._shared.idle() and time.monotonic() < deadline:
        time.sleep(0.05)


@pytest.fixture(scope="session")
def channels_base_url():
    app = Sanic("channel_tests")
    channels = ((TwilioSmsInput(), FORWARD), (SimulatorInput(), FORWARD), (TwilioVoiceInput(), VOICE_FORWARD),
                (TwilioStatusInput(), FORWARD))  # receipts never reach Rasa
    for channel, forward in channels:
        app.blueprint(channel.blueprint(forward), url_prefix=f"/webhooks/{channel.name()}")
    loop = asyncio.new_event_loop()
    ready, holder = threading.Event(), {}
    port = free_port()  # Sanic 21.12 reads port 0 as its default, 8000

    def serve():
        asyncio.set_event_loop(loop)

        async def start():
            server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
            await server.startup()
            await server.start_serving()
            holder["server"] = server

        loop.run_until_complete(start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert ready.wait(30), "the test server did not start"
    yield f"http://127.0.0.1:{port}"
    holder["server"].close()
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


class SilentActionServer:
    """An action server that takes every call and never answers it (a stalled action server), on
    its own event loop in a thread; `calls` counts the calls it took."""

    def __init__(self):
        self.calls = 0
        self.url = ""

    def __enter__(self):
        from aiohttp import web

        loop = asyncio.new_event_loop()
        ready, self._stop = threading.Event(), asyncio.Event()

        async def never_answer(request):
            self.calls += 1
            await request.read()
            await self._stop.wait()  # until the test ends: far past any limit on the call
            return web.json_response({"events": [], "responses": []})

        async def start():
            app = web.Application()
            app.router.add_post("/webhook", never_answer)
            self._runner = web.AppRunner(app)
            await self._runner.setup()
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            await site.start()
            self.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/webhook"  # type: ignore[union-attr]

        def serve():
            asyncio.set_event_loop(loop)
            loop.run_until_complete(start())
            ready.set()
            loop.run_forever()

        self._loop, self._thread = loop, threading.Thread(target=serve, daemon=True)
        self._thread.start()
        assert ready.wait(10), "the silent action server did not start"
        return self

    def __exit__(self, *exc):
        async def stop():
            self._stop.set()
            await self._runner.cleanup()

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


@pytest.fixture
def silent_action_server():
    with SilentActionServer() as server:
        yield server


@pytest.fixture
def action_timeout(monkeypatch):
    """A half-second HUB_ACTION_TIMEOUT, so that a stalled action server is seen quickly."""
    from bot.config import get_settings

    monkeypatch.setenv("HUB_ACTION_TIMEOUT", "0.5s")
    get_settings.cache_clear()
    return 0.5


class RasaCallingAnAction:
    """Stands in for Rasa's processor: runs one custom action as Rasa does (the real RemoteAction
    and the hotline's hooks), goes on past its failure as Rasa does, then utters what a turn built on it
    would say. Notes the admission queue's free places while the turn is inside."""

    def __init__(self, endpoint_url):
        self.endpoint_url = endpoint_url
        self.free_inside = None

    async def __call__(self, message):
        from rasa.core.actions.action import RemoteAction
        from rasa.shared.core.domain import Domain
        from rasa.shared.core.trackers import DialogueStateTracker
        from rasa.utils.endpoints import EndpointConfig

        from bot.channels import admission

        self.free_inside = admission._shared._free
        try:
            await RemoteAction("action_find_services", EndpointConfig(self.endpoint_url)).run(
                message.output_channel, None, DialogueStateTracker(message.sender_id, []), Domain.empty())
        except Exception:  # what Rasa's MessageProcessor._run_action does: the events are lost, the turn goes on
            pass
        await message.output_channel.send_text_message(message.sender_id, "What ZIP code are you near?")

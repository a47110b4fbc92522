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

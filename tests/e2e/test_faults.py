"""Faults through the whole hotline: the action server killed in the middle of a conversation.
(PostgreSQL gone for 10 s: test_production.py; a worker killed mid-send: tests/bot/
test_worker_processes.py; Twilio down: bench/handoff.py and tests/bot/test_worker.py.)"""
import pytest

from bot.channels.twilio_sms import TROUBLE_REPLY
from bot.safety import EMERGENCY_REPLY
from tests.e2e.conftest import running_hotline, text

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def hotline(trained_model, tmp_path_factory):
    # Behind a proxy that keeps the Rasa server's kept-alive connections open when the action
    # server goes, as a load balancer does: the first call after a restart meets a stale one.
    with running_hotline(trained_model, tmp_path_factory.mktemp("faults"), actions_behind_proxy=True) as running:
        yield running


def test_the_action_server_killed_mid_conversation(hotline):
    person = "+13605550140"
    assert text(hotline, person, "i need narcan")[1] == ["What ZIP code are you near? I'll find the closest places."]
    with hotline.without("actions"):
        status, replies = text(hotline, person, "98104")
        # No directory without the action server: plain words, never a 5xx or silence, never a
        # made-up answer.
        assert status == 200 and replies == [TROUBLE_REPLY], replies
        status, replies = text(hotline, "+13605550141", "he's not breathing")
        assert status == 200 and replies[0] == EMERGENCY_REPLY
    # Back up: the same conversation goes on where it was.
    status, replies = text(hotline, person, "98104")
    assert status == 200 and replies[0].startswith("Naloxone (Narcan) near 98104:"), replies
    # Restarted between two texts: the Rasa server's connection kept alive to the old action
    # server is reset at its next use, and the call is retried on a new one. The texter sees
    # nothing of it.
    with hotline.without("actions"):
        pass
    status, replies = text(hotline, person, "more")
    assert status == 200 and replies[0].startswith("More naloxone (Narcan) near 98104:"), replies
    assert "retrying on a new one" in hotline.started["rasa"][2].read_text()  # the retry, not a new connection, answered

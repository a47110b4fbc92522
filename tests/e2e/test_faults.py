"""Faults through the whole hotline: the action server killed in the middle of a conversation.
(PostgreSQL gone for 10 s: test_production.py; a worker killed mid-send: tests/bot/
test_worker_processes.py; Twilio down: bench/handoff.py and tests/bot/test_worker.py.)"""
import pytest

from bot.channels.twilio_sms import TROUBLE_REPLY
from bot.safety import EMERGENCY_REPLY
from tests.e2e.conftest import text

pytestmark = pytest.mark.e2e


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

"""Never silent, through the real path: signed webhooks, Rasa with the trained model, an action
server that hangs (SIGSTOP, as a process stuck on a lock or a slow database), the outbox. The
answer deadline is 2 s here so that the tests are quick; production's is 8 s."""
from __future__ import annotations

import os
import signal
import time
import uuid
from contextlib import contextmanager
from urllib.parse import parse_qs, urlsplit

import pytest

from bot.safety import EMERGENCY_REPLY
from tests.e2e.conftest import call, running_hotline, text

pytestmark = pytest.mark.e2e

DEADLINE = 2.0


@pytest.fixture(scope="module")
def hotline(trained_model, tmp_path_factory):
    with running_hotline(trained_model, tmp_path_factory.mktemp("never_silent"), HUB_ANSWER_DEADLINE=f"{DEADLINE:g}s") as running:
        yield running


def warm_up(hotline):
    """The first turns of a new server load the model's graphs (seconds, on Rasa's event loop,
    which no deadline can interrupt); the tests measure turns after them."""
    assert text(hotline, "+12065550170", "narcan near 98104")[0] == 200


@contextmanager
def action_server_hung(hotline):
    """The action server stops answering (its process frozen) for the block."""
    process = hotline.started["actions"][0]
    os.kill(process.pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(process.pid, signal.SIGCONT)


def timed_text(hotline, sender, body, sid=None):
    started = time.monotonic()
    status, replies = text(hotline, sender, body, sid=sid)
    return status, replies, time.monotonic() - started


def late_answers(hotline, number, expect=1, wait=60.0):
    deadline = time.monotonic() + wait
    while True:
        bodies = [m["body"] for m in hotline.outbox(number) if m["purpose"] == "late_answer"]
        if len(bodies) >= expect or time.monotonic() > deadline:
            return bodies
        time.sleep(0.5)


def test_a_stalled_turn_gets_the_holding_reply_in_time_and_its_answer_once_by_outbox(hotline):
    person, other = "+12065550171", "+12065550172"
    warm_up(hotline)
    with action_server_hung(hotline):
        status, replies, took = timed_text(hotline, person, "where can I get narcan near 98104")
        assert status == 200 and took < DEADLINE + 1
        assert len(replies) == 1 and replies[0].startswith("Got your message") and "911" in replies[0]
        # An overdose text meanwhile, from anyone, the same texter too: 911 at once.
        for sender in (other, person):
            status, replies, took = timed_text(hotline, sender, "my friend is not breathing")
            assert status == 200 and replies == [EMERGENCY_REPLY] and took < 1.0
        time.sleep(3)
    answers = late_answers(hotline, person)
    assert answers and answers[0].startswith("Naloxone (Narcan) near 98104:"), answers
    time.sleep(2)
    assert late_answers(hotline, person, expect=len(answers) + 1, wait=0) == answers  # once


def test_a_redelivered_overdose_text_gets_911_again(hotline):
    sid = "SM" + uuid.uuid4().hex
    first = text(hotline, "+12065550173", "she won't wake up", sid=sid)
    second = text(hotline, "+12065550173", "she won't wake up", sid=sid)
    assert first == second == (200, [EMERGENCY_REPLY])


def test_a_voice_turn_that_stalls_holds_the_line_and_the_call_goes_on(hotline):
    sid, caller = "CA" + uuid.uuid4().hex, "+13605550174"
    warm_up(hotline)
    status, root = call(hotline, hotline.voice_url, sid, caller)
    action = root.find("Gather").get("action")
    with action_server_hung(hotline):
        started = time.monotonic()
        status, root = call(hotline, action, sid, caller, SpeechResult="where can I get narcan near 98104")
        assert status == 200 and time.monotonic() - started < DEADLINE + 1
        assert [child.tag for child in root] == ["Say", "Redirect"]
        url = root.find("Redirect").text
        assert parse_qs(urlsplit(url).query)["step"] == ["wait"]
        status, root = call(hotline, url, sid, caller)  # still hung: held again, never silence
        assert status == 200 and root.find("Redirect") is not None
        url = root.find("Redirect").text
    for _ in range(6):
        status, root = call(hotline, url, sid, caller)
        assert status == 200 and root.find("Hangup") is None
        if root.find("Redirect") is None:
            break
        url = root.find("Redirect").text
    spoken = " ".join("".join(say.itertext()) for say in root.iter("Say"))
    assert "98104" in spoken or "Naloxone" in spoken, spoken
    assert root.find("Gather") is not None  # the call goes on

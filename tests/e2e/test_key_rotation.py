"""`hub keys rotate` on a running line, through the trained model, the action server and the
worker: after the restart the officer's referral works, the relay goes on, the number that texted
STOP gets nothing, and START works."""
import re
import time

import pytest
from dotenv import dotenv_values

from bot.handoff.inbound import START_REPLY, STOP_REPLY
from tests.conftest import TEST_ENV
from tests.e2e.conftest import alerted_for, running_hotline, text

pytestmark = pytest.mark.e2e

LEE, ANA, BEN, PERSON, STOPPER = "+12065550181", "+12065550111", "+12065550112", "+12065550142", "+12065550143"
COORDINATOR = "+12065550119"


def reference(replies):
    match = re.search(r"Referral received: (H-\d+)\.", replies[0])
    assert match, replies
    return match.group(1)


def restart(hotline, env_file):
    """What the operator does after `hub keys rotate`: the servers started again with the new keys."""
    hotline.env.update({name: value for name, value in dotenv_values(env_file).items() if name.startswith("HUB_")})
    for name in ("actions", "rasa"):
        with hotline.without(name):
            pass


def settled(hotline, number, count):
    """The number's outbox once the worker has dealt with its first `count` messages."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        messages = hotline.outbox(number)
        if len(messages) >= count and all(m["status"] not in ("pending", "sending") for m in messages):
            return messages
        time.sleep(0.5)
    raise AssertionError(f"the worker did not settle the messages to {number}: {hotline.outbox(number)}")


def test_rotating_the_key_keeps_the_line_working(trained_model, tmp_path):
    env_file = tmp_path / "hub.env"
    env_file.write_text(f"HUB_SECRET_KEY={TEST_ENV['HUB_SECRET_KEY']}\n")
    with running_hotline(trained_model, tmp_path, HUB_ENV_FILE=str(env_file)) as hotline:
        ref = reference(text(hotline, LEE, "Referral: consented, 206-555-0142, post OD, needs narcan")[1])
        assert text(hotline, ANA, f"ACCEPT {ref}")[1][0].startswith(f"You have {ref}.")
        assert text(hotline, STOPPER, "STOP")[1] == [STOP_REPLY]  # a number the line holds nowhere

        out = hotline.hub("keys", "rotate")
        assert "officers re-keyed: 2" in out and "handoffs re-keyed: 1" in out
        assert dotenv_values(env_file)["HUB_PREVIOUS_SECRET_KEYS"] == TEST_ENV["HUB_SECRET_KEY"]
        restart(hotline, env_file)

        # The officer's referral works: of the number that texted STOP, as it happens.
        stopped_ref = reference(text(hotline, LEE, "Referral: consented, 206-555-0143, at risk of overdose")[1])
        # The relay goes on, both ways.
        assert text(hotline, PERSON, "thanks, I'm at the library") == (200, [])
        assert any(m["body"] == f"{ref}: thanks, I'm at the library" for m in hotline.outbox(ANA))
        assert text(hotline, ANA, f"{ref} on my way, 10 minutes") == (200, [])
        # The STOP'd number gets nothing: the notice that a specialist took the referral is blocked.
        second = alerted_for(hotline, stopped_ref, [ANA, BEN, COORDINATOR])
        assert text(hotline, second, f"ACCEPT {stopped_ref}")[1][0].startswith(f"You have {stopped_ref}.")
        with hotline.worker():
            assert any("on my way" in m["body"] and m["status"] == "stored" for m in settled(hotline, PERSON, 2))
            assert [m["status"] for m in settled(hotline, STOPPER, 1)] == ["blocked"]
            # START works, and the specialist's next text reaches them.
            assert text(hotline, STOPPER, "START")[1] == [START_REPLY]
            assert text(hotline, second, f"{stopped_ref} hi, this is the hotline, back on text") == (200, [])
            messages = settled(hotline, STOPPER, 2)
        assert [(m["status"], "back on text" in m["body"]) for m in messages] == [("blocked", False), ("stored", True)]

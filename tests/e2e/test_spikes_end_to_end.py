"""A spike through the real path (issue 35): six overdose texts and two bad-batch reports from
98104, each from a different number, by signed SMS webhooks; `hub worker` finds the spike and
texts the coordinator, with no texter's number or words; the coordinator's SEND A-n, by SMS,
sends the draft; a subscriber gets it and a subscriber who texted STOP does not.

Detection runs in the worker with HUB_SPIKE_EVERY in seconds and HUB_SPIKE_MIN at 8, this test's
own count, so that the other end-to-end tests' overdose texts (their areas) make no spike."""
import re
import subprocess
import time

import pytest

from bot.safety import EMERGENCY_REPLY
from tests.e2e.conftest import BIN, PROJECT_ROOT, text

pytestmark = pytest.mark.e2e

COORDINATOR = "+12065550119"  # the e2e roster's (tests/e2e/conftest.py)
TEXTERS = [f"+1206555016{n}" for n in range(6)]
REPORTERS = ("+12065550166", "+12065550167")
SUBSCRIBER, STOPPED = "+12065550168", "+12065550169"
OVERDOSES = ["my friend is not breathing, 98104", "he wont wake up at 2nd and yesler 98104", "shes turning blue 98104",
             "someone od'ing outside the shelter 98104", "not breathing!! 98104 pioneer square", "guy passed out not breathing 98104"]


def worker_once(hotline) -> None:
    env = {**hotline.env, "HUB_SPIKE_EVERY": "1s", "HUB_SPIKE_MIN": "8"}
    done = subprocess.run([str(BIN / "hub"), "worker", "--once"], cwd=PROJECT_ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def spike_notice(hotline) -> str | None:
    return next((m["body"] for m in hotline.outbox(COORDINATOR) if m["body"].startswith("Possible spike near 98104")), None)


def test_a_spike_reaches_the_coordinator_and_send_sends_its_draft(hotline):
    assert text(hotline, SUBSCRIBER, "ALERTS 98104")[0] == 200
    assert text(hotline, STOPPED, "ALERTS 98104")[0] == 200
    assert text(hotline, STOPPED, "STOP")[0] == 200
    for number, words in zip(TEXTERS, OVERDOSES):
        status, replies = text(hotline, number, words)
        assert status == 200 and replies[0] == EMERGENCY_REPLY, words  # the 911 steps first, as always
    for number in REPORTERS:
        assert text(hotline, number, "REPORT pink fent going around pioneer square 98104, people dropping")[0] == 200

    deadline = time.monotonic() + 60  # the overdose signals are counted a second after each reply
    while (notice := spike_notice(hotline)) is None and time.monotonic() < deadline:
        worker_once(hotline)
        time.sleep(1)
    assert notice is not None, hotline.outbox(COORDINATOR)
    counts = re.match(r"Possible spike near 98104: (\d+) overdose texts or calls, (\d+) bad-batch reports in 24 h", notice)
    assert counts and int(counts.group(1)) >= 6 and int(counts.group(2)) >= 2
    for number in (*TEXTERS, *REPORTERS):
        assert number[-7:] not in notice and number[-4:] not in notice.replace("98104", "")
    for words in ("breathing", "wake", "blue", "pink", "shelter", "yesler"):
        assert words not in notice.lower()
    ref = re.search(r"Reply SEND (A-\d+) to send it to (\d+) subscribers? within 2 mi, or edit it on the console", notice).group(1)

    status, replies = text(hotline, COORDINATOR, f"SEND {ref}")
    assert status == 200 and len(replies) == 1 and replies[0].startswith(f"{ref} is going to ")
    [copy] = [m for m in hotline.outbox(SUBSCRIBER) if m["purpose"] == "area_alert"]
    assert copy["body"].startswith("Health Hub alert: More overdoses than usual near 98104")
    assert not [m for m in hotline.outbox(STOPPED) if m["purpose"] == "area_alert"]
    status, replies = text(hotline, COORDINATOR, f"SEND {ref}")
    assert replies[0].startswith(f"{ref} was sent already")
    spikes = hotline.hub("alerts", "spikes")
    assert "near 98104" in spikes and "; sent" in spikes

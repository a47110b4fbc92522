"""Follow-up check-ins through the real path: signed webhooks, Rasa, the action server, the
database, `hub worker` and the outbox, with the delay in seconds (HUB_FOLLOW_UP_AFTER=3s)."""
import json
import re
import subprocess
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.handoff.follow_up_texts import say
from tests.e2e.conftest import BIN, PROJECT_ROOT, alerted_for, running_hotline, text

pytestmark = pytest.mark.e2e

ANA, BEN = "+12065550111", "+12065550112"
QUESTION, CHECK_IN = say("question", "en"), say("check_in", "en")
DELAY = 3.5  # past HUB_FOLLOW_UP_AFTER


@pytest.fixture(scope="module")
def hotline(trained_model, tmp_path_factory):
    with running_hotline(trained_model, tmp_path_factory.mktemp("follow_up"), HUB_FOLLOW_UP_AFTER="3s",
                         HUB_FOLLOW_UP_AGAIN="", HUB_QUIET_HOURS="") as running:
        yield running


def consent_and_close(hotline, person, answer="YES", outcome="engaged"):
    """The person asks for someone, says yes, answers the check-in question; the specialist the
    alert went to accepts and closes the handoff. Returns its reference."""
    text(hotline, person, "narcan near 98104")
    status, replies = text(hotline, person, "can i talk to someone")
    assert "Is it OK for them to text you?" in replies[0], replies
    status, replies = text(hotline, person, "yes")
    ref = re.search(r"H-\d+", replies[0]).group(0)
    assert replies[1:] == [QUESTION], replies  # a separate question, right after the yes
    status, replies = text(hotline, person, answer)
    assert replies == [say("consent_yes" if answer == "YES" else "consent_no", "en")], replies
    specialist = alerted_for(hotline, ref, [ANA, BEN])
    assert text(hotline, specialist, f"ACCEPT {ref}")[1][0].startswith(f"You have {ref}.")
    assert text(hotline, specialist, f"DONE {ref} {outcome}")[1] == [f"Closed {ref} ({outcome}). Thank you."]
    return ref


def check_ins(hotline, person):
    return [m for m in hotline.outbox(person) if m["purpose"] == "follow_up"]


def workers_once(hotline, count=2):
    """`count` workers making one pass each at the same moment."""
    processes = [subprocess.Popen([str(BIN / "hub"), "worker", "--once"], cwd=PROJECT_ROOT, env=hotline.env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for _ in range(count)]
    for process in processes:
        _, errors = process.communicate(timeout=120)
        assert process.returncode == 0, errors


def refs(hotline):
    return {h["ref"] for h in json.loads(hotline.hub("handoffs", "--json"))["handoffs"]}


def test_sent_once_and_two_reopens_once(hotline):
    person = "+12065550160"
    ref = consent_and_close(hotline, person)
    # (Not before HUB_FOLLOW_UP_AFTER: the unit tests time that; here a `hub` command can take
    # longer than 3 s to start on a busy machine.)
    time.sleep(DELAY)
    workers_once(hotline)  # two workers at once
    workers_once(hotline)
    sent = check_ins(hotline, person)
    assert [m["body"] for m in sent] == [CHECK_IN] and sent[0]["status"] == "stored"

    before = refs(hotline)
    # "2 not yet" is asked whether a specialist may text them; only the yes opens a handoff.
    status, replies = text(hotline, person, "2", sid="SM" + "f" * 32)
    assert status == 200 and replies == [say("recontact_question", "en")], replies
    assert refs(hotline) == before
    status, replies = text(hotline, person, "yes", sid="SM" + "e" * 32)
    assert status == 200 and replies[0].startswith("Thanks. A harm reduction specialist will text you"), replies
    new_ref = re.search(r"H-\d+", replies[0]).group(0)
    assert new_ref != ref
    assert text(hotline, person, "yes", sid="SM" + "e" * 32)[0] == 200  # Twilio's retry of the same message
    status, replies = text(hotline, person, "2")  # another "2": the check-in is answered
    assert status == 200 and not any(re.search(r"H-\d+", reply) for reply in replies), replies
    assert refs(hotline) - before == {new_ref}
    assert any(new_ref in m["body"] and m["purpose"] == "alert" for m in hotline.outbox(ANA) + hotline.outbox(BEN))

    linkage = json.loads(hotline.hub("report", "--json"))["linkage"]
    assert linkage["check_ins"]["sent"] >= 1 and linkage["check_ins"]["reopened"] == 1 and linkage["re_contacts"] == 1
    assert "555" not in json.dumps(linkage)
    assert "re-contacts: 1" in hotline.hub("report")


def test_quiet_hours_defer_the_check_in(hotline):
    person = "+12065550161"
    consent_and_close(hotline, person)
    time.sleep(DELAY)
    here = datetime.now(ZoneInfo("America/Los_Angeles"))  # 98104's zone
    quiet = f"{(here - timedelta(hours=1)):%H:%M}-{(here + timedelta(hours=1)):%H:%M}"
    hotline.env["HUB_QUIET_HOURS"] = quiet
    try:
        workers_once(hotline, 1)
        assert check_ins(hotline, person) == []
        elsewhere = f"{(here + timedelta(hours=2)):%H:%M}-{(here + timedelta(hours=3)):%H:%M}"
        hotline.env["HUB_QUIET_HOURS"] = elsewhere
        workers_once(hotline, 1)
    finally:
        hotline.env["HUB_QUIET_HOURS"] = ""
    assert [m["body"] for m in check_ins(hotline, person)] == [CHECK_IN]  # deferred, not dropped


def test_stop_and_no_mean_no_check_in(hotline):
    stopped, declined = "+12065550162", "+12065550163"
    consent_and_close(hotline, stopped)
    assert text(hotline, stopped, "STOP")[0] == 200
    consent_and_close(hotline, declined, answer="NO")
    time.sleep(DELAY)
    workers_once(hotline, 1)
    assert check_ins(hotline, stopped) == [] and check_ins(hotline, declined) == []


def test_a_one_from_someone_who_got_no_check_in_goes_to_the_assistant(hotline):
    status, replies = text(hotline, "+12065550164", "1")
    assert status == 200 and replies and say("connected", "en") not in replies


def test_an_officers_referral_asks_the_person_in_the_first_text(hotline):
    person = "+12065550165"
    status, replies = text(hotline, "+12065550181", "Referral: consented, 206-555-0165, post OD, needs narcan, spanish")
    ref = re.search(r"Referral received: (H-\d+)\.", replies[0]).group(1)
    assert hotline.outbox(person) == []  # the officer's yes is to the handoff; the question is the person's
    assert text(hotline, ANA, f"ACCEPT {ref}")[1][0].startswith(f"You have {ref}.")
    first = hotline.outbox(person)
    assert len(first) == 1 and first[0]["body"].startswith("Hola, esta es la línea Health Hub.")
    assert first[0]["body"].endswith(say("question", "es"))
    assert text(hotline, person, "sí") == (200, [say("consent_yes", "es")])
    assert text(hotline, ANA, f"DONE {ref} reached")[1][0].startswith("Closed")
    time.sleep(DELAY)
    workers_once(hotline, 1)
    assert [m["body"] for m in check_ins(hotline, person)] == [say("check_in", "es")]
    assert text(hotline, person, "1") == (200, [say("connected", "es")])
    by_agency = json.loads(hotline.hub("report", "--json"))["linkage"]["by_agency"]
    assert by_agency["Seattle PD"]["connected"] == 1

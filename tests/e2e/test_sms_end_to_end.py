"""Text the hotline through the real path: signed webhook -> SMS channel -> Rasa -> action server
-> directory database -> TwiML reply."""
from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import uuid

import pytest

from bot.privacy import sender_key
from bot.safety import EMERGENCY_REPLY
from tests.conftest import PROJECT_ROOT, TEST_ENV
from tests.e2e.conftest import BIN, text

pytestmark = pytest.mark.e2e

def test_narcan_near_a_zip_answers_with_the_nearest_active_naloxone(hotline):
    status, replies = text(hotline, "+12065550142", "where can I get narcan near 98104")
    assert status == 200 and len(replies) == 1, replies
    reply = replies[0]
    lines = reply.splitlines()
    assert lines[0] == "Naloxone (Narcan) near 98104:"
    # The distance is measured from the ZIP's centroid, which the zipcodes package moves a little
    # between releases (0.2 mi with 1.x, 0.3 with 2.x): under half a mile either way.
    assert re.match(r"1\) Downtown Naloxone Vending Machine, 621 3rd Ave, Seattle - 0\.[1-4] mi - open 24 hours - \(206\) 555-0101",
                    lines[1]), lines[1]
    assert len(lines) == 5 and all(" mi - " in line and "(206) 555-01" in line for line in lines[1:4])
    assert lines[4] == "Reply MORE for more."
    assert all(len(line) <= 160 for line in lines)
    assert "Pop-Up" not in reply  # the inactive naloxone service 0.1 mi away

def test_the_place_carries_over_to_the_next_question(hotline):
    sender = "+12065550143"
    text(hotline, sender, "narcan near 98122")
    status, replies = text(hotline, sender, "what about needles")
    assert status == 200 and replies[0].startswith("Syringe services near 98122:")

def test_service_first_then_zip_when_asked(hotline):
    sender = "+12065550144"
    assert text(hotline, sender, "i need fent strips")[1] == ["What ZIP code are you near? I'll find the closest places."]
    status, replies = text(hotline, sender, "98122")
    assert status == 200 and replies[0].startswith("Fentanyl test strips near 98122:")

def test_an_unknown_zip_gets_a_plain_request_for_another(hotline):
    sender = "+12065550145"
    status, replies = text(hotline, sender, "narcan near 00000")
    assert status == 200
    assert replies[0] == "I couldn't find the ZIP code 00000. Please text a 5-digit ZIP code, for example 98104."
    assert replies[-1] == "What ZIP code are you near? I'll find the closest places."

def test_an_overdose_in_progress_gets_911_first(hotline):
    status, replies = text(hotline, "+12065550146", "my friend is not breathing")
    assert status == 200 and replies[0] == EMERGENCY_REPLY

def test_an_overdose_during_the_search_form_gets_911_first(hotline):
    sender = "+12065550147"
    text(hotline, sender, "i need syringes")
    status, replies = text(hotline, sender, "wait he's turning blue")
    assert status == 200 and replies[0] == EMERGENCY_REPLY

def test_a_duplicate_delivery_is_answered_once(hotline):
    sid = "SM" + uuid.uuid4().hex
    first = text(hotline, "+12065550148", "narcan 98104", sid=sid)
    second = text(hotline, "+12065550148", "narcan 98104", sid=sid)
    assert first[0] == second[0] == 200 and first[1] and second[1] == []

def test_a_forged_request_gets_403(hotline):
    assert text(hotline, "+12065550149", "narcan 98104", signature="forged")[0] == 403
    assert text(hotline, "+12065550149", "narcan 98104", signature=None)[0] == 403

def test_hub_sms_signs_and_prints_the_replies(hotline, monkeypatch):
    env = {**TEST_ENV, "HUB_DATABASE_URL": hotline.database_url, "PATH": str(BIN)}
    done = subprocess.run(
        [str(BIN / "hub"), "sms", "--from", "+12065550150", "--url", hotline.base_url, "--json", "narcan near 98104"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    replies = json.loads(done.stdout)["replies"]
    assert replies[0].startswith("Naloxone (Narcan) near 98104:")

# The tests' fictional numbers however written (+12065550142, 206-555-0142, (253) 555 0107), and not
# the digits of a float such as 5.555014948841725e-18.
PHONE_NUMBER = re.compile(r"(?<![\w.])(?:\+?1)?[-. (]*\d{3}[-. )]*555[-. ]*01\d\d(?!\w)")


def _digits(number: str) -> str:
    return re.sub(r"\D", "", number)[-10:]


def test_the_tracker_store_holds_hmac_keys_and_no_phone_number(hotline):
    text(hotline, "+12065550151", "hi")
    with sqlite3.connect(hotline.tracker_db) as db:
        senders = {row[0] for row in db.execute("SELECT DISTINCT sender_id FROM events")}
        events = list(db.execute("SELECT type_name, data FROM events"))
    with sqlite3.connect(hotline.database_url.removeprefix("sqlite:///")) as db:
        public = {_digits(number) for (number,) in db.execute("SELECT number FROM phone")} | {_digits(TEST_ENV["HUB_PHONE_NUMBER"])}
    assert sender_key("+12065550151", TEST_ENV["HUB_SECRET_KEY"]) in senders
    assert all(s.startswith("h") and len(s) == 41 for s in senders)
    # Every conversation of the run so far is in there, officers' referrals that name the person's
    # number included: what people said and every slot hold no number at all, and the bot's own
    # messages name only the directory's places and the hotline.
    assert PHONE_NUMBER.findall(" ".join(data for kind, data in events if kind != "bot")) == []
    assert {_digits(n) for n in PHONE_NUMBER.findall(" ".join(data for kind, data in events if kind == "bot"))} <= public
    for log in hotline.logs:
        assert {_digits(n) for n in PHONE_NUMBER.findall(log.read_text())} <= public, log

"""Bad input through the whole hotline (signed webhook, Rasa, actions, database): forged and
missing signatures, replays, oversized and empty bodies, invalid UTF-8, SQL metacharacters, MMS
with no text, control characters, and the carrier keywords in English and Spanish. Every answer is
a correct status with a plain reply, never a 5xx, and nothing is half-written."""
from __future__ import annotations

import sqlite3
import uuid
from urllib.parse import urlencode
from xml.etree import ElementTree

import pytest
import requests
from twilio.request_validator import RequestValidator

from bot.channels.twilio_sms import EMPTY_BODY_REPLY
from bot.handoff.inbound import KEYWORD_REPLIES
from tests.conftest import TEST_ENV
from tests.e2e.conftest import text

pytestmark = pytest.mark.e2e

SIGNED_URL = TEST_ENV["HUB_PUBLIC_URL"] + "/webhooks/twilio_sms/webhook"


def params(sender: str, body: str, **extra) -> dict:
    sid = "SM" + uuid.uuid4().hex
    return {"MessageSid": sid, "SmsSid": sid, "AccountSid": "AC" + "0" * 32, "From": sender,
            "To": TEST_ENV["HUB_PHONE_NUMBER"], "Body": body, "NumMedia": "0", "ApiVersion": "2010-04-01", **extra}


def signature(fields: dict, url: str = SIGNED_URL, token: str = TEST_ENV["TWILIO_AUTH_TOKEN"]) -> str:
    return RequestValidator(token).compute_signature(url, fields)


def post(hotline, data, headers) -> tuple[int, list[str] | None]:
    reply = requests.post(hotline.webhook_url, data=data, headers=headers, timeout=60)
    replies = [m.text or "" for m in ElementTree.fromstring(reply.text).iter("Message")] if reply.status_code == 200 else None
    return reply.status_code, replies


def table_counts(hotline) -> dict[str, int]:
    with sqlite3.connect(hotline.database_url.removeprefix("sqlite:///")) as db:
        tables = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {table: db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables}


@pytest.mark.parametrize("how", ["missing", "empty", "forged", "another token", "another URL", "a changed body"])
def test_unsigned_or_forged_requests_get_403(hotline, how):
    fields = params("+14255550190", "narcan 98104")
    headers = {
        "missing": {},
        "empty": {"X-Twilio-Signature": ""},
        "forged": {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"},
        "another token": {"X-Twilio-Signature": signature(fields, token="another-auth-token-0123456789")},
        "another URL": {"X-Twilio-Signature": signature(fields, url="https://evil.example.org/webhooks/twilio_sms/webhook")},
        "a changed body": {"X-Twilio-Signature": signature({**fields, "Body": "hi"})},
    }[how]
    assert post(hotline, fields, headers) == (403, None)


def test_a_replayed_request_is_answered_once(hotline):
    fields = params("+14255550191", "narcan 98104")
    headers = {"X-Twilio-Signature": signature(fields)}
    status, first = post(hotline, fields, headers)
    assert status == 200 and first[0].startswith("Naloxone (Narcan) near 98104:")
    assert post(hotline, fields, headers) == (200, [])
    assert post(hotline, fields, headers) == (200, [])


@pytest.mark.parametrize("body", [
    "narcan 98104 " + "please " * 226,  # 1,600 characters with the request up front
    "x" * 5000,  # far over Twilio's limit: cut, still answered
    "'; DROP TABLE handoff; --",
    "narcan' OR '1'='1 near 98104",
    "robert'); DELETE FROM outbox_message WHERE ('1'='1",
    "%s %d {} {{slot}} ${HUB_SECRET_KEY} \\x00",
    "🙏🙏🙏",
    "narcan\u202e 98104 \u200b\u200d",
    "<Response><Message>pwned</Message></Response>",
    "narcan\x00\x07 98104",
])
def test_hostile_or_odd_bodies_get_a_plain_reply_and_write_nothing_stray(hotline, body):
    before = table_counts(hotline)
    status, replies = text(hotline, "+14255550192", body)
    assert status == 200 and replies and all(reply.strip() for reply in replies), replies
    assert not any("pwned" == reply or "Traceback" in reply for reply in replies)
    after = table_counts(hotline)
    # Only the message's own row (inbound_message) may be new, and, where the answer was a list of
    # places, the list remembered for "WRONG n" (listing_shown, one row per texter); no table lost a row.
    changed = {t: n for t, n in after.items() if n != before[t]}
    assert changed.pop("listing_shown", before["listing_shown"]) in (before["listing_shown"], before["listing_shown"] + 1)
    assert changed == {"inbound_message": before["inbound_message"] + 1}


def test_an_mms_with_no_text_gets_a_plain_answer(hotline):
    fields = params("+14255550193", "", NumMedia="1", MediaUrl0="https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM0/Media/ME0",
                    MediaContentType0="image/jpeg")
    assert post(hotline, fields, {"X-Twilio-Signature": signature(fields)}) == (200, [EMPTY_BODY_REPLY])


def test_invalid_utf8_is_read_with_replacement_characters(hotline):
    # Twilio sends UTF-8; bytes that are not are read as U+FFFD, and the signature over what was read must hold.
    fields = params("+14255550194", "narc\ufffd\ufffdan 98104")
    raw = urlencode(fields).replace("narc%EF%BF%BD%EF%BF%BDan", "narc%FF%FEan")
    headers = {"X-Twilio-Signature": signature(fields), "Content-Type": "application/x-www-form-urlencoded"}
    status, replies = post(hotline, raw.encode(), headers)
    assert status == 200 and replies and replies[0].strip()


def test_a_request_without_its_sid_or_sender_is_a_bad_request(hotline):
    for missing in ("MessageSid", "From"):
        fields = params("+14255550195", "narcan 98104")
        fields.pop(missing)
        fields.pop("SmsSid") if missing == "MessageSid" else None
        assert post(hotline, fields, {"X-Twilio-Signature": signature(fields)}) == (400, None)


@pytest.mark.parametrize("sender, word, reply", [
    ("+14255550196", "STOP", KEYWORD_REPLIES["stop", "en"]),
    ("+14255550196", "start", KEYWORD_REPLIES["start", "en"]),
    ("+14255550196", "Help", KEYWORD_REPLIES["help", "en"]),
    ("+14255550197", "ALTO", KEYWORD_REPLIES["stop", "es"]),
    ("+14255550197", "Iniciar", KEYWORD_REPLIES["start", "es"]),
    ("+14255550197", "ayuda", KEYWORD_REPLIES["help", "es"]),
])
def test_carrier_keywords_in_english_and_spanish(hotline, sender, word, reply):
    assert text(hotline, sender, word) == (200, [reply])

"""The simulator channel over real HTTP: the page and its endpoints served by Sanic beside the
SMS channel, Rasa replaced by a stand-in. Every message must pass the SMS webhook's own checks."""
from __future__ import annotations

import pytest
import requests
from sqlalchemy import select

from bot.channels import simulator
from bot.config import ConfigError, get_settings
from bot.db import session_scope
from bot.db.models import InboundMessage
from bot.privacy import sender_key
from tests.bot.channels.conftest import FORWARD
from tests.bot.handoff.conftest import add
from tests.bot.handoff.test_engine import open_handoff
from tests.conftest import TEST_ENV


class FakeRasa:
    """Stands in for Rasa's message handler: records messages, answers with one canned reply."""

    def __init__(self):
        self.received = []

    async def __call__(self, message):
        self.received.append(message)
        await message.output_channel.send_text_message(message.sender_id, f"you said: {message.text}")


@pytest.fixture
def rasa(channels_base_url, migrated_db):
    FORWARD.current = FakeRasa()
    return FORWARD.current


@pytest.fixture
def base_url(channels_base_url):
    return channels_base_url + "/webhooks/simulator/"


def production(monkeypatch, simulator_setting="auto"):
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC" + "1" * 32)
    monkeypatch.setenv("HUB_TRANSPORT", "twilio")
    monkeypatch.setenv("HUB_SIMULATOR", simulator_setting)
    get_settings.cache_clear()


def inbound_sids():
    with session_scope() as session:
        return [row.message_sid for row in session.scalars(select(InboundMessage).where(InboundMessage.channel == "twilio_sms"))]


def send(base_url, payload, **kwargs):
    return requests.post(base_url + "send", json=payload, timeout=30, **kwargs)


# --- when it serves ---------------------------------------------------------------------------

@pytest.mark.parametrize("account_sid, transport, setting, enabled", [
    ("", "outbox", "auto", True),  # a local machine: no Twilio account
    ("AC" + "1" * 32, "twilio", "auto", False),  # production
    ("", "twilio", "auto", False),
    ("AC" + "1" * 32, "twilio", "on", True),  # a staging server that asks for it
    ("", "outbox", "off", False),
    ("", "outbox", "ON", True),
])
def test_the_setting(monkeypatch, account_sid, transport, setting, enabled):
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", account_sid)
    monkeypatch.setenv("HUB_TRANSPORT", transport)
    monkeypatch.setenv("HUB_SIMULATOR", setting)
    get_settings.cache_clear()
    assert get_settings().simulator_enabled is enabled


def test_an_unknown_setting_is_a_configuration_error(monkeypatch):
    monkeypatch.setenv("HUB_SIMULATOR", "yes")
    get_settings.cache_clear()
    with pytest.raises(ConfigError, match="HUB_SIMULATOR must be 'auto', 'on' or 'off'"):
        get_settings()


@pytest.mark.parametrize("setting", ["auto", "off"])
def test_every_route_is_404_with_production_settings(base_url, rasa, monkeypatch, setting):
    production(monkeypatch, setting)
    for path in ["", "simulator.js", "simulator.css", "hotline", "phone?number=%2B12065550142"]:
        assert requests.get(base_url + path, timeout=10).status_code == 404, path
    assert send(base_url, {"from": "+12065550142", "text": "hi"}).status_code == 404
    assert rasa.received == [] and inbound_sids() == []


def test_off_is_404_without_twilio_too(base_url, rasa, monkeypatch):
    monkeypatch.setenv("HUB_SIMULATOR", "off")
    get_settings.cache_clear()
    assert requests.get(base_url, timeout=10).status_code == 404
    assert send(base_url, {"from": "+12065550142", "text": "hi"}).status_code == 404
    assert rasa.received == []


# --- the page -----------------------------------------------------------------------------------

def test_the_page_and_its_files(base_url, rasa):
    page = requests.get(base_url, timeout=10)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert '<script src="simulator.js" defer></script>' in page.text and "<label for=\"text-officer\">" in page.text
    assert requests.get(base_url + "simulator.js", timeout=10).headers["Content-Type"].startswith("text/javascript")
    assert requests.get(base_url + "simulator.css", timeout=10).headers["Content-Type"].startswith("text/css")
    without_slash = requests.get(base_url.rstrip("/"), timeout=10, allow_redirects=False)
    assert without_slash.status_code in (301, 302) and without_slash.headers["Location"] == "/webhooks/simulator/"
    for path in ["simulator.py", "index.htm", "..%2Fsimulator.py", "%2E%2E/twilio_sms.py"]:
        assert requests.get(base_url + path, timeout=10).status_code == 404, path
    assert requests.get(base_url + "hotline", timeout=10).json() == {"hotline_number": TEST_ENV["HUB_PHONE_NUMBER"], "transport": "outbox"}


# --- sending ------------------------------------------------------------------------------------

def test_a_message_goes_through_the_signed_sms_webhook(base_url, rasa):
    answer = send(base_url, {"from": "(206) 555-0142", "text": "narcan near 98104"})
    assert answer.status_code == 200
    assert answer.json() == {"from": "+12065550142", "replies": ["you said: narcan near 98104"]}
    (message,) = rasa.received
    assert message.input_channel == "twilio_sms"  # the SMS channel, not a side door
    assert message.sender_id == sender_key("+12065550142", TEST_ENV["HUB_SECRET_KEY"])
    assert inbound_sids() == [message.message_id]  # recorded by the webhook's duplicate check


def test_fields_beyond_from_and_text_change_nothing(base_url, rasa):
    forged = {"from": "+12065550142", "text": "hi", "MessageSid": "SMforged", "To": "+12065550199",
              "signature": "forged", "url": "http://127.0.0.1:9/webhooks/twilio_sms/webhook"}
    answer = send(base_url, forged, headers={"Host": "attacker.example:9"})
    assert answer.status_code == 200 and answer.json()["replies"] == ["you said: hi"]
    (message,) = rasa.received
    assert message.message_id != "SMforged" and message.message_id.startswith("SM")
    assert inbound_sids() == [message.message_id]


def test_a_bad_signature_is_refused_by_the_webhook_not_waved_through(base_url, rasa, monkeypatch):
    signed = simulator.signed_sms_request

    def tampered(*args, **kwargs):
        params, signature = signed(*args, **kwargs)
        return params, signature[::-1]

    monkeypatch.setattr(simulator, "signed_sms_request", tampered)
    answer = send(base_url, {"from": "+12065550142", "text": "hi"})
    assert answer.status_code == 502 and "HTTP 403" in answer.json()["error"]
    assert rasa.received == [] and inbound_sids() == []


def test_posts_from_another_site_are_refused(base_url, rasa):
    form = requests.post(base_url + "send", data={"from": "+12065550142", "text": "hi"}, timeout=10)
    assert form.status_code == 415
    other_site = send(base_url, {"from": "+12065550142", "text": "hi"}, headers={"Origin": "http://attacker.example"})
    assert other_site.status_code == 403
    same_site = send(base_url, {"from": "+12065550142", "text": "hi"}, headers={"Origin": base_url.split("/webhooks")[0]})
    assert same_site.status_code == 200
    assert len(rasa.received) == 1


@pytest.mark.parametrize("payload, error", [
    ({"from": "not a number", "text": "hi"}, "from:"),
    ({"text": "hi"}, "from: a phone number is needed"),
    ({"from": "+12065550142"}, "text: up to 1600 characters"),
    ({"from": "+12065550142", "text": "x" * 1601}, "text: up to 1600 characters"),
    (["+12065550142", "hi"], "from: a phone number is needed"),
])
def test_bad_input_is_refused_with_the_reason(base_url, rasa, payload, error):
    answer = send(base_url, payload)
    assert answer.status_code == 400 and answer.json()["error"].startswith(error)
    assert rasa.received == []


# --- what each phone shows ----------------------------------------------------------------------

def test_a_phone_shows_its_role_handoffs_and_delivered_messages(base_url, rasa):
    add("Ana", "+12065550111", zips="98104,98122", languages="en,es")
    first = requests.get(base_url + "phone", params={"number": "+12065550111"}, timeout=10).json()
    assert first == {"number": "+12065550111", "role": "specialist", "name": "Ana", "agency": None,
                     "handoffs": [], "messages": [], "after": 0}
    ref = open_handoff(number="+12065550142")
    waiting = requests.get(base_url + "phone", params={"number": "+12065550111", "after": 0}, timeout=10).json()
    assert waiting["handoffs"] == [{"ref": ref, "state": "alerted", "outcome": None}]
    assert waiting["messages"] == [] and waiting["after"] == 0  # the alert waits for the worker
    from bot.notify.transports import OutboxTransport
    from bot.worker import deliver_due

    deliver_due(OutboxTransport())
    delivered = requests.get(base_url + "phone", params={"number": "(206) 555-0111", "after": 0}, timeout=10).json()
    (alert,) = delivered["messages"]
    assert alert["purpose"] == "alert" and alert["status"] == "stored" and ref in alert["body"]
    assert delivered["after"] == alert["id"]
    person = requests.get(base_url + "phone", params={"number": "+12065550142"}, timeout=10).json()
    assert person["role"] == "community" and [h["ref"] for h in person["handoffs"]] == [ref]


def test_a_phone_needs_a_number_and_a_numeric_cursor(base_url, rasa):
    assert requests.get(base_url + "phone", timeout=10).status_code == 400
    assert requests.get(base_url + "phone", params={"number": "+12065550111", "after": "-1"}, timeout=10).status_code == 400

"""Call control at Twilio: the requests are ones Twilio's own API description accepts (Prism), and
Twilio's refusals and outages come back as CallControlError without the number dialled."""
from __future__ import annotations

import pytest

from bot.channels.call_control import CallControlError, TwilioCallControl, call_control_for
from bot.config import get_settings
from bot.notify.transports import twilio_client
from tests.bot.notify.twilio_double import TwilioDouble
from tests.conftest import TWILIO_ACCOUNT

PERSON, HOTLINE = "+12065550147", "+12065550100"
ASK = "https://hotline.example.org/webhooks/twilio_voice/introduce?ref=H-1234&leg=CA1&step=ask"
STATUS = "https://hotline.example.org/webhooks/twilio_voice/introduce?ref=H-1234&step=status"
ROOM = "https://hotline.example.org/webhooks/twilio_voice/introduce?ref=H-1234&step=room"


def test_placing_and_redirecting_are_requests_twilio_accepts(twilio_mock):
    control = TwilioCallControl(twilio_client(TWILIO_ACCOUNT, "token", twilio_mock))
    assert control.place(PERSON, HOTLINE, ASK, STATUS).startswith("CA")
    control.redirect("CA" + "1" * 32, ROOM)


def test_the_call_carries_its_callbacks_and_the_redirect_its_url():
    with TwilioDouble() as double:
        control = TwilioCallControl(twilio_client(TWILIO_ACCOUNT, "token", double.url))
        sid = control.place(PERSON, HOTLINE, ASK, STATUS)
        (placed,) = double.calls
        assert placed == {"sid": sid, "to": PERSON, "from": HOTLINE, "url": ASK, "status_callback": STATUS, "timeout": "25",
                          "machine_detection": "Enable"}  # a voicemail is never told who asked
        control.redirect("CA" + "2" * 32, ROOM)
        assert double.redirects == [{"sid": "CA" + "2" * 32, "url": ROOM}]


def test_a_leg_that_has_ended_and_a_twilio_outage_are_call_control_errors_without_numbers():
    with TwilioDouble() as double:
        control = TwilioCallControl(twilio_client(TWILIO_ACCOUNT, "token", double.url))
        double.ended.add("CA" + "3" * 32)
        with pytest.raises(CallControlError, match="400 21220"):
            control.redirect("CA" + "3" * 32, ROOM)
        double.down = True
        with pytest.raises(CallControlError, match="503") as refused:
            control.place(PERSON, HOTLINE, ASK, STATUS)
        assert "555" not in str(refused.value)
    unreachable = TwilioCallControl(twilio_client(TWILIO_ACCOUNT, "token", "http://127.0.0.1:9"))
    with pytest.raises(CallControlError, match="unreachable"):
        unreachable.place(PERSON, HOTLINE, ASK, STATUS)


def test_there_is_call_control_only_with_a_twilio_account(monkeypatch):
    assert call_control_for(get_settings()) is None  # the tests' settings: outbox, no account
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", TWILIO_ACCOUNT)
    get_settings.cache_clear()
    assert isinstance(call_control_for(get_settings()), TwilioCallControl)

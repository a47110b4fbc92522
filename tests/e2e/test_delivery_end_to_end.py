"""Delivery through the real path: a signed SMS asks for a person, `hub worker` sends the alert
through the real `twilio` client to the recording double of Twilio, Twilio's signed receipt comes
back to the Rasa server's twilio_status channel (credentials.yml), and the operator sees it all."""
import json
import subprocess
from urllib.parse import urlsplit

import pytest
import requests
from twilio.request_validator import RequestValidator

from tests.bot.notify.twilio_double import TwilioDouble
from tests.conftest import TEST_ENV, TWILIO_ACCOUNT
from tests.e2e.conftest import BIN, PROJECT_ROOT, running_hotline
from tests.e2e.test_handoff_end_to_end import ask_for_a_person

pytestmark = pytest.mark.e2e


def test_an_undelivered_alert_goes_to_the_next_specialist_and_the_operator_sees_it(trained_model, tmp_path):
    with TwilioDouble() as twilio, running_hotline(
            trained_model, tmp_path, TWILIO_ACCOUNT_SID=TWILIO_ACCOUNT, TWILIO_API_BASE_URL=twilio.url,
            HUB_TRANSPORT="twilio", HUB_SIMULATOR="off", HUB_ESCALATE_AFTER="10m") as hotline:
        ref, _ = ask_for_a_person(hotline, "+12065550171")
        hotline.hub("worker", "--once")
        (alert,) = [m for m in twilio.messages if ref in m["body"]]
        params = {"MessageSid": alert["sid"], "SmsSid": alert["sid"], "MessageStatus": "undelivered", "SmsStatus": "undelivered",
                  "ErrorCode": "30003", "AccountSid": TWILIO_ACCOUNT, "From": alert["from"], "To": alert["to"],
                  "ApiVersion": "2010-04-01"}
        signature = RequestValidator(TEST_ENV["TWILIO_AUTH_TOKEN"]).compute_signature(alert["status_callback"], params)
        callback = urlsplit(alert["status_callback"])
        reply = requests.post(f"{hotline.base_url}{callback.path}?{callback.query}", data=params,
                              headers={"X-Twilio-Signature": signature}, timeout=30)
        assert reply.status_code == 204
        # Re-offered at once (the escalation deadline is 10 minutes away): the other specialist's alert.
        hotline.hub("worker", "--once")
        alerts = [m for m in twilio.messages if ref in m["body"]]
        assert len(alerts) == 2 and alerts[1]["to"] != alert["to"] and alerts[1]["status_callback"]
        shown = [m for m in hotline.outbox(alert["to"]) if ref in m["body"]]
        assert (shown[0]["delivery"], shown[0]["delivery_error_code"]) == ("undelivered", "30003")
        status = subprocess.run([str(BIN / "hub"), "status", "--json"], cwd=PROJECT_ROOT, env=hotline.env,
                                capture_output=True, text=True, timeout=120)
        report = json.loads(status.stdout)
        assert status.returncode == 1 and report["outbox"]["undelivered_last_24h"] == 1

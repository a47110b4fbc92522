"""Drug-supply alerts through the real path: texters subscribe by signed SMS webhooks, the
coordinator sends with `hub alerts send`, the outbox holds one copy per subscriber in their
language, `hub worker` delivers it, and a report of a bad batch reaches `hub alerts reports`
without the number, after the 911 steps when someone is overdosing now."""
import json
import time
import uuid

import pytest

from bot.alerts.texts import PHRASES, SAFETY_TIPS
from bot.safety import EMERGENCY_REPLY
from tests.e2e.conftest import text

pytestmark = pytest.mark.e2e

ENGLISH_TEXT = "Blue M30 pills much stronger than usual downtown. Test first, don't use alone, carry naloxone."
SPANISH_TEXT = "Pastillas azules M30 mucho mas fuertes en el centro. Usa tiras de prueba y no uses a solas."
EN, ES, OFF, STOPPED, FAR = "+12065550151", "+12065550152", "+12065550153", "+12065550154", "+12065550155"
REPORTER = "+12065550156"
OFFICERS = ("+12065550181", "+12065550182")


def area_alerts(hotline, number):
    return [m for m in hotline.outbox(number) if m["purpose"] == "area_alert"]


def test_subscribe_by_sms_send_by_cli_and_see_the_outbox(hotline):
    assert text(hotline, EN, "ALERTS 98104") == (200, [PHRASES["en"]["subscribed"].format(area="98104")])
    assert text(hotline, ES, "alertas capitol hill") == (200, [PHRASES["es"]["subscribed"].format(area="Capitol Hill")])
    text(hotline, OFF, "ALERTS 98104")
    assert text(hotline, OFF, "ALERTS OFF") == (200, [PHRASES["en"]["unsubscribed"]])
    text(hotline, STOPPED, "ALERTS belltown")
    assert text(hotline, STOPPED, "STOP")[0] == 200
    assert text(hotline, FAR, "ALERTS spokane") == (200, [PHRASES["en"]["subscribed"].format(area="Spokane, WA")])
    # Bad input, answered by the hotline and subscribing nobody.
    assert text(hotline, "+12065550157", "ALERTS 00000") == (200, [PHRASES["en"]["unknown_zip"].format(zip="00000")])
    assert text(hotline, "+12065550157", "ALERTS 98104", signature="forged")[0] == 403
    sid = f"SM{uuid.uuid4().hex}"
    assert text(hotline, "+12065550158", "ALERTS 98104", sid=sid)[0] == 200
    assert text(hotline, "+12065550158", "ALERTS 98104", sid=sid) == (200, [])  # a redelivery: once

    out = hotline.hub("alerts", "send", "--near", "98104", "--radius-miles", "5", "--text", ENGLISH_TEXT,
                      "--text-es", SPANISH_TEXT, "--yes")
    assert "this alert reaches 3 subscriber(s) within 5 miles of 98104 (en 2, es 1)" in out
    assert [m["body"] for m in area_alerts(hotline, EN)] == [f"Health Hub alert: {ENGLISH_TEXT}"]
    assert [m["body"] for m in area_alerts(hotline, ES)] == [f"Alerta de Health Hub: {SPANISH_TEXT}"]
    assert len(area_alerts(hotline, "+12065550158")) == 1
    for number in (OFF, STOPPED, FAR, "+12065550157"):
        assert area_alerts(hotline, number) == [], number

    hotline.hub("worker", "--once")
    [listed] = json.loads(hotline.hub("alerts", "list", "--json"))["alerts"]
    assert listed["recipients"] == 3 and listed["outbox"] == {"waiting": 0, "sent": 3, "blocked": 0, "failed": 0}


def test_a_report_reaches_the_coordinator_without_the_number_and_911_comes_first(hotline):
    status, replies = text(hotline, REPORTER, "REPORT blue pills going around belltown, my friend took one and is not breathing")
    assert status == 200 and replies == [EMERGENCY_REPLY]  # the fast path: the 911 steps at once
    thanks = PHRASES["en"]["report_thanks"] + SAFETY_TIPS["en"]
    deadline = time.monotonic() + 30
    while not any(m["body"] == thanks for m in hotline.outbox(REPORTER)) and time.monotonic() < deadline:
        time.sleep(0.25)
    assert [m["body"] for m in hotline.outbox(REPORTER)] == [thanks]  # then the thanks and tips, once
    reports = json.loads(hotline.hub("alerts", "reports", "--json"))["reports"]
    mine = [r for r in reports if "my friend took one" in r["words"]]
    assert len(mine) == 1 and mine[0]["area"] == "Belltown"
    shown = hotline.hub("alerts", "reports", "--json") + hotline.hub("alerts", "reports")
    assert "5550156" not in shown and "206-555" not in shown
    for officer in OFFICERS:
        assert not any("blue pills" in m["body"] for m in hotline.outbox(officer))

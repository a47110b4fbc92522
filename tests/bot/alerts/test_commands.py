"""`hub alerts send|list|reports` as the coordinator types them: counts, the question before
sending, clear refusals that exit non-zero."""
import json

import pytest
from sqlalchemy import func, select

from bot.alerts.subscriptions import subscribe, unsubscribe
from bot.cli import main
from bot.db import session_scope
from bot.db.models import AreaAlert, OutboxMessage
from bot.directory.geo import lookup_zip
from bot.handoff.inbound import route

TEXT = "Blue M30 pills much stronger than usual. Test first, don't use alone, carry naloxone."
TEXT_ES = "Pastillas azules M30 mucho mas fuertes. Prueba primero y no uses a solas."


def sign_up(index, zip_code="98104", language="en"):
    with session_scope() as session:
        subscribe(session, f"h{index:040d}", f"+1206555{100 + index:04d}", lookup_zip(zip_code), language)


def send(*extra, near="98104", radius="5", text=TEXT):
    return main(["alerts", "send", "--near", near, "--radius-miles", radius, "--text", text, *extra])


def outbox_count():
    with session_scope() as session:
        return session.scalar(select(func.count()).select_from(OutboxMessage))


def answer(monkeypatch, reply):
    def prompt(question):
        assert question == "Send it? [y/N] "
        if reply is EOFError:
            raise EOFError
        return reply
    monkeypatch.setattr("builtins.input", prompt)


def test_send_shows_the_reach_and_asks_first(demo_db, capsys, monkeypatch):
    sign_up(1)
    sign_up(2, language="es")
    sign_up(3, zip_code="99201")
    answer(monkeypatch, "y")
    assert send("--text-es", TEXT_ES) == 0
    out = capsys.readouterr().out
    assert "this alert reaches 2 subscriber(s) within 5 miles of 98104 (en 1, es 1)" in out
    assert f"es: Alerta de Health Hub: {TEXT_ES}" in out and "alert #1 queued for 2 subscriber(s)" in out
    assert outbox_count() == 2


@pytest.mark.parametrize("reply", ["n", "", "nope", EOFError])
def test_anything_but_yes_sends_nothing(demo_db, capsys, monkeypatch, reply):
    sign_up(1)
    answer(monkeypatch, reply)
    assert send() == 1
    assert "nothing was sent" in capsys.readouterr().out and outbox_count() == 0


def test_yes_sends_without_asking_and_says_who_reads_the_english_text(demo_db, capsys, monkeypatch):
    sign_up(1, language="es")
    monkeypatch.setattr("builtins.input", lambda _: pytest.fail("asked despite --yes"))
    assert send("--yes") == 0
    assert "1 of them read Spanish and get the English text: add --text-es" in capsys.readouterr().out
    assert outbox_count() == 1


def test_near_takes_a_neighbourhood_the_directory_knows(demo_db, capsys):
    sign_up(1, zip_code="98121")
    assert send("--yes", near="belltown", radius="1") == 0
    assert "within 1 miles of Belltown" in capsys.readouterr().out and outbox_count() == 1


def test_no_subscriber_in_reach_sends_nothing(demo_db, capsys):
    sign_up(1, zip_code="99201")
    assert send("--yes") == 0
    assert "no subscriber is within 5 miles of 98104: nothing was sent" in capsys.readouterr().out
    with session_scope() as session:
        assert session.scalar(select(AreaAlert)) is None


def test_unsubscribed_and_stopped_numbers_are_not_sent_to(demo_db, capsys):
    for index in range(3):
        sign_up(index)
    with session_scope() as session:
        unsubscribe(session, f"h{0:040d}")
        route(session, "+12065550101", f"h{1:040d}", "STOP")
    assert send("--yes") == 0
    with session_scope() as session:
        assert list(session.scalars(select(OutboxMessage.to_number))) == ["+12065550102"]


@pytest.mark.parametrize("args, message", [
    (dict(radius="0"), "--radius-miles must be between 0.1 and 100 miles, not 0"),
    (dict(radius="500"), "--radius-miles must be between 0.1 and 100 miles, not 500"),
    (dict(radius="five"), "--radius-miles must be a number of miles between 0.1 and 100, not 'five'"),
    (dict(radius="nan"), "--radius-miles must be between 0.1 and 100 miles, not nan"),
    (dict(near="00000"), "--near 00000 is not a known US ZIP code"),
    (dict(near="blahville"), "--near 'blahville' is neither a US ZIP code nor a city or neighbourhood"),
    (dict(near=""), "--near '' is neither"),
    (dict(text=""), "--text is empty"),
    (dict(text="   "), "--text is empty"),
    (dict(text="x" * 1600), "--text does not fit one SMS: with the prefix 'Health Hub alert:' the alert is 1618 characters"),
    (dict(text="🔥" * 40), "it has '🔥', which SMS sends in its 70-character alphabet"),
])
def test_bad_input_is_refused_clearly_and_exits_2(demo_db, capsys, args, message):
    sign_up(1)
    assert send("--yes", **args) == 2
    err = capsys.readouterr().err
    assert err.startswith("hub: ") and message in err
    assert outbox_count() == 0


def test_a_spanish_text_too_long_is_refused(demo_db, capsys):
    assert send("--yes", "--text-es", "más " * 30) == 2
    assert "--text-es does not fit one SMS" in capsys.readouterr().err


def test_the_same_alert_twice_needs_again(demo_db, capsys):
    sign_up(1)
    assert send("--yes") == 0
    assert send("--yes") == 1
    assert "the same alert went to 98104" in capsys.readouterr().err and outbox_count() == 1
    assert send("--yes", "--again") == 0
    assert outbox_count() == 2


def test_list_shows_what_was_sent_to_how_many_and_delivery(demo_db, capsys):
    assert main(["alerts", "list"]) == 0
    assert "no alert has been sent yet" in capsys.readouterr().out
    sign_up(1)
    sign_up(2)
    send("--yes", "--text-es", TEXT_ES)
    with session_scope() as session:
        first = session.scalar(select(OutboxMessage).order_by(OutboxMessage.id))
        first.status, first.delivery_status = "sent", "delivered"
    capsys.readouterr()
    assert main(["alerts", "list", "--json"]) == 0
    [listed] = json.loads(capsys.readouterr().out)["alerts"]
    assert (listed["recipients"], listed["text"], listed["text_es"], listed["outbox"], listed["receipts"]) == (
        2, TEXT, TEXT_ES, {"waiting": 1, "sent": 1, "blocked": 0, "failed": 0}, {"delivered": 1})
    assert main(["alerts", "list"]) == 0
    out = capsys.readouterr().out
    assert "98104 within 5 mi: to 2; 1 waiting, 1 sent, 0 blocked, 0 failed; receipts: 1 delivered" in out
    assert "+1206555" not in out  # counts, never numbers


def test_reports_list_the_words_and_area_and_no_number(demo_db, capsys):
    assert main(["alerts", "reports"]) == 0
    assert "no report of a bad batch" in capsys.readouterr().out
    with session_scope() as session:
        route(session, "+12065550142", "h" + "6" * 40, "REPORT blue pills going around belltown, way stronger than usual")
    assert main(["alerts", "reports", "--json"]) == 0
    [report] = json.loads(capsys.readouterr().out)["reports"]
    assert (report["words"], report["area"], report["language"]) == (
        "blue pills going around belltown, way stronger than usual", "Belltown", "en")
    assert set(report) == {"id", "received_at", "area", "language", "words"}
    assert main(["alerts", "reports"]) == 0
    out = capsys.readouterr().out
    assert "Belltown [en]" in out and "5550142" not in out and "h666" not in out


def test_spikes_are_listed_and_dismissed_with_a_reason_in_the_audit_log(migrated_db, capsys, spike_defaults):
    """Issue 35: every spike and what was done with it, in `hub alerts spikes` and the audit log."""
    import json as json_module
    from datetime import timedelta

    from sqlalchemy import select

    from bot.alerts.signals import SignalKind, record_signal
    from bot.alerts.spikes import detect
    from bot.cli import main
    from bot.clock import utcnow
    from bot.db import session_scope
    from bot.db.models import AuditLog

    assert main(["alerts", "spikes"]) == 0
    assert "no spike found" in capsys.readouterr().out
    now = utcnow()
    with session_scope() as session:
        for n in range(4):
            record_signal(session, f"{n:064x}", SignalKind.OVERDOSE, "98104", now - timedelta(hours=n))
        [spike] = detect(session, now)
        spike_id = spike.id
    assert main(["alerts", "spikes", "--json"]) == 0
    [listed] = json_module.loads(capsys.readouterr().out)["spikes"]
    assert (listed["area"], listed["count"], listed["kinds"], listed["status"]) == ("98104", 4, {"overdose": 4}, "open")
    assert main(["alerts", "spikes", "dismiss", str(spike_id), "--reason", "   "]) == 1
    assert "say why" in capsys.readouterr().err
    assert main(["alerts", "spikes", "dismiss", str(spike_id), "--reason", "one family, one event: checked with EMS"]) == 0
    assert main(["alerts", "spikes", "dismiss", str(spike_id), "--reason", "again"]) == 1
    assert "dismissed already" in capsys.readouterr().err
    assert main(["alerts", "spikes", "dismiss", "9999", "--reason", "x"]) == 1
    main(["alerts", "spikes"])
    assert "dismissed: one family, one event" in capsys.readouterr().out
    with session_scope() as session:
        [entry] = session.scalars(select(AuditLog).where(AuditLog.action == "spike_dismissed"))
        assert entry.actor.startswith("shell:") and "98104" in entry.detail and "checked with EMS" in entry.detail

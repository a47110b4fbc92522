"""Alerts a spike drafts (issue 35, part 3; bot/alerts/drafts.py): the coordinator's SEND A-n sends
the draft to the subscribers around the spike, a STOP'd subscriber left out; only the coordinator
may, only with the reference; it is audited with the sender; the six-hour guard holds unless
SEND A-n AGAIN. Through bot/handoff/inbound.py's routing, as the SMS channel calls it."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.alerts.drafts import DRAFT_TEXT
from bot.alerts.sending import check_text
from bot.alerts.signals import SignalKind, record_signal
from bot.alerts.spikes import detect
from bot.alerts.subscriptions import subscribe
from bot.clock import utcnow
from bot.db import session_scope
from bot.db.models import AreaAlert, AuditLog, OutboxMessage, Spike
from bot.directory.geo import lookup_zip
from bot.handoff.availability import set_coordinator
from bot.handoff.inbound import route
from bot.notify.optout import opt_out
from tests.bot.handoff.conftest import roster  # noqa: F401 (the fixture)

COORDINATOR, SPECIALIST = "+12065550140", "+12065550111"
SUBSCRIBERS = (("a" * 64, "+12065550121", "en"), ("b" * 64, "+12065550122", "es"), ("c" * 64, "+12065550123", "en"))


def spike_with_draft() -> str:
    now = utcnow()
    with session_scope() as session:
        set_coordinator(session, COORDINATOR, "Kim")
        for key, number, language in SUBSCRIBERS:
            subscribe(session, key, number, lookup_zip("98104"), language)
        subscribe(session, "d" * 64, "+12065550124", lookup_zip("99201"), "en")  # Spokane: far away
        opt_out(session, "c" * 64)  # texted STOP
        for n in range(6):
            record_signal(session, f"{n:064x}", SignalKind.OVERDOSE, "98104", now - timedelta(hours=n))
        [spike] = detect(session, now)
        draft = session.scalar(select(AreaAlert).where(AreaAlert.spike_id == spike.id))
        assert draft.status == "draft" and draft.recipients == 2
        return f"A-{draft.id}"


def send(number: str, text: str) -> list[str]:
    with session_scope() as session:
        routed = route(session, number, "k" + number, text)
        return routed.replies if routed.handled else ["(to the assistant)"]


def copies() -> list[tuple[str, str]]:
    with session_scope() as session:
        return sorted((m.to_number, m.body) for m in session.scalars(
            select(OutboxMessage).where(OutboxMessage.purpose == "area_alert")))


def test_every_draft_fits_one_sms_in_both_languages():
    for language, text in DRAFT_TEXT.items():
        assert check_text(text.format(area="98104"), language, "draft")


def test_the_coordinator_sends_the_draft_and_a_stopped_subscriber_gets_nothing(roster, spike_defaults):
    ref = spike_with_draft()
    with session_scope() as session:
        told = session.scalar(select(OutboxMessage.body).where(OutboxMessage.to_number == COORDINATOR))
    assert f"Reply SEND {ref} to send it to 2 subscribers within 2 mi" in told
    assert copies() == []  # nothing without a person's say
    assert send(COORDINATOR, f"send {ref}") == [f"{ref} is going to 2 subscribers near 98104."]
    sent = copies()
    assert [number for number, _ in sent] == ["+12065550121", "+12065550122"]
    assert sent[0][1].startswith("Health Hub alert: More overdoses than usual near 98104")
    assert sent[1][1].startswith("Alerta de Health Hub: Mas sobredosis")
    with session_scope() as session:
        assert session.scalar(select(Spike.status)) == "sent"
        [entry] = session.scalars(select(AuditLog).where(AuditLog.action == "area_alert"))
        assert entry.actor == "sms:Kim" and ref in entry.detail and "2 subscribers" in entry.detail
    assert send(COORDINATOR, f"SEND {ref}") == [f"{ref} was sent already, to 2 subscribers."]
    assert len(copies()) == 2


def test_only_the_coordinator_and_only_with_the_reference(roster, spike_defaults):
    ref = spike_with_draft()
    assert send(SPECIALIST, f"SEND {ref}") == ["Only the coordinator can send a drafted alert (SEND A-n)."]
    assert send("+12065550199", f"SEND {ref}") == ["(to the assistant)"]  # a stranger: words, not a command
    assert send(COORDINATOR, "SEND") != [f"{ref} is going to 2 subscribers near 98104."]
    assert send(COORDINATOR, "send it") != [f"{ref} is going to 2 subscribers near 98104."]
    assert send(COORDINATOR, "SEND A-99999") == ["There is no alert A-99999."]
    assert copies() == []


def test_the_six_hour_guard_holds_unless_again(roster, spike_defaults):
    ref = spike_with_draft()
    assert send(COORDINATOR, f"SEND {ref}")[0].startswith(ref)
    with session_scope() as session:  # the spike goes on past its cooldown: a second draft, the same words
        for n in range(12):
            record_signal(session, f"{n + 100:064x}", SignalKind.OVERDOSE, "98104", utcnow())
        [second] = detect(session, utcnow())
        again_ref = f"A-{session.scalar(select(AreaAlert.id).where(AreaAlert.spike_id == second.id))}"
    [reply] = send(COORDINATOR, f"SEND {again_ref}")
    assert reply.startswith("The same alert went to 98104 at") and f"SEND {again_ref} AGAIN" in reply
    assert len(copies()) == 2
    assert send(COORDINATOR, f"send {again_ref} again")[0].startswith(f"{again_ref} is going to 2 subscribers")
    assert len(copies()) == 4


def test_the_coordinators_counts_read_as_words():
    from bot.alerts.texts import subscribers

    assert (subscribers(0), subscribers(1), subscribers(140)) == ("0 subscribers", "1 subscriber", "140 subscribers")

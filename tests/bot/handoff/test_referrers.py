"""Police, EMS and fire crews as referrers: one flow, and the person and the specialist hear who asked."""
import pytest
from sqlalchemy import select

from bot.config import get_settings
from bot.db import session_scope
from bot.db.models import Handoff, Officer, OutboxMessage, Specialist
from bot.handoff import engine, referrers, texts
from bot.handoff import referral as referrals
from bot.handoff.referrers import Kind, UnknownKind, parse_kind
from bot.handoff.reports import report
from bot.handoff.roster import officer_for_key
from bot.language import LANGUAGES
from bot.phonebook import first_stand_in
from bot.privacy import sender_key
from bot.voice import texts as voice_texts
from tests.bot.handoff.conftest import NOW

PERSON = "+12065550142"


def add_referrer(phone, agency, kind=None):
    with session_scope() as session:
        key = sender_key(phone, get_settings().require_secret_key())
        officer = Officer(name="Crew", phone=phone, phone_key=key, agency=agency, active=1, created_at=NOW,
                          **({"kind": kind} if kind else {}))
        session.add(officer)
        session.flush()
        return key


def refer_and_accept(key, language="en", consent=True):
    """A referral with the person's number, accepted by whoever was alerted; the handoff's ref."""
    with session_scope() as session:
        # As the action hands it over: the number only as its stand-in (bot/phonebook.py).
        settings = get_settings()
        contact = first_stand_in(session, PERSON, settings.require_secret_key(), settings.default_region)
        officer = officer_for_key(session, key)
        _, handoff = referrals.record_referral(session, officer, consent=consent, reason="non_fatal_overdose",
                                               contact=contact, needs=["naloxone"], language=language, urgency=None, now=NOW)
        if handoff is None:
            return None
        specialist = session.get(Specialist, handoff.specialist_id)
        engine.accept(session, specialist, handoff.ref, NOW)
        return handoff.ref


def sent(ref, purpose, to=None):
    with session_scope() as session:
        query = select(OutboxMessage.body).where(OutboxMessage.purpose == purpose, OutboxMessage.body.contains(ref)
                                                 if purpose == "alert" else OutboxMessage.to_number == to)
        return list(session.scalars(query))


@pytest.mark.parametrize("typed, kind", [
    ("police", Kind.POLICE), ("EMS", Kind.EMS), (" fire ", Kind.FIRE), ("", Kind.POLICE), (None, Kind.POLICE),
])
def test_kinds_as_an_operator_types_them(typed, kind):
    assert parse_kind(typed) is kind


@pytest.mark.parametrize("typed", ["paramedic", "cop", "🚒", "x" * 1600, "police,ems"])
def test_an_unknown_kind_is_refused_with_the_kinds_there_are(typed):
    with pytest.raises(UnknownKind, match="police, ems, fire"):
        parse_kind(typed)


def test_every_kind_has_its_phrases_in_every_language():
    for language in LANGUAGES:
        for kind in Kind:
            assert referrers.who(kind, language) and referrers.the(kind, language)
    assert [referrers.who(kind, "en") for kind in Kind] == ["An officer", "A paramedic", "A firefighter"]
    assert [referrers.who(kind, "es") for kind in Kind] == ["Un oficial", "Un paramédico", "Un bombero"]


@pytest.mark.parametrize("kind, language, words", [
    ("ems", "en", "A paramedic asked us, with your OK,"),
    ("fire", "en", "A firefighter asked us, with your OK,"),
    ("ems", "es", "Un paramédico nos pidió, con tu permiso,"),
    ("fire", "es", "Un bombero nos pidió, con tu permiso,"),
    ("police", "en", "An officer asked us, with your OK,"),
])
def test_the_person_hears_who_asked_for_them(roster, kind, language, words):
    key = add_referrer("+12065550184", "Seattle Fire", kind)
    ref = refer_and_accept(key, language)
    notices = sent(ref, "notice", to=PERSON)
    assert len(notices) == 1 and words in notices[0] and ref in notices[0]
    assert "officer" not in notices[0] or kind == "police"


def test_the_specialist_is_told_who_referred_by_text_and_in_the_whisper(roster):
    key = add_referrer("+12065550184", "Seattle Fire", "fire")
    ref = refer_and_accept(key)
    assert "A firefighter referred a person" in sent(ref, "alert")[0]
    with session_scope() as session:
        handoff = session.scalar(select(Handoff).where(Handoff.ref == ref))
        whisper = voice_texts.whisper(handoff, introduction=True)
        assert texts.referred_by(handoff) == "A firefighter referred a person"
    assert whisper.startswith("Health Hub call. A firefighter is calling to refer a person")
    assert "so that the firefighter can introduce you" in whisper


def test_an_officer_registered_before_kinds_is_police(roster):
    key = add_referrer("+12065550181", "Seattle PD")  # no kind given: the column's default
    ref = refer_and_accept(key)
    with session_scope() as session:
        assert session.scalar(select(Officer.kind)) == "police"
        assert referrers.kind_of(session.scalar(select(Handoff).where(Handoff.ref == ref))) is Kind.POLICE
    assert "An officer referred a person" in sent(ref, "alert")[0]


def test_a_persons_own_request_has_no_referrer(roster):
    with session_scope() as session:
        handoff = engine.create_handoff(session, source="community", person_key="k", consent_by="person",
                                        consent_text="yes", person_number=PERSON, now=NOW)
        assert referrers.kind_of(handoff) is None
        assert texts.referred_by(handoff) == "A person asked for a specialist"


def test_reports_break_referrals_down_by_kind(roster):
    police = add_referrer("+12065550181", "Seattle PD")
    ems = add_referrer("+12065550184", "Seattle Fire", "ems")
    fire = add_referrer("+12065550185", "Seattle Fire", "fire")
    refer_and_accept(police)
    refer_and_accept(ems)
    refer_and_accept(ems, consent=False)
    refer_and_accept(fire)
    with session_scope() as session:
        figures = report(session, sla_seconds=600)
    kinds = figures["referrer_kinds"]
    assert {kind: row["referrals"] for kind, row in kinds.items()} == {"police": 1, "ems": 2, "fire": 1}
    assert kinds["ems"]["consented"] == 1 and kinds["ems"]["consent_rate_percent"] == 50.0
    assert kinds["fire"]["accepted_within_sla_percent"] == 100.0
    assert figures["agencies"]["Seattle Fire"]["referrals"] == 3  # agencies unchanged

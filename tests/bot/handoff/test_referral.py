"""Officer referrals: reading them, recording them with or without consent, STATUS."""
import pytest
from sqlalchemy import select

from bot.config import get_settings
from bot.db import session_scope
from bot.db.models import Handoff, Officer, OutboxMessage, Referral, Specialist
from bot.handoff import engine, refs
from bot.handoff import referral as referrals
from bot.handoff.consent import Consent, read_consent
from bot.handoff.inbound import route
from bot.handoff.roster import officer_for_key
from bot.phonebook import first_stand_in
from bot.privacy import sender_key
from tests.bot.handoff.conftest import NOW

ONE_LINER = "Referral: consented, 206-555-0142, post OD, needs narcan + bupe, spanish"


def test_one_message_holds_the_whole_referral():
    assert read_consent(ONE_LINER) is Consent.YES
    assert referrals.reason_in(ONE_LINER) == "non_fatal_overdose"
    assert referrals.language_in(ONE_LINER) == "es"


@pytest.mark.parametrize("text, reason", [
    ("post OD", "non_fatal_overdose"), ("revived him", "non_fatal_overdose"), ("at risk of overdose", "overdose_risk"),
    ("sharing needles", "risky_use"), ("hep c risk", "risky_use"), ("looking for a shelter", None),
])
def test_reasons(text, reason):
    assert referrals.reason_in(text) == reason


def test_reason_by_number_when_answering():
    assert referrals.reason_in("2", answering=True) == "overdose_risk" and referrals.reason_in("2") is None


def add_officer(name, phone, agency):
    with session_scope() as session:
        key = sender_key(phone, get_settings().require_secret_key())
        officer = Officer(name=name, phone=phone, phone_key=key, agency=agency, active=1, created_at=NOW)
        session.add(officer)
        session.flush()
        return key


def refer(key, consent=True, contact="206-555-0142", language="es"):
    with session_scope() as session:
        # As the action hands it over: a number only as its stand-in (bot/phonebook.py).
        settings = get_settings()
        contact = first_stand_in(session, contact, settings.require_secret_key(), settings.default_region) or contact
        officer = officer_for_key(session, key)
        _, handoff = referrals.record_referral(session, officer, consent=consent, reason="non_fatal_overdose", contact=contact,
                                               needs=["naloxone", "moud"], language=language, urgency="urgent", now=NOW)
        return handoff.ref if handoff else None


def test_a_consented_referral_alerts_a_spanish_speaking_specialist(roster):
    key = add_officer("Ofc. Lee", "+12065550181", "Seattle PD")
    ref = refer(key)
    with session_scope() as session:
        handoff = session.scalar(select(Handoff).where(Handoff.ref == ref))
        alert = session.scalars(select(OutboxMessage).where(OutboxMessage.purpose == "alert")).one()
        assert handoff.source == "officer" and handoff.consent_by == "officer" and handoff.language == "es"
        assert handoff.person_number == "+12065550142"
        # keyed like the person's own texts, so their replies find the relay
        assert handoff.person_key == sender_key("+12065550142", get_settings().require_secret_key())
    assert alert.to_number == "+12065550111" and "An officer referred a person" in alert.body and "Spanish" in alert.body


def test_no_consent_means_no_handoff_but_a_tally(roster):
    key = add_officer("Ofc. Lee", "+12065550181", "Seattle PD")
    assert refer(key, consent=False) is None
    with session_scope() as session:
        assert session.scalar(select(Handoff.id)) is None
        tally = session.scalars(select(Referral)).one()
        assert tally.consented == 0 and tally.agency == "Seattle PD" and tally.handoff_id is None


def test_a_place_and_time_reaches_the_specialist_instead_of_a_number(roster):
    key = add_officer("Ofc. Lee", "+12065550181", "Seattle PD")
    refer(key, contact="library steps on 4th Ave, 3pm")
    with session_scope() as session:
        alert = session.scalars(select(OutboxMessage).where(OutboxMessage.purpose == "alert")).one()
    assert "Where to find them: library steps on 4th Ave, 3pm." in alert.body


def status(key, text):
    with session_scope() as session:
        return route(session, None, key, text)


def test_status_is_coarse_and_for_the_officers_own_agency_only(roster):
    lee = add_officer("Ofc. Lee", "+12065550181", "Seattle PD")
    kim = add_officer("Dep. Kim", "+12065550182", "King County Sheriff")
    ref = refer(lee)
    assert status(lee, f"STATUS {ref}").replies == [f"{ref}: received."]
    with session_scope() as session:
        specialist = session.get(Specialist, session.scalar(select(Handoff.specialist_id).where(Handoff.ref == ref)))
        engine.accept(session, specialist, ref)
    assert status(lee, f"status {ref.lower()}").replies == [f"{ref}: accepted."]
    refused = status(kim, f"STATUS {ref}").replies[0]
    assert refused == status(kim, "STATUS H-0000").replies[0].replace("H-0000", ref)  # same answer as "no such reference"
    assert "accepted" not in refused and "555" not in refused
    assert status(lee, "referral: consented").handled is False  # referrals go to the assistant


def test_status_takes_the_longest_references_the_line_makes(roster, monkeypatch):
    """Review 17: when the shorter references are crowded, new_ref makes 8 digits and a check digit."""
    lee = add_officer("Ofc. Lee", "+12065550181", "Seattle PD")
    ref = refer(lee)
    monkeypatch.setattr(refs.random, "randint", lambda low, high: high if low >= 10 ** 7 else int(ref[2:-1]))
    with session_scope() as session:
        longest = refs.new_ref(session)  # every shorter one is taken (by `ref`)
        session.get(Handoff, session.scalar(select(Handoff.id).where(Handoff.ref == ref))).ref = longest
    assert len(refs.digits_of(longest)) == 9
    for typed in (f"STATUS {longest}", f"status {longest.lower()}", f"Status H {refs.digits_of(longest)}"):
        assert status(lee, typed).replies == [f"{longest}: received."], typed


def test_nothing_the_person_texts_reaches_the_officer(roster):
    lee = add_officer("Ofc. Lee", "+12065550181", "Seattle PD")
    ref = refer(lee)
    with session_scope() as session:
        handoff = session.scalar(select(Handoff).where(Handoff.ref == ref))
        specialist = session.get(Specialist, handoff.specialist_id)
        engine.accept(session, specialist, ref)
        route(session, "+12065550142", handoff.person_key, "thanks, I'm at the shelter now")
        to_officer = session.scalars(select(OutboxMessage).where(OutboxMessage.to_number == "+12065550181")).all()
    assert to_officer == []


def test_an_urgent_referral_says_so_in_the_alert(roster):
    key = add_officer("Ofc. Lee", "+12065550181", "Seattle PD")
    refer(key)  # urgency "urgent"
    with session_scope() as session:
        alert = session.scalars(select(OutboxMessage).where(OutboxMessage.purpose == "alert")).one()
    assert ": URGENT. An officer referred a person" in alert.body

"""The officer referral line through signed webhooks: one-message referrals, the short form, no
consent, missing contact, an unregistered number, another agency's reference, Spanish, emergency,
and EMS and fire crews as referrers."""
import json
import re

import pytest

from bot.safety import EMERGENCY_REPLY
from tests.e2e.conftest import alerted_for, text

pytestmark = pytest.mark.e2e

LEE, KIM, STRANGER = "+12065550181", "+12065550182", "+12065550183"
MEDIC, FIREFIGHTER = "+12065550184", "+12065550185"
ANA, BEN, COORDINATOR = "+12065550111", "+12065550112", "+12065550119"


def reference(replies):
    match = re.search(r"Referral received: (H-\d+)\.", replies[0])
    assert match, replies
    return match.group(1)


def test_one_message_referral_status_and_privacy(hotline):
    status, replies = text(hotline, LEE, "Referral: consented, 206-555-0192, post OD, needs narcan + bupe, spanish")
    assert status == 200 and len(replies) == 1
    ref = reference(replies)
    alert = [m for m in hotline.outbox(ANA) if ref in m["body"]][0]  # Ana speaks Spanish
    assert "An officer referred a person" in alert["body"] and "Spanish" in alert["body"] and "naloxone" in alert["body"]
    assert "0192" not in alert["body"]
    assert text(hotline, LEE, f"STATUS {ref}")[1] == [f"{ref}: received."]
    assert text(hotline, ANA, f"ACCEPT {ref}")[1][0].startswith(f"You have {ref}.")
    assert text(hotline, LEE, f"status {ref}")[1] == [f"{ref}: accepted."]
    # The person replies to the specialist: nothing of it reaches the officer.
    assert text(hotline, "+12065550192", "gracias, estoy en el refugio") == (200, [])
    assert any(m["body"] == f"{ref}: gracias, estoy en el refugio" for m in hotline.outbox(ANA))
    assert all("refugio" not in m["body"] for m in hotline.outbox(LEE))
    assert text(hotline, ANA, f"DONE {ref} engaged")[1][0].startswith("Closed")
    assert text(hotline, LEE, f"STATUS {ref}")[1] == [f"{ref}: closed."]  # never the outcome


def test_another_agencys_reference_reveals_nothing(hotline):
    ref = reference(text(hotline, LEE, "Referral: consented, 206-555-0193, at risk of overdose")[1])
    replies = text(hotline, KIM, f"STATUS {ref}")[1]
    assert replies == [f"I can't share anything about {ref}. You can check referrals your agency made."]


def test_no_consent_leaves_a_card_and_a_tally(hotline):
    before = json.loads(hotline.hub("report", "--json"))["agencies"].get("King County Sheriff", {"referrals": 0})["referrals"]
    status, replies = text(hotline, KIM, "referral: declined, post od")
    assert replies[0].startswith("No referral made: without the person's consent nobody will contact them.")
    assert "(206) 555-0100" in replies[0]
    agencies = json.loads(hotline.hub("report", "--json"))["agencies"]
    assert agencies["King County Sheriff"]["referrals"] == before + 1


def test_missing_contact_is_asked_and_a_place_reaches_the_specialist(hotline):
    status, replies = text(hotline, LEE, "Referral: consented, post OD")
    assert replies == ["How can the specialist reach them? A phone number, or a place and time to find them."]
    ref = reference(text(hotline, LEE, "library steps on 4th Ave at 3pm")[1])
    alerts = [m for m in json.loads(hotline.hub("outbox", "--json"))["messages"] if ref in m["body"] and m["purpose"] == "alert"]
    assert alerts and "Where to find them: library steps on 4th Ave at 3pm." in alerts[0]["body"]


def test_the_short_form_step_by_step(hotline):
    assert text(hotline, LEE, "new referral")[1] == ["Did the person agree to be contacted by a harm reduction specialist? Reply YES or NO."]
    assert text(hotline, LEE, "yes")[1] == ["How can the specialist reach them? A phone number, or a place and time to find them."]
    assert text(hotline, LEE, "206 555 0194")[1][0].startswith("Why the referral?")
    reference(text(hotline, LEE, "2")[1])


def test_an_unregistered_number_is_told_how_registration_works(hotline):
    status, replies = text(hotline, STRANGER, "Referral: consented, 206-555-0195, post OD")
    assert replies[0].startswith("This number isn't registered for officer referrals.")


def test_an_officer_reporting_an_overdose_gets_911_first(hotline):
    status, replies = text(hotline, LEE, "he's not breathing")
    assert replies[0] == EMERGENCY_REPLY


@pytest.mark.parametrize("crew, kind, person, referral, alert_words, person_words", [
    (MEDIC, "ems", "+12065550196", "Referral: consented, 206-555-0196, post OD, needs narcan",
     "A paramedic referred a person", "Hi, this is the Health Hub Hotline. A paramedic asked us, with your OK,"),
    (FIREFIGHTER, "fire", "+12065550197", "Referral: consented, 206-555-0197, at risk of overdose, spanish",
     "A firefighter referred a person", "Hola, esta es la línea Health Hub. Un bombero nos pidió, con tu permiso,"),
])
def test_ems_and_fire_crews_refer_and_the_person_hears_who_asked(hotline, crew, kind, person, referral, alert_words, person_words):
    registered = hotline.hub("roster", "add-officer", "--name", f"{kind} crew", "--phone", crew, "--agency", "Seattle Fire",
                             "--kind", kind)
    assert f"({kind})" in registered
    ref = reference(text(hotline, crew, referral)[1])
    specialist = alerted_for(hotline, ref, [ANA, BEN, COORDINATOR])
    alert = [m for m in hotline.outbox(specialist) if ref in m["body"]][0]["body"]
    assert alert_words in alert and "officer" not in alert.lower()
    assert text(hotline, specialist, f"ACCEPT {ref}")[1][0].startswith(f"You have {ref}.")
    (notice,) = [m["body"] for m in hotline.outbox(person) if ref in m["body"]]
    assert notice.startswith(person_words) and "officer" not in notice and "oficial" not in notice
    assert text(hotline, crew, f"STATUS {ref}")[1] == [f"{ref}: accepted."]  # the same coarse status as police
    kinds = json.loads(hotline.hub("report", "--json"))["referrer_kinds"]
    assert kinds[kind]["referrals"] >= 1 and kinds[kind]["consented"] >= 1


CONSENT_QUESTION = "Did the person agree to be contacted by a harm reduction specialist? Reply YES or NO."


def alerts(hotline) -> list[dict]:
    return [m for m in json.loads(hotline.hub("outbox", "--json"))["messages"] if m["purpose"] == "alert"]


def test_a_referral_that_says_the_person_has_not_consented_opens_nothing(hotline):
    before = alerts(hotline)
    status, replies = text(hotline, LEE, "Referral: hasn't consented, 206-555-0186, post OD, needs narcan")
    assert status == 200 and len(replies) == 1
    assert replies[0].startswith("No referral made: without the person's consent nobody will contact them.")
    assert alerts(hotline) == before and hotline.outbox("+12065550186") == []


def test_an_unclear_referral_is_asked_twice_then_lapses_and_nobody_is_contacted(hotline):
    before = alerts(hotline)
    assert text(hotline, KIM, "Referral: consent pending, hasn't decided, 206-555-0187, post OD")[1] == [CONSENT_QUESTION]
    assert text(hotline, KIM, "not sure yet")[1] == [CONSENT_QUESTION]
    (reply,) = text(hotline, KIM, "maybe")[1]
    assert reply.startswith("No referral made: it was not clear whether the person agreed to be contacted") and "(206) 555-0100" in reply
    assert alerts(hotline) == before and hotline.outbox("+12065550187") == []
    # The next referral starts afresh: an unclear answer is asked again, not counted with the last one's.
    assert text(hotline, KIM, "new referral")[1] == [CONSENT_QUESTION]
    assert text(hotline, KIM, "maybe")[1] == [CONSENT_QUESTION]
    assert text(hotline, KIM, "nope")[1][0].startswith("No referral made: without the person's consent")

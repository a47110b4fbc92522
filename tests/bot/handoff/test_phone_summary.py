"""What the simulator shows beside each phone: roster role and handoffs, with an officer kept to
the coarse status."""
from bot.config import get_settings
from bot.db import session_scope
from bot.handoff.phone_summary import HandoffState, PhoneSummary, summarise_phone
from bot.privacy import sender_key
from tests.bot.handoff.test_engine import act, open_handoff
from tests.bot.handoff.test_referral import add_officer, refer

PERSON = "+12065550142"


def summary(number):
    with session_scope() as session:
        return summarise_phone(session, number, sender_key(number, get_settings().require_secret_key()))


def test_a_specialist_sees_the_handoffs_assigned_to_them(roster):
    ref = open_handoff(number=PERSON)
    alerted = summary("+12065550111")
    assert alerted.role == "specialist" and alerted.name == "Ana" and alerted.handoffs == [HandoffState(ref, "alerted")]
    act("accept", "+12065550111", ref)
    act("done", "+12065550111", ref, "engaged")
    assert summary("+12065550111").handoffs == [HandoffState(ref, "closed", "engaged")]
    assert summary("+12065550112").handoffs == []
    assert summary("+12065550119").role == "coordinator"


def test_the_person_sees_their_own_handoff_by_number(roster):
    ref = open_handoff(number=PERSON)
    assert summary(PERSON) == PhoneSummary(role="community", handoffs=[HandoffState(ref, "alerted")])
    assert summary("+12065550143").handoffs == []


def test_an_officer_sees_only_the_coarse_status_of_their_referrals(roster):
    key = add_officer("Ofc. Lee", "+12065550181", "Seattle PD")
    ref = refer(key, contact="+12065550143")
    act("accept", "+12065550111", ref)
    act("done", "+12065550111", ref, "declined")
    officer = summary("+12065550181")
    assert officer.role == "officer" and officer.agency == "Seattle PD"
    assert officer.handoffs == [HandoffState(ref, "closed")]  # never the outcome
    assert summary("+12065550143").handoffs == [HandoffState(ref, "closed", "declined")]


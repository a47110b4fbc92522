"""Nothing dies quietly: a specialist who leaves the roster, texts STOP or goes OFF hands their
work on; ON and START bring them back; a coordinator who texted STOP is an operator warning."""
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.cli import main
from bot.db import session_scope
from bot.db.models import Handoff, OutboxMessage, Specialist
from tests.bot.handoff.test_inbound import ANA, BEN, PERSON, PERSON_KEY, open_handoff, other_handoff, relays, send

COORDINATOR = "+12065550119"


def holder(ref):
    with session_scope() as session:
        handoff = session.scalar(select(Handoff).where(Handoff.ref == ref))
        specialist = session.get(Specialist, handoff.specialist_id) if handoff.specialist_id else None
        return handoff.state, specialist.name if specialist else None


def messages(to, purpose=None):
    with session_scope() as session:
        query = select(OutboxMessage.body).where(OutboxMessage.to_number == to).order_by(OutboxMessage.id)
        return list(session.scalars(query.where(OutboxMessage.purpose == purpose) if purpose else query))


def test_removal_hands_an_accepted_handoff_on_and_tells_the_person(roster, capsys):
    ref = open_handoff()
    send(ANA, f"ACCEPT {ref}")
    assert main(["roster", "remove", "--phone", ANA]) == 0
    assert f"handed on their open handoffs: {ref}" in capsys.readouterr().out
    assert holder(ref) == ("alerted", "Ben")
    (alert,) = messages(BEN, "alert")
    assert alert.startswith(f"Health Hub {ref}: Handed on: the specialist who had it can't continue.")
    assert any("can't continue" in body and ref in body for body in messages(PERSON, "notice"))
    # Nothing reaches Ana now: the person's next text is not relayed to her.
    send(PERSON, "are you still there?", PERSON_KEY)
    assert not any(to == ANA for to, _ in relays())
    assert send(BEN, f"ACCEPT {ref}")[1][0].startswith(f"You have {ref}.")


def test_removal_passes_a_waiting_alert_at_once(roster):
    ref = open_handoff()  # Ana is alerted
    assert main(["roster", "remove", "--phone", ANA]) == 0
    assert holder(ref) == ("alerted", "Ben")


def test_removal_with_nobody_else_on_call_goes_to_the_coordinator(roster):
    ref = other_handoff()  # 98122: only Ana covers it
    send(ANA, f"ACCEPT {ref}")
    assert main(["roster", "remove", "--phone", ANA]) == 0
    assert holder(ref) == ("escalated", "Coordinator")
    assert "can't continue" in messages(COORDINATOR, "escalation")[0]
    assert any("Our coordinator now has your request" in body for body in messages("+12065550143", "notice"))


def test_a_relay_to_someone_removed_before_this_change_is_handed_on_when_the_person_writes(roster):
    ref = open_handoff()
    send(ANA, f"ACCEPT {ref}")
    with session_scope() as session:  # what `hub roster remove` used to do, and nothing more
        session.scalar(select(Specialist).where(Specialist.phone == ANA)).active = 0
    handled, (reply,) = send(PERSON, "hello?", PERSON_KEY)
    assert handled and "can't continue" in reply and ref in reply
    assert relays() == [] and holder(ref) == ("alerted", "Ben")


def test_stop_from_a_specialist_hands_everything_on_and_start_brings_them_back(roster):
    accepted = open_handoff()
    send(ANA, f"ACCEPT {accepted}")
    waiting = other_handoff(area="98104", number="+12065550144", key="h" + "4" * 40)
    send(BEN, f"PASS {waiting}")  # Ben had it; now Ana is alerted
    assert holder(waiting) == ("alerted", "Ana")
    send(ANA, "STOP")
    assert holder(waiting)[1] != "Ana" and holder(accepted) == ("alerted", "Ben")
    assert any("can't continue" in body for body in messages(PERSON, "notice"))
    third = other_handoff(area="98122", number="+12065550145", key="h" + "5" * 40)
    assert holder(third)[1] == "Coordinator"  # Ana is off call: not alerted
    handled, (reply,) = send(ANA, "START")
    assert "back on call" in reply
    fourth = other_handoff(area="98122", number="+12065550146", key="h" + "6" * 40)
    assert holder(fourth) == ("alerted", "Ana")


def test_stop_from_the_coordinator_is_an_operator_warning_and_nothing_waits_on_them(roster):
    from bot.handoff.roster import unreachable_coordinators

    send(COORDINATOR, "STOP")
    with session_scope() as session:
        assert [(c.name, c.off_call) for c in unreachable_coordinators(session)] == [("Coordinator", "stop")]
    ref = other_handoff(area="98105", number="+12065550147", key="h" + "7" * 40)  # nobody covers 98105
    assert holder(ref) == ("created", None)  # waits, retried, rather than sit with someone opted out
    send(COORDINATOR, "START")
    with session_scope() as session:
        assert unreachable_coordinators(session) == []


def test_off_stops_new_alerts_keeps_conversations_and_on_brings_them_back(roster):
    accepted = open_handoff()
    send(ANA, f"ACCEPT {accepted}")
    waiting = other_handoff()  # alerted to Ana
    handled, (reply,) = send(ANA, "OFF")
    assert reply.startswith("You're off call: no new alerts until you text ON.")
    assert f"You still have 1 open conversation ({accepted})" in reply and waiting in reply
    assert holder(accepted) == ("accepted", "Ana") and holder(waiting) == ("escalated", "Coordinator")
    assert send(ANA, "see you at 3") == (True, [])  # the conversation goes on
    assert (PERSON, "Specialist: see you at 3") in relays()
    later = other_handoff(area="98122", number="+12065550148", key="h" + "8" * 40)
    assert holder(later)[1] == "Coordinator"
    handled, (reply,) = send(ANA, "on")
    assert reply.startswith("You're on call")
    assert holder(other_handoff(area="98122", number="+12065550149", key="h" + "9" * 40)) == ("alerted", "Ana")


def test_off_and_on_in_spanish(roster):
    handled, (reply,) = send(ANA, "Fuera de guardia")
    assert reply.startswith("Estás fuera de guardia") and "No tienes conversaciones abiertas" in reply
    handled, (reply,) = send(ANA, "de guardia")
    assert reply.startswith("Estás de guardia")


def test_on_outside_the_roster_hours_keeps_the_hours(roster):
    seattle_today = datetime.now(ZoneInfo("America/Los_Angeles")).weekday()
    hours = f"{['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'][(seattle_today + 3) % 7]} 10:00-11:00"  # not today
    with session_scope() as session:
        session.scalar(select(Specialist).where(Specialist.phone == BEN)).hours = hours
    send(BEN, "OFF")
    handled, (reply,) = send(BEN, "ON")
    assert reply == f"You're back on your on-call hours ({hours}). It's outside them now, so alerts start then."
    with session_scope() as session:
        assert session.scalar(select(Specialist).where(Specialist.phone == BEN)).hours == hours


def test_off_from_someone_who_is_not_a_specialist_goes_to_the_assistant(roster):
    assert send(PERSON, "off", PERSON_KEY) == (False, [])


def test_the_roster_list_shows_who_is_off_call_by_text(roster, capsys):
    send(BEN, "OFF")
    send(COORDINATOR, "STOP")
    assert main(["roster", "list"]) == 0
    lines = {line.split()[1]: line for line in capsys.readouterr().out.splitlines()}
    assert lines["Ben"].endswith("off call (texted OFF)") and lines["Coordinator"].endswith("off call (texted STOP)")
    assert "off call" not in lines["Ana"]


def test_adding_back_someone_who_texted_off_puts_them_on_call_but_a_stop_holds(roster):
    send(BEN, "OFF")
    send(ANA, "STOP")
    for name, phone in (("Ben", BEN), ("Ana", ANA)):
        assert main(["roster", "remove", "--phone", phone]) == 0
        assert main(["roster", "add-specialist", "--name", name, "--phone", phone, "--zips", "98104"]) == 0
    with session_scope() as session:
        off = {s.name: s.off_call for s in session.scalars(select(Specialist))}
    assert off["Ben"] is None and off["Ana"] == "stop"


def test_a_new_coordinator_gets_the_requests_waiting_on_the_old_one(roster, capsys):
    # Before: they stayed with the old coordinator, who may no longer read the line, until expiry.
    ref = other_handoff()  # 98122: only Ana covers it
    send(ANA, f"PASS {ref}")
    assert holder(ref) == ("escalated", "Coordinator")
    told_before = messages("+12065550143")
    assert main(["roster", "set-coordinator", "--phone", "+12065550118", "--name", "Dee"]) == 0
    assert f"the requests waiting on the coordinator before are theirs now: {ref}" in capsys.readouterr().out
    assert holder(ref) == ("escalated", "Dee")
    (alert,) = messages("+12065550118", "escalation")
    assert alert.startswith(f"Health Hub {ref} needs the coordinator: You are the coordinator now")
    assert messages("+12065550143") == told_before  # the person knows the coordinator has it already
    _, replies = send("+12065550118", f"ACCEPT {ref}")
    assert holder(ref) == ("accepted", "Dee")
    # Setting the same coordinator again moves nothing.
    assert main(["roster", "set-coordinator", "--phone", "+12065550118"]) == 0
    assert "waiting on the coordinator before" not in capsys.readouterr().out

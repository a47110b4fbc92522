"""An alert that cannot reach its specialist's phone moves the handoff on at once, whether the
worker learns it from Twilio's answer (an invalid number, a STOP) or from a delivery receipt; relayed
words that cannot reach their phone are reported to whoever can act on it."""
from sqlalchemy import func, select

from bot.config import get_settings
from bot.db import session_scope
from bot.db.models import Handoff, HandoffLog, OutboxMessage
from bot.handoff import engine
from bot.handoff.delivery import alert_not_delivered, take_receipt
from bot.notify.optout import opt_out
from bot.notify.outbox import Delivery
from bot.privacy import sender_key
from bot.worker import deliver_due


class Refusing:
    """Twilio refusing every message to some numbers."""

    def __init__(self, refusals):
        self.refusals, self.sent = refusals, []

    def send(self, to_number, from_number, body, status_callback=None):
        self.sent.append(to_number)
        return self.refusals.get(to_number) or Delivery(ok=True, provider_sid=f"SM{len(self.sent)}")

    def find_sent(self, to_number, from_number, body, since):
        return None


def open_handoff():
    with session_scope() as session:
        handoff = engine.create_handoff(session, source="community", person_key="k1", consent_by="person",
                                        consent_text="yes", area="98104", person_number="+12065550142")
        return handoff.id


def holder(handoff_id):
    with session_scope() as session:
        handoff = session.get(Handoff, handoff_id)
        return handoff.state, handoff.specialist_id


def test_an_alert_twilio_refuses_for_good_goes_to_the_next_specialist_in_the_same_pass(roster):
    handoff_id = open_handoff()
    assert holder(handoff_id) == ("alerted", roster["ana"])
    transport = Refusing({"+12065550111": Delivery(ok=False, error="Twilio 400 21211")})
    deliver_due(transport)
    assert holder(handoff_id) == ("alerted", roster["ben"])
    deliver_due(transport)
    assert transport.sent == ["+12065550111", "+12065550112"]


def test_an_alert_to_a_specialist_who_opted_out_goes_to_the_next(roster):
    with session_scope() as session:
        opt_out(session, sender_key("+12065550111", get_settings().require_secret_key()))
    handoff_id = open_handoff()
    transport = Refusing({})
    deliver_due(transport)
    deliver_due(transport)
    assert holder(handoff_id) == ("alerted", roster["ben"]) and transport.sent == ["+12065550112"]


def test_a_relay_or_an_old_alert_moves_nothing(roster):
    handoff_id = open_handoff()
    with session_scope() as session:
        alert = session.scalar(select(OutboxMessage).where(OutboxMessage.purpose == "alert"))
        handoff = session.get(Handoff, handoff_id)
        engine.pass_(session, session.get(engine.Specialist, roster["ana"]), handoff.ref)
    with session_scope() as session:
        # Ana's alert, undelivered after she had passed: the handoff is Ben's now and stays so.
        assert alert_not_delivered(session, session.get(OutboxMessage, alert.id), "undelivered 30003") is None
        relay = OutboxMessage(**{c: getattr(alert, c) for c in ("to_number", "from_number", "body", "status", "attempts",
                                                                  "next_attempt_at", "created_at", "handoff_id")}, purpose="relay")
        assert alert_not_delivered(session, relay, "undelivered") is None
    assert holder(handoff_id) == ("alerted", roster["ben"])


# --- relayed words that never arrive are reported, once (principle 8) ------------------------

def accepted_handoff(roster):
    handoff_id = open_handoff()
    with session_scope() as session:
        handoff = session.get(Handoff, handoff_id)
        engine.accept(session, session.get(engine.Specialist, roster["ana"]), handoff.ref)
    return handoff_id


def relay(handoff_id, to_specialist: bool, text="are you still there?"):
    with session_scope() as session:
        handoff = session.get(Handoff, handoff_id)
        before = session.scalar(select(func.max(OutboxMessage.id))) or 0
        (engine.relay_to_specialist if to_specialist else engine.relay_to_person)(session, handoff, text)
        return [m.id for m in session.scalars(select(OutboxMessage).where(OutboxMessage.id > before))]


def notices_to(number, handoff_id):
    with session_scope() as session:
        return [m.body for m in session.scalars(select(OutboxMessage).where(
            OutboxMessage.to_number == number, OutboxMessage.purpose == "notice", OutboxMessage.handoff_id == handoff_id))]


def events(handoff_id):
    with session_scope() as session:
        return [row.event for row in session.scalars(select(HandoffLog).where(HandoffLog.handoff_id == handoff_id).order_by(HandoffLog.id))]


def test_words_that_never_reach_the_person_are_reported_to_their_specialist(roster):
    handoff_id = accepted_handoff(roster)
    (row_id,) = relay(handoff_id, to_specialist=False)
    with session_scope() as session:
        take_receipt(session, row_id, "SM1", "undelivered", "30003")
    (notice,) = notices_to("+12065550111", handoff_id)
    assert "did not reach the person's phone (undelivered 30003)" in notice and "H-" in notice
    assert events(handoff_id)[-1] == "relay_failed_person"
    assert notices_to("+12065550119", handoff_id) == []  # the specialist can act on it; nobody else is bothered


def test_words_that_never_reach_the_specialist_are_told_to_the_person_and_the_coordinator(roster):
    handoff_id = accepted_handoff(roster)
    (row_id,) = relay(handoff_id, to_specialist=True)
    with session_scope() as session:
        take_receipt(session, row_id, "SM1", "failed", "30005")
    person = [b for b in notices_to("+12065550142", handoff_id) if "did not reach the specialist" in b]
    assert len(person) == 1 and "911" in person[0]
    (coordinator,) = notices_to("+12065550119", handoff_id)
    assert "did not reach Ana's phone (failed 30005)" in coordinator
    assert "are you still there" not in coordinator  # the words stay between the two


def test_a_long_message_failing_part_by_part_or_a_replayed_receipt_is_reported_once(roster):
    handoff_id = accepted_handoff(roster)
    parts = relay(handoff_id, to_specialist=False, text="word " * 400)
    assert len(parts) > 1
    with session_scope() as session:
        for row_id in parts + parts:
            take_receipt(session, row_id, f"SM{row_id}", "undelivered", "30003")
    assert len(notices_to("+12065550111", handoff_id)) == 1
    assert events(handoff_id).count("relay_failed_person") == 1


def test_words_the_worker_gives_up_on_are_reported_too(roster):
    handoff_id = accepted_handoff(roster)
    with session_scope() as session:  # the alert and the person's notice are out already
        for row in session.scalars(select(OutboxMessage)):
            row.status = "sent"
    relay(handoff_id, to_specialist=False)
    deliver_due(Refusing({"+12065550142": Delivery(ok=False, error="Twilio 400 21211")}))
    (notice,) = notices_to("+12065550111", handoff_id)
    assert "did not reach the person's phone (Twilio 400 21211)" in notice
    assert "relay_failed_person" in events(handoff_id)


def test_a_relay_delivered_or_a_notice_undelivered_reports_nothing(roster):
    handoff_id = accepted_handoff(roster)
    (row_id,) = relay(handoff_id, to_specialist=False)
    with session_scope() as session:
        take_receipt(session, row_id, "SM1", "delivered", None)
        notice = session.scalar(select(OutboxMessage).where(OutboxMessage.purpose == "notice"))
        take_receipt(session, notice.id, "SM2", "undelivered", "30003")
    assert notices_to("+12065550111", handoff_id) == []
    assert not {"relay_failed_person", "relay_failed_specialist"} & set(events(handoff_id))


def test_the_person_is_not_told_the_coordinator_knows_when_nobody_could_be_told(roster):
    # Found in review: "We told our coordinator" was said even with no coordinator to tell.
    handoff_id = accepted_handoff(roster)
    with session_scope() as session:
        session.get(engine.Specialist, roster["coordinator"]).active = 0
    (row_id,) = relay(handoff_id, to_specialist=True)
    with session_scope() as session:
        take_receipt(session, row_id, "SM1", "undelivered", "30003")
    (told,) = [b for b in notices_to("+12065550142", handoff_id) if "did not reach the specialist" in b]
    assert "coordinator" not in told and "send it again" in told and "911" in told
    assert notices_to("+12065550119", handoff_id) == []

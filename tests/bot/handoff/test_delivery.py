"""An alert that cannot reach its specialist's phone moves the handoff on at once, whether the
worker learns it from Twilio's answer (an invalid number, a STOP) or from a delivery receipt."""
from sqlalchemy import select

from bot.config import get_settings
from bot.db import session_scope
from bot.db.models import Handoff, OutboxMessage
from bot.handoff import engine
from bot.handoff.delivery import alert_not_delivered
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

"""`hub keys rotate` through the SMS webhook: after a new HUB_SECRET_KEY, an officer is still an
officer, an open relay goes on, a number that texted STOP gets nothing, and START works."""
from __future__ import annotations

import re

from dotenv import dotenv_values
from sqlalchemy import select

from bot.cli import main
from bot.config import get_settings
from bot.db import session_scope
from bot.db.models import Handoff, OptOut, OutboxMessage, Specialist
from bot.handoff import engine
from bot.handoff.inbound import START_REPLY
from bot.notify.optout import opt_outs_under_previous_keys
from bot.notify.outbox import enqueue
from bot.privacy import key_id, sender_key
from bot.worker import deliver_due
from tests.actions.test_referral import ONE_LINER, extract, submit, tracker
from tests.bot.channels.test_twilio_sms import FakeRasa, channel_url, post, post_all, sms_params  # noqa: F401 (fixtures)
from tests.bot.handoff.conftest import roster  # noqa: F401 (fixture)
from tests.bot.test_worker import RecordingTransport
from tests.conftest import TEST_ENV

OFFICER, PERSON, STOPPER = "+12065550181", "+12065550142", "+12065550143"
ANA, BEN = "+12065550111", "+12065550112"


def replies(body):
    return re.findall(r"<Message>(.*?)</Message>", body, re.S)


def restart_with(monkeypatch, env_path):
    """What restarting the hotline does: the settings read again, from the file rotate wrote."""
    for name, value in dotenv_values(env_path).items():
        monkeypatch.setenv(name, value or "")
    get_settings.cache_clear()


def send_to(*numbers):
    with session_scope() as session:
        ids = [enqueue(session, to_number=n, from_number="+12065550100", body=f"notice to {n}", purpose="test").id for n in numbers]
    transport = RecordingTransport()
    deliver_due(transport)
    with session_scope() as session:
        return [session.get(OutboxMessage, i).status for i in ids], [to for to, _ in transport.sent]


def test_rotating_the_key_keeps_officers_relays_and_stops(roster, post, tmp_path, monkeypatch, capsys):
    old = TEST_ENV["HUB_SECRET_KEY"]
    assert main(["roster", "add-officer", "--name", "Ofc. Lee", "--phone", OFFICER, "--agency", "Seattle PD"]) == 0
    with session_scope() as session:  # Ana is talking with the person through the hotline
        ref = engine.create_handoff(session, source="community", person_key=sender_key(PERSON, old), consent_by="person",
                                    consent_text="yes", area="98104", person_number=PERSON).ref
        engine.accept(session, session.get(Specialist, roster["ana"]), ref)
    rasa = FakeRasa(replies=())
    for sender in (STOPPER, BEN):  # a number the line holds nowhere else, and a specialist's
        status, body = post(rasa, sms_params("STOP", sender=sender))
        assert status == 200 and "START" in body
    env = tmp_path / "hub.env"
    env.write_text(f"# the operator's settings\nHUB_SECRET_KEY={old}\nHUB_PHONE_NUMBER=+12065550100\n")
    monkeypatch.setenv("HUB_ENV_FILE", str(env))
    get_settings.cache_clear()

    assert main(["keys", "rotate"]) == 0
    out = capsys.readouterr().out
    assert "officers re-keyed: 1" in out and "handoffs re-keyed: 1" in out and "opt-outs re-keyed: 1" in out
    assert "opt-outs left under previous keys (still matched, moved when the number is seen again): 1" in out
    written = dotenv_values(env)
    assert written["HUB_PREVIOUS_SECRET_KEYS"] == old and written["HUB_SECRET_KEY"] not in (None, "", old)
    assert written["HUB_PHONE_NUMBER"] == "+12065550100" and env.read_text().startswith("# the operator's settings\n")
    assert env.stat().st_mode & 0o777 == 0o600
    restart_with(monkeypatch, env)
    new = get_settings().secret_key
    with session_scope() as session:
        assert opt_outs_under_previous_keys(session) == 1  # the stranger's; Ben's number is on the roster

    # The officer's referral: the text reaches the assistant under the new key, which the action knows.
    rasa = FakeRasa(replies=())
    assert post(rasa, sms_params(ONE_LINER, sender=OFFICER))[0] == 200
    (message,) = rasa.received
    assert message.sender_id == sender_key(OFFICER, new)
    contact = extract("referral_contact", tracker(message.sender_id, message.text))["referral_contact"]
    messages, _ = submit(tracker(message.sender_id, message.text, referral_consent="yes", referral_contact=contact,
                                 referral_reason="non_fatal_overdose"))
    assert messages[0]["response"] == "utter_referral_received"

    # The relay goes on, both ways; the assistant sees none of it.
    rasa = FakeRasa()
    assert replies(post(rasa, sms_params("thanks, I'm at the library", sender=PERSON))[1]) == []
    assert replies(post(rasa, sms_params("On my way, 10 minutes", sender=ANA))[1]) == []
    assert rasa.received == []
    with session_scope() as session:
        relayed = [(m.to_number, m.body) for m in session.scalars(select(OutboxMessage).where(OutboxMessage.purpose == "relay"))]
        assert session.scalar(select(Handoff.state).where(Handoff.ref == ref)) == "accepted"
    assert any(to == ANA and "library" in body for to, body in relayed)
    assert any(to == PERSON and "On my way" in body for to, body in relayed)

    # The numbers that texted STOP get nothing; seen again, the stranger's opt-out moves to the new key.
    statuses, sent = send_to(STOPPER, BEN, PERSON)
    assert statuses[:2] == ["blocked", "blocked"] and STOPPER not in sent and BEN not in sent
    with session_scope() as session:
        assert opt_outs_under_previous_keys(session) == 0
        assert {row.key_id for row in session.scalars(select(OptOut))} == {key_id(new)}

    # START works, and the next message goes out.
    assert replies(post(FakeRasa(), sms_params("START", sender=STOPPER))[1]) == [START_REPLY]
    assert send_to(STOPPER)[0] == ["sent"]


def test_an_old_key_stop_still_blocks_and_moves_when_the_number_texts(roster, post, monkeypatch):
    """A STOP recorded under a previous key, whose number the line did not hold at rotation."""
    old = TEST_ENV["HUB_SECRET_KEY"]
    assert post(FakeRasa(), sms_params("STOP", sender=STOPPER))[0] == 200
    monkeypatch.setenv("HUB_SECRET_KEY", "a-new-key-0123456789abcdef-0123")
    monkeypatch.setenv("HUB_PREVIOUS_SECRET_KEYS", f"an-older-key-0123456789abcdef, {old}")
    get_settings.cache_clear()
    with session_scope() as session:
        assert opt_outs_under_previous_keys(session) == 1
    rasa = FakeRasa()
    assert post(rasa, sms_params("where is narcan near 98104", sender=STOPPER))[0] == 200
    assert rasa.received  # not a keyword: the assistant answers
    with session_scope() as session:
        (row,) = session.scalars(select(OptOut)).all()
        assert row.number_key == sender_key(STOPPER, "a-new-key-0123456789abcdef-0123")
        assert opt_outs_under_previous_keys(session) == 0
    assert send_to(STOPPER)[0] == ["blocked"]


def test_rotate_refuses_when_the_key_does_not_come_from_the_file(migrated_db, tmp_path, monkeypatch, capsys):
    env = tmp_path / "hub.env"
    env.write_text("HUB_SECRET_KEY=some-other-key-0123456789\n")
    monkeypatch.setenv("HUB_ENV_FILE", str(env))
    get_settings.cache_clear()
    assert main(["keys", "rotate"]) == 1
    assert "set in the environment" in capsys.readouterr().err
    assert env.read_text() == "HUB_SECRET_KEY=some-other-key-0123456789\n"


def test_rotate_print_shows_the_settings_to_set(migrated_db, capsys):
    assert main(["keys", "rotate", "--print"]) == 0
    out = capsys.readouterr().out
    new = re.search(r"^HUB_SECRET_KEY=([0-9a-f]{64})$", out, re.M)
    assert new and f"HUB_PREVIOUS_SECRET_KEYS={TEST_ENV['HUB_SECRET_KEY']}" in out

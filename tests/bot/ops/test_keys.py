"""Re-keying: contact numbers found again from their new stand-in, handoffs without a number
reported, the .env file rewritten whole or not at all."""
import pytest

from bot.db import session_scope
from bot.handoff import engine
from bot.ops.keys import rekey, ring_after, write_env_file
from bot.phonebook import number_for, stand_in_numbers
from bot.privacy import sender_key
from tests.conftest import TEST_ENV

OLD, NEW = TEST_ENV["HUB_SECRET_KEY"], "the-new-key-0123456789abcdef0123"


def test_contact_numbers_are_found_again_under_the_new_key(migrated_db):
    with session_scope() as session:
        text = stand_in_numbers(session, "Referral: consented, 206-555-0142", OLD, "US")
        assert number_for(session, text) == "+12065550142"
    with session_scope() as session:
        rekeyed = rekey(session, OLD, NEW, (), "US")
    assert rekeyed.contact_numbers == 1
    with session_scope() as session:
        assert number_for(session, text) is None  # the old stand-in no longer reaches anyone
        assert number_for(session, f"tel:{sender_key('+12065550142', NEW)}") == "+12065550142"


def test_a_number_held_for_a_turn_is_dropped_not_rekeyed(migrated_db):
    # A turn's held number (bot/phonebook.py HELD) beside the same number written in a referral:
    # re-keyed both would be one key twice.
    from bot.phonebook import hold_sender_number, sender_number

    key = sender_key("+12065550142", OLD)
    with session_scope() as session:
        text = stand_in_numbers(session, "Referral: consented, 206-555-0142", OLD, "US")
        hold_sender_number(session, key, "+12065550142")
    with session_scope() as session:
        assert rekey(session, OLD, NEW, (), "US").contact_numbers == 1
    with session_scope() as session:
        assert number_for(session, f"tel:{sender_key('+12065550142', NEW)}") == "+12065550142"
        assert sender_number(session, key) is None and sender_number(session, sender_key("+12065550142", NEW)) is None
    assert "tel:" in text


def test_an_open_handoff_without_a_number_is_reported(migrated_db):
    with session_scope() as session:
        engine.create_handoff(session, source="community", person_key=sender_key("+12065550142", OLD), consent_by="person",
                              consent_text="yes", area="98104")
        engine.create_handoff(session, source="officer", person_key="referral:abc", consent_by="officer",
                              consent_text="yes", area="98104", contact_note="library steps at 3pm")
    with session_scope() as session:
        rekeyed = rekey(session, OLD, NEW, (), "US")
    assert rekeyed.open_handoffs_without_number == 1 and rekeyed.handoffs == 0
    assert any("does not hold" in line for line in rekeyed.lines())


def test_alert_subscriptions_are_found_again_under_the_new_key(migrated_db):
    from sqlalchemy import select

    from bot.alerts.subscriptions import subscribe, unsubscribe
    from bot.db.models import AlertSubscription
    from bot.directory.geo import lookup_zip

    with session_scope() as session:
        subscribe(session, sender_key("+12065550142", OLD), "+12065550142", lookup_zip("98104"), "en")
        subscribe(session, sender_key("+12065550143", OLD), "+12065550143", lookup_zip("98104"), "en")
        unsubscribe(session, sender_key("+12065550143", OLD))  # no number left to re-key it from
    with session_scope() as session:
        rekeyed = rekey(session, OLD, NEW, (), "US")
    assert rekeyed.alert_subscriptions == 1 and "alert subscriptions re-keyed: 1" in rekeyed.lines()
    with session_scope() as session:
        keys = set(session.scalars(select(AlertSubscription.number_key)))
    assert keys == {sender_key("+12065550142", NEW), sender_key("+12065550143", OLD)}


def test_the_env_file_keeps_every_other_line(tmp_path):
    env = tmp_path / ".env"
    env.write_text("# comment\nexport HUB_SECRET_KEY=old\nHUB_PHONE_NUMBER=+12065550100\n# HUB_PREVIOUS_SECRET_KEYS=x\n")
    write_env_file(env, {"HUB_SECRET_KEY": "new", "HUB_PREVIOUS_SECRET_KEYS": "old"})
    assert env.read_text() == ("# comment\nHUB_SECRET_KEY=new\nHUB_PHONE_NUMBER=+12065550100\n# HUB_PREVIOUS_SECRET_KEYS=x\n"
                               "HUB_PREVIOUS_SECRET_KEYS=old\n")
    assert [p.name for p in tmp_path.iterdir()] == [".env"]  # no temporary file left behind


def test_a_failed_write_leaves_the_env_file_as_it_was(tmp_path, monkeypatch):
    env = tmp_path / ".env"
    env.write_text("HUB_SECRET_KEY=old\n")

    def broken_replace(*_):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("bot.ops.keys.os.replace", broken_replace)
    with pytest.raises(OSError):
        write_env_file(env, {"HUB_SECRET_KEY": "new"})
    assert env.read_text() == "HUB_SECRET_KEY=old\n" and [p.name for p in tmp_path.iterdir()] == [".env"]


def test_the_ring_puts_the_retired_key_first_once():
    assert ring_after("b", ("a",)) == ("b", "a")
    assert ring_after("a", ("a", "z")) == ("a", "z")


def test_rekeying_on_postgres(postgres_db):
    from sqlalchemy import select

    from bot.clock import utcnow
    from bot.db.models import Officer, OptOut, Specialist
    from bot.privacy import key_id

    with session_scope() as session:
        session.add(Officer(name="Ofc. Lee", phone="+12065550181", phone_key=sender_key("+12065550181", OLD), agency="SPD",
                            active=1, created_at=utcnow()))
        session.add(Specialist(name="Ben", phone="+12065550112", zips="98104", languages="en", active=1, created_at=utcnow()))
        session.add(OptOut(number_key=sender_key("+12065550112", OLD), opted_out_at=utcnow()))
        session.add(OptOut(number_key=sender_key("+12065550143", OLD), opted_out_at=utcnow()))
    with session_scope() as session:
        rekeyed = rekey(session, OLD, NEW, (), "US")
    assert (rekeyed.officers, rekeyed.opt_outs, rekeyed.opt_outs_left) == (1, 1, 1)
    with session_scope() as session:
        assert session.scalar(select(Officer.phone_key)) == sender_key("+12065550181", NEW)
        assert {(row.number_key, row.key_id) for row in session.scalars(select(OptOut))} == {
            (sender_key("+12065550112", NEW), key_id(NEW)), (sender_key("+12065550143", OLD), key_id(OLD))}


def test_when_the_env_file_cannot_be_written_the_new_keys_are_shown(migrated_db, tmp_path, monkeypatch, capsys):
    """The database is re-keyed already: the operator must not lose the new key."""
    from bot.cli import main
    from bot.config import get_settings

    env = tmp_path / "hub.env"
    env.write_text(f"HUB_SECRET_KEY={OLD}\n")
    monkeypatch.setenv("HUB_ENV_FILE", str(env))
    get_settings.cache_clear()

    def disk_full(*_):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("bot.ops.keys.os.replace", disk_full)
    assert main(["keys", "rotate"]) == 1
    err = capsys.readouterr().err
    assert "No space left on device" in err and "by hand NOW" in err
    assert f"HUB_PREVIOUS_SECRET_KEYS={OLD}" in err and "HUB_SECRET_KEY=" in err
    assert env.read_text() == f"HUB_SECRET_KEY={OLD}\n"


def test_every_column_keyed_by_a_number_is_accounted_for():
    """A table added later with an HMAC of a number (subscriptions) must be handled by rekey."""
    from bot.db.models import Base
    from bot.ops.keys import KEYED_COLUMNS

    keyed = {(table.name, column.name) for table in Base.metadata.tables.values() for column in table.columns
             if column.name == "key" or column.name.endswith("_key")}
    assert keyed == set(KEYED_COLUMNS)

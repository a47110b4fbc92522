"""Opt-outs and the key ring: matched under previous keys, never written under them; moved to the
current key when the number is seen again; Twilio's 21610 restores one."""
from sqlalchemy import select

from bot.config import get_settings
from bot.db import session_scope
from bot.db.models import OptOut
from bot.notify.optout import number_opted_out, opt_out, opt_outs_under_previous_keys, restore_opt_out
from bot.privacy import key_id, sender_key
from tests.conftest import TEST_ENV

NUMBER, OLDER = "+12065550142", "an-older-key-0123456789abcdef"
OLD = TEST_ENV["HUB_SECRET_KEY"]
NEW = "the-new-key-0123456789abcdef0123"


def rotate_settings(monkeypatch):
    monkeypatch.setenv("HUB_SECRET_KEY", NEW)
    monkeypatch.setenv("HUB_PREVIOUS_SECRET_KEYS", f"{OLD},{OLDER}")
    get_settings.cache_clear()


def rows():
    with session_scope() as session:
        return [(row.number_key, row.key_id) for row in session.scalars(select(OptOut))]


def test_an_opt_out_is_written_with_the_id_of_the_current_key(migrated_db):
    with session_scope() as session:
        opt_out(session, sender_key(NUMBER, OLD))
    assert rows() == [(sender_key(NUMBER, OLD), key_id(OLD))]
    assert key_id(OLD) != key_id(NEW) and OLD not in key_id(OLD) and len(key_id(OLD)) == 12


def test_an_old_key_opt_out_matches_and_moves_to_the_current_key(migrated_db, monkeypatch):
    with session_scope() as session:
        opt_out(session, sender_key(NUMBER, OLDER))  # two rotations ago
    rotate_settings(monkeypatch)
    with session_scope() as session:
        assert opt_outs_under_previous_keys(session) == 1
        assert number_opted_out(session, NUMBER)
    assert rows() == [(sender_key(NUMBER, NEW), key_id(NEW))]
    with session_scope() as session:
        assert opt_outs_under_previous_keys(session) == 0
        assert not number_opted_out(session, "+12065550143")


def test_without_previous_keys_an_old_key_opt_out_is_lost(migrated_db, monkeypatch):
    """What the key ring prevents: the defect of rotating by hand."""
    with session_scope() as session:
        opt_out(session, sender_key(NUMBER, OLD))
    monkeypatch.setenv("HUB_SECRET_KEY", NEW)
    get_settings.cache_clear()
    with session_scope() as session:
        assert not number_opted_out(session, NUMBER)


def test_21610_restores_an_opt_out_under_the_current_key_once(migrated_db, monkeypatch):
    rotate_settings(monkeypatch)
    for _ in range(2):  # a second refusal changes nothing
        with session_scope() as session:
            restore_opt_out(session, NUMBER)
    assert rows() == [(sender_key(NUMBER, NEW), key_id(NEW))]
    with session_scope() as session:  # and one under an old key is moved rather than doubled
        session.add(OptOut(number_key=sender_key("+12065550143", OLD), opted_out_at=session.scalar(select(OptOut.opted_out_at)),
                           key_id=key_id(OLD)))
    with session_scope() as session:
        restore_opt_out(session, "+12065550143")
    assert sorted(rows()) == sorted([(sender_key(NUMBER, NEW), key_id(NEW)), (sender_key("+12065550143", NEW), key_id(NEW))])

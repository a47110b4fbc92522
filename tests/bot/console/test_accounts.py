"""Console accounts: argon2 hashes, roles, lockout after repeated wrong passwords, `hub users`."""
import io
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.clock import utcnow
from bot.console import accounts
from bot.db import session_scope
from bot.db.models import AuditLog, ConsoleUser

PASSWORD = "correct horse battery"


def test_an_account_keeps_only_an_argon2_hash(migrated_db):
    with session_scope() as session:
        user = accounts.add_user(session, " Ana@Example.org ", "manager", PASSWORD)
        assert user.email == "ana@example.org" and user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash
        account = accounts.authenticate(session, "ANA@example.org", PASSWORD)
        assert (account.email, account.role) == ("ana@example.org", "manager")


@pytest.mark.parametrize("email, role, password, message", [
    ("", "viewer", PASSWORD, "not an email address"),
    ("nobody", "viewer", PASSWORD, "not an email address"),
    ("a" * 1600 + "@example.org", "viewer", PASSWORD, "not an email address"),
    ("😀@example.org", "admin", PASSWORD, "the role is one of"),
    ("ben@example.org", "viewer", "short", "at least 12 characters"),
    ("ben@example.org", "viewer", "x" * 1600, "at most 256 characters"),
])
def test_bad_accounts_are_refused(migrated_db, email, role, password, message):
    with session_scope() as session:
        with pytest.raises(accounts.AccountError, match=message):
            accounts.add_user(session, email, role, password)


def test_the_same_email_twice_is_refused(migrated_db):
    with session_scope() as session:
        accounts.add_user(session, "ana@example.org", "viewer", PASSWORD)
        with pytest.raises(accounts.AccountError, match="already has an account"):
            accounts.add_user(session, "ANA@example.org", "manager", PASSWORD)


def test_repeated_wrong_passwords_lock_the_account_until_a_reset(migrated_db):
    with session_scope() as session:
        accounts.add_user(session, "ana@example.org", "viewer", PASSWORD)
    now = utcnow()
    for attempt in range(accounts.MAX_FAILURES):
        with session_scope() as session, pytest.raises(accounts.LoginRefused) as refused:
            accounts.authenticate(session, "ana@example.org", f"wrong {attempt}", now)
    assert refused.value.locked
    with session_scope() as session, pytest.raises(accounts.LoginRefused) as refused:
        accounts.authenticate(session, "ana@example.org", PASSWORD, now)  # the right password no longer helps
    assert refused.value.locked
    with session_scope() as session:  # the lockout ends by itself
        assert accounts.authenticate(session, "ana@example.org", PASSWORD, now + accounts.LOCKOUT + timedelta(seconds=1))


def test_unknown_emails_and_wrong_passwords_get_the_same_answer(migrated_db):
    with session_scope() as session:
        accounts.add_user(session, "ana@example.org", "viewer", PASSWORD)
        answers = set()
        for email, password in (("ben@example.org", PASSWORD), ("ana@example.org", "wrong one"), ("", ""),
                                ("ana@example.org", "x" * 1600), ("😀", "😀")):
            with pytest.raises(accounts.LoginRefused) as refused:
                accounts.authenticate(session, email, password)
            answers.add(str(refused.value))
        assert answers == {accounts.WRONG_EMAIL_OR_PASSWORD}


def test_a_locked_account_gets_the_answer_of_an_unknown_email(migrated_db):
    """Review 16: the lockout must not tell whoever tries that the email has an account."""
    with session_scope() as session:
        accounts.add_user(session, "ana@example.org", "viewer", PASSWORD)
    now = utcnow()
    answers = set()
    for attempt in range(accounts.MAX_FAILURES + 2):
        for email in ("ana@example.org", "nobody@example.org"):
            with session_scope() as session, pytest.raises(accounts.LoginRefused) as refused:
                accounts.authenticate(session, email, f"wrong {attempt}", now)
            answers.add(str(refused.value))
    with session_scope() as session, pytest.raises(accounts.LoginRefused) as refused:
        accounts.authenticate(session, "ana@example.org", PASSWORD, now)
    assert refused.value.locked  # for the audit log only
    answers.add(str(refused.value))
    assert answers == {accounts.WRONG_EMAIL_OR_PASSWORD}


def test_a_reset_ends_older_sessions_and_lifts_a_lockout(migrated_db):
    with session_scope() as session:
        user = accounts.add_user(session, "ana@example.org", "viewer", PASSWORD)
        user.locked_until = utcnow() + timedelta(hours=1)
        account_id, epoch = user.id, user.session_epoch
        assert accounts.current_account(session, account_id, epoch) is not None
        accounts.reset_password(session, "ana@example.org", "another long password")
        assert accounts.current_account(session, account_id, epoch) is None
        assert accounts.authenticate(session, "ana@example.org", "another long password").epoch == epoch + 1


def test_hub_users_commands_are_audited(migrated_db, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["users", "add", "--email", "ana@example.org", "--role", "manager", "--password-stdin"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["users", "add", "--email", "ben@example.org", "--role", "viewer", "--password-stdin"]) == 2
    assert "at least 12 characters" in capsys.readouterr().err
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "typed twice, unseen")
    assert main(["users", "add", "--email", "ben@example.org", "--role", "viewer"]) == 0
    capsys.readouterr()
    assert main(["users", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["users"]
    assert [(u["email"], u["role"], u["locked"]) for u in listed] == [("ana@example.org", "manager", False),
                                                                     ("ben@example.org", "viewer", False)]
    monkeypatch.setattr("sys.stdin", io.StringIO("a new long password\n"))
    assert main(["users", "reset-password", "--email", "ben@example.org", "--password-stdin"]) == 0
    assert main(["users", "remove", "--email", "ben@example.org"]) == 0
    assert main(["users", "remove", "--email", "ben@example.org"]) == 1
    with session_scope() as session:
        assert session.scalars(select(ConsoleUser.email)).all() == ["ana@example.org"]
        details = [entry.detail for entry in session.scalars(select(AuditLog).order_by(AuditLog.id))]
        assert "PASSWORD" not in repr(details) and PASSWORD not in repr(details)
    assert details == ["added ana@example.org as manager", "added ben@example.org as viewer",
                       "reset the password of ben@example.org", "removed ben@example.org"]

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
from bot.db.models import AuditLog, ConsoleSignIn, ConsoleUser

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
        ana, sid = sign_in(session, "ana@example.org")
        user.locked_until = utcnow() + timedelta(hours=1)
        assert current(session, ana, sid) is not None
        accounts.reset_password(session, "ana@example.org", "another long password")
        assert current(session, ana, sid) is None
        assert accounts.authenticate(session, "ana@example.org", "another long password").epoch == ana.epoch + 1


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


LIFETIME = 12 * 3600


def sign_in(session, email: str, now=None) -> tuple[accounts.Account, str]:
    account = accounts.authenticate(session, email, PASSWORD, now)
    return account, accounts.start_session(session, account, LIFETIME, now)


def current(session, account: accounts.Account, sid: str, now=None, secret: str | None = None):
    return accounts.current_account(session, account.id, account.epoch, account.secret if secret is None else secret,
                                    sid, LIFETIME, now)


def test_a_removed_accounts_id_is_never_given_to_another(migrated_db):
    """Review 5: SQLite gave the newest account's id again once it was removed."""
    with session_scope() as session:
        for email in ("ana@example.org", "ben@example.org", "lee@example.org"):
            accounts.add_user(session, email, "viewer", PASSWORD)
    with session_scope() as session:
        lee, lee_session = sign_in(session, "lee@example.org")
        accounts.remove_user(session, "lee@example.org")
    with session_scope() as session:
        pat = accounts.add_user(session, "pat@example.org", "manager", PASSWORD)
        assert pat.id > lee.id
        assert accounts.current_account(session, lee.id, lee.epoch, lee.secret, lee_session, LIFETIME) is None


def test_a_session_names_its_account_by_a_secret_of_the_account(migrated_db):
    """Review 5: an id and an epoch alone are not enough (a restored database may give an id again)."""
    with session_scope() as session:
        accounts.add_user(session, "ana@example.org", "viewer", PASSWORD)
        ben = accounts.add_user(session, "ben@example.org", "viewer", PASSWORD)
        assert len(ben.session_secret) >= 32
        ana, sid = sign_in(session, "ana@example.org")
        assert ana.secret != ben.session_secret and ana.secret not in repr(ana)
        assert current(session, ana, sid) == ana
        assert current(session, ana, sid, secret=ben.session_secret) is None
        assert current(session, ana, sid, secret="") is None


def test_signing_out_forgets_that_session_only(migrated_db):
    """Review 7: a copied cookie was still good after Sign out."""
    with session_scope() as session:
        accounts.add_user(session, "ana@example.org", "viewer", PASSWORD)
        ana, first = sign_in(session, "ana@example.org")
        _, second = sign_in(session, "ana@example.org")
        assert first != second
        accounts.end_session(session, first)
        assert current(session, ana, first) is None
        assert current(session, ana, second) == ana
        assert current(session, ana, "no such session") is None


def test_signing_out_everywhere_ends_every_session_of_the_account(migrated_db):
    with session_scope() as session:
        for email in ("ana@example.org", "ben@example.org"):
            accounts.add_user(session, email, "viewer", PASSWORD)
        ana, first = sign_in(session, "ana@example.org")
        _, second = sign_in(session, "ana@example.org")
        ben, bens = sign_in(session, "ben@example.org")
        accounts.end_every_session(session, ana.id)
        assert current(session, ana, first) is None and current(session, ana, second) is None
        assert current(session, ben, bens) == ben
        again, third = sign_in(session, "ana@example.org")
        assert again.epoch == ana.epoch + 1 and current(session, again, third) == again


def test_a_session_ends_at_its_absolute_lifetime_however_busy(migrated_db):
    start = utcnow()
    with session_scope() as session:
        accounts.add_user(session, "ana@example.org", "viewer", PASSWORD)
        ana, sid = sign_in(session, "ana@example.org", start)
        assert current(session, ana, sid, start + timedelta(seconds=LIFETIME - 1)) == ana
        assert current(session, ana, sid, start + timedelta(seconds=LIFETIME + 1)) is None
        # Signing in forgets the sessions past their lifetime.
        sign_in(session, "ana@example.org", start + timedelta(seconds=LIFETIME + 1))
        assert session.get(ConsoleSignIn, sid) is None

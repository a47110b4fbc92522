"""Staff accounts of the console: managers and viewers, argon2-hashed passwords, the lockout
after repeated wrong passwords, and the server's record of each signed-in session (Sign out and
"Sign out everywhere" end them; none outlives its absolute lifetime). No web code here: `hub users`
and the console both call it."""
from __future__ import annotations

import hmac
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.clock import utcnow
from bot.db.models import ConsoleSignIn, ConsoleUser

MANAGER, VIEWER = "manager", "viewer"
ROLES = (MANAGER, VIEWER)
PASSWORD_MIN, PASSWORD_MAX = 12, 256  # long enough to resist guessing; bounded so hashing stays cheap
# Wrong passwords in a row before the account locks, and for how long.
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
_hasher = PasswordHasher()  # argon2id with the library's current recommended cost
# Verified against when the email is unknown, so that the answer takes as long as for a known one.
_DUMMY_HASH = _hasher.hash("not a password of anyone's")


class AccountError(ValueError):
    """An account change refused; the message says why."""


class LoginRefused(Exception):
    """Sign-in refused. The message never says whether the email exists, nor that its account is
    locked (that would tell a guesser it exists); `locked` says so, for the audit log only."""

    def __init__(self, locked: bool = False):
        super().__init__(WRONG_EMAIL_OR_PASSWORD)
        self.locked = locked


# The one answer to every refused sign-in: unknown email, wrong password, locked account.
WRONG_EMAIL_OR_PASSWORD = (f"Wrong email or password. After {MAX_FAILURES} wrong passwords in a row an account is "
                           f"locked for {LOCKOUT.total_seconds() / 60:g} min; a manager can reset the password.")


@dataclass(frozen=True)
class Account:
    id: int
    email: str
    role: str
    epoch: int
    secret: str = field(repr=False, compare=False)  # the account's session secret, for its cookies


def normalise_email(text: str | None) -> str:
    email = (text or "").strip().lower()
    if len(email) > 254 or not _EMAIL.match(email):
        raise AccountError(f"{text!r} is not an email address")
    return email


def check_password(password: str | None) -> str:
    if password is None or len(password) < PASSWORD_MIN:
        raise AccountError(f"a password has at least {PASSWORD_MIN} characters")
    if len(password) > PASSWORD_MAX:
        raise AccountError(f"a password has at most {PASSWORD_MAX} characters")
    return password


def add_user(session: Session, email: str, role: str, password: str, now: datetime | None = None) -> ConsoleUser:
    email = normalise_email(email)
    if role not in ROLES:
        raise AccountError(f"the role is one of: {', '.join(ROLES)}")
    check_password(password)
    if session.scalar(select(ConsoleUser).where(ConsoleUser.email == email)) is not None:
        raise AccountError(f"{email} already has an account")
    user = ConsoleUser(email=email, role=role, password_hash=_hasher.hash(password), failed_logins=0,
                       session_epoch=0, session_secret=secrets.token_urlsafe(32), created_at=now or utcnow())
    session.add(user)
    session.flush()
    return user


def find_user(session: Session, email: str) -> ConsoleUser:
    user = session.scalar(select(ConsoleUser).where(ConsoleUser.email == normalise_email(email)))
    if user is None:
        raise AccountError(f"{normalise_email(email)} has no account")
    return user


def list_users(session: Session) -> list[ConsoleUser]:
    return list(session.scalars(select(ConsoleUser).order_by(ConsoleUser.email)))


def remove_user(session: Session, email: str) -> str:
    user = find_user(session, email)
    session.execute(delete(ConsoleSignIn).where(ConsoleSignIn.user_id == user.id))  # its sessions end with it
    session.delete(user)
    return user.email


def reset_password(session: Session, email: str, password: str) -> ConsoleUser:
    """A new password; it also lifts a lockout and ends every session of the account."""
    user = find_user(session, email)
    user.password_hash = _hasher.hash(check_password(password))
    user.failed_logins, user.locked_until = 0, None
    end_every_session(session, user.id)
    return user


def authenticate(session: Session, email: str, password: str, now: datetime | None = None) -> Account:
    """The account, when the password is right and the account not locked. MAX_FAILURES wrong
    passwords in a row lock it for LOCKOUT (a reset lifts it)."""
    now = now or utcnow()
    try:
        email = normalise_email(email)
    except AccountError:
        email = ""
    user = session.scalar(select(ConsoleUser).where(ConsoleUser.email == email)) if email else None
    if user is None:
        _verify(_DUMMY_HASH, password or "")
        raise LoginRefused()
    if user.locked_until is not None and user.locked_until > now:
        _verify(_DUMMY_HASH, password or "")  # as long as any other refusal
        raise LoginRefused(locked=True)
    if not _verify(user.password_hash, password or ""):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILURES:
            user.locked_until, user.failed_logins = now + LOCKOUT, 0
            raise LoginRefused(locked=True)
        raise LoginRefused()
    user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return _account(user)


def _account(user: ConsoleUser) -> Account:
    return Account(user.id, user.email, user.role, user.session_epoch, user.session_secret)


def start_session(session: Session, account: Account, lifetime_seconds: float, now: datetime | None = None) -> str:
    """A new signed-in session of `account`: the id its cookie carries. Sessions past their
    lifetime, anyone's, are forgotten meanwhile."""
    now = now or utcnow()
    session.execute(delete(ConsoleSignIn).where(ConsoleSignIn.created_at <= now - timedelta(seconds=lifetime_seconds)))
    sid = secrets.token_urlsafe(32)
    session.add(ConsoleSignIn(id=sid, user_id=account.id, created_at=now))
    return sid


def end_session(session: Session, sid: str) -> None:
    """Sign out: the server forgets that session, so no copy of its cookie works again."""
    session.execute(delete(ConsoleSignIn).where(ConsoleSignIn.id == sid))


def end_every_session(session: Session, user_id: int) -> None:
    """Every session of the account ends (Sign out everywhere, a password reset): its epoch moves
    on, and the server forgets them."""
    user = session.get(ConsoleUser, user_id)
    if user is not None:
        user.session_epoch += 1
    session.execute(delete(ConsoleSignIn).where(ConsoleSignIn.user_id == user_id))


def current_account(session: Session, user_id: int, epoch: int, secret: str, sid: str, lifetime_seconds: float,
                    now: datetime | None = None) -> Account | None:
    """The account a session names: while the account exists with that secret and epoch (no reset
    or "Sign out everywhere" since), and the server still holds the session, for at most its
    lifetime."""
    now = now or utcnow()
    user = session.get(ConsoleUser, user_id)
    if user is None or user.session_epoch != epoch or not hmac.compare_digest(user.session_secret.encode(),
                                                                             (secret or "").encode()):
        return None
    signed_in = session.get(ConsoleSignIn, sid) if sid else None
    if (signed_in is None or signed_in.user_id != user.id
            or signed_in.created_at <= now - timedelta(seconds=lifetime_seconds)):
        return None
    return _account(user)


def _verify(hashed: str, password: str) -> bool:
    if len(password) > PASSWORD_MAX:
        return False
    try:
        return _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False

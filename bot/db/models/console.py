"""The console's tables (bot/console): the staff accounts, their signed-in sessions, and the
audit log."""
from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, Text

from bot.db.models.base import Base


class ConsoleUser(Base):
    """A member of staff who signs in to the console (bot/console): a manager or a viewer. Not
    the roster's coordinator. The password is kept only as an argon2 hash."""

    __tablename__ = "console_user"
    # AUTOINCREMENT: SQLite would otherwise give a removed account's id to the next one (review 5);
    # PostgreSQL's sequence never gives an id twice.
    __table_args__ = {"sqlite_autoincrement": True}
    id = Column(Integer, primary_key=True, autoincrement=True)
    email = Column(String(254), nullable=False, unique=True)
    role = Column(String(16), nullable=False)  # manager | viewer
    password_hash = Column(String(200), nullable=False)
    # Wrong passwords in a row; past the limit the account is locked until locked_until.
    failed_logins = Column(Integer, nullable=False, default=0, server_default="0")
    locked_until = Column(DateTime)
    # Bumped by a password reset or "Sign out everywhere": every session with an older epoch ends.
    session_epoch = Column(Integer, nullable=False, default=0, server_default="0")
    # Random, made with the account and carried in its session cookies: a cookie names the account
    # by id and secret, so it never signs in as any other account, whatever ids a database gives.
    session_secret = Column(String(64), nullable=False)
    created_at = Column(DateTime, nullable=False)
    last_login_at = Column(DateTime)


class ConsoleSignIn(Base):
    """One signed-in console session, by the random id its cookie carries: Sign out forgets it.
    It lasts HUB_CONSOLE_SESSION_MAX from created_at at most, however busy (the idle timeout is
    the cookie's)."""

    __tablename__ = "console_session"
    id = Column(String(64), primary_key=True)
    user_id = Column(Integer, ForeignKey("console_user.id", ondelete="CASCADE"), nullable=False, index=True)
    created_at = Column(DateTime, nullable=False, index=True)


class AuditLog(Base):
    """Who did what in the console, and when: every change, and every time a number was shown.
    Names the member of staff and a handoff's reference, never the number shown."""

    __tablename__ = "audit_log"
    id = Column(Integer, primary_key=True, autoincrement=True)
    at = Column(DateTime, nullable=False, index=True)
    actor = Column(String(254), nullable=False)
    action = Column(String(32), nullable=False)
    detail = Column(Text, nullable=False)

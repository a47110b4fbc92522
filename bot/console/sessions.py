"""Console sessions in a signed cookie, and the CSRF token each one carries.

The cookie holds the account id, its session epoch (a password reset or "Sign out everywhere"
ends older sessions), the account's session secret (so that it never names another account), the
id the server keeps for the session (Sign out forgets it: bot/console/accounts.py), a random CSRF
token and when the session was last used, signed with an HMAC keyed from HUB_SECRET_KEY: it
cannot be forged or altered, and an idle session expires even if the browser keeps the cookie. A
browser that is not signed in has a session too, without an account, so that the login form has
its CSRF token.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, replace

COOKIE = "hub_console"


@dataclass(frozen=True)
class ConsoleSession:
    user_id: int | None
    epoch: int
    secret: str  # the account's session secret; "" signed out
    sid: str  # the server's id of this session; "" signed out
    csrf: str
    seen: float  # when last used (epoch seconds)

    def used_at(self, now: float) -> ConsoleSession:
        return replace(self, seen=now)


def new_session(now: float, user_id: int | None = None, epoch: int = 0, secret: str = "", sid: str = "") -> ConsoleSession:
    """A fresh session, with a fresh CSRF token: made at sign-in and sign-out too, so that a token
    seen before signing in is worth nothing after."""
    return ConsoleSession(user_id, epoch, secret, sid, secrets.token_urlsafe(32), now)


def _key(secret_key: str) -> bytes:
    # Its own key, derived: the phone-number HMAC's key never signs anything a browser holds.
    return hmac.new(secret_key.encode(), b"hub console session", hashlib.sha256).digest()


def encode(session: ConsoleSession, secret_key: str) -> str:
    # unpadded: "=" would make the cookie a quoted string
    body = base64.urlsafe_b64encode(json.dumps(
        [session.user_id, session.epoch, session.secret, session.sid, session.csrf, int(session.seen)],
        separators=(",", ":")).encode()).decode().rstrip("=")
    signature = hmac.new(_key(secret_key), body.encode(), hashlib.sha256).hexdigest()
    return f"{body}.{signature}"


def decode(cookie: str | None, secret_key: str, now: float, idle_seconds: float) -> ConsoleSession | None:
    """The session of a cookie that is signed, well formed and not idle too long; None otherwise."""
    if not cookie or len(cookie) > 1024 or "." not in cookie:
        return None
    body, _, signature = cookie.rpartition(".")
    expected = hmac.new(_key(secret_key), body.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), signature.encode()):  # bytes: a forged cookie may hold any character
        return None
    try:
        # (a cookie of the older form, without secret and id, is no session: signed in again)
        user_id, epoch, secret, sid, csrf, seen = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (ValueError, TypeError):
        return None
    if now - seen > idle_seconds or seen > now + 60:
        return None
    return ConsoleSession(user_id, epoch, secret, sid, csrf, seen)


def csrf_ok(session: ConsoleSession | None, token: str | None) -> bool:
    return session is not None and bool(token) and hmac.compare_digest(session.csrf.encode(), token.encode())  # type: ignore[union-attr]  # bool(token) rules None out; mypy does not narrow through bool()

"""Console session cookies: signed, expiring when idle, and carrying the CSRF token."""
from bot.console import sessions
from bot.console.throttle import Throttle

KEY = "k" * 32


def test_a_session_round_trips_and_cannot_be_altered():
    session = sessions.new_session(1000.0, user_id=7, epoch=2)
    cookie = sessions.encode(session, KEY)
    assert "=" not in cookie and '"' not in cookie  # a plain cookie value, not a quoted string
    assert sessions.decode(cookie, KEY, 1010.0, 60) == session
    body, signature = cookie.rsplit(".", 1)
    forged = sessions.encode(sessions.ConsoleSession(1, 2, session.csrf, 1000.0), "another key of 32 characters....")
    for bad in (forged, body + "." + "0" * 64, body, "", None, "x" * 5000, "😀.😀", cookie[:-1] + "0"):
        assert sessions.decode(bad, KEY, 1010.0, 60) is None
    assert sessions.decode(cookie, KEY, 1000.0 + 61, 60) is None  # idle too long


def test_csrf_tokens_must_match_the_session():
    session = sessions.new_session(0.0)
    assert sessions.csrf_ok(session, session.csrf)
    for bad in (None, "", sessions.new_session(0.0).csrf, session.csrf[:-1]):
        assert not sessions.csrf_ok(session, bad)
    assert not sessions.csrf_ok(None, session.csrf) and not sessions.csrf_ok(session, "😀")


def test_failed_sign_ins_are_throttled_per_address():
    now = [0.0]
    throttle = Throttle(limit=3, window_seconds=60, clock=lambda: now[0])
    allowed = []
    for _ in range(4):
        allowed.append(throttle.allow("10.0.0.1"))
        throttle.failed("10.0.0.1")
    assert allowed == [True, True, True, False]
    assert throttle.allow("10.0.0.2")
    now[0] = 61.0
    assert throttle.allow("10.0.0.1")

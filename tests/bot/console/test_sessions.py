"""Console session cookies: signed, expiring when idle, and carrying the CSRF token; the sign-in
throttle and the client address it counts by."""
import base64
import hashlib
import hmac
import json
from ipaddress import ip_network

import pytest

from bot.config import ConfigError, get_settings
from bot.console import sessions
from bot.console.throttle import Throttle, client_address

KEY = "k" * 32


def test_a_session_round_trips_and_cannot_be_altered():
    session = sessions.new_session(1000.0, user_id=7, epoch=2, secret="account secret", sid="session id")
    cookie = sessions.encode(session, KEY)
    assert "=" not in cookie and '"' not in cookie  # a plain cookie value, not a quoted string
    assert sessions.decode(cookie, KEY, 1010.0, 60) == session
    body, signature = cookie.rsplit(".", 1)
    forged = sessions.encode(sessions.ConsoleSession(1, 2, "s", "i", session.csrf, 1000.0), "another key of 32 characters....")
    # The signature's last digit changed (to another digit: a "0" made "0" again was no change,
    # and failed this test once in sixteen runs).
    altered = cookie[:-1] + ("1" if cookie[-1] == "0" else "0")
    for bad in (forged, body + "." + "0" * 64, body, "", None, "x" * 5000, "😀.😀", altered):
        assert sessions.decode(bad, KEY, 1010.0, 60) is None
    assert sessions.decode(cookie, KEY, 1000.0 + 61, 60) is None  # idle too long
    # A cookie of the older form (id, epoch, csrf, seen: no account secret, no server id) is no session.
    older = base64.urlsafe_b64encode(json.dumps([7, 2, session.csrf, 1000]).encode()).decode().rstrip("=")
    older += "." + hmac.new(sessions._key(KEY), older.encode(), hashlib.sha256).hexdigest()
    assert sessions.decode(older, KEY, 1010.0, 60) is None


def test_csrf_tokens_must_match_the_session():
    session = sessions.new_session(0.0)
    assert sessions.csrf_ok(session, session.csrf)
    for bad in (None, "", sessions.new_session(0.0).csrf, session.csrf[:-1]):
        assert not sessions.csrf_ok(session, bad)
    assert not sessions.csrf_ok(None, session.csrf) and not sessions.csrf_ok(session, "😀")


def test_failed_sign_ins_are_throttled_per_address_and_email():
    now = [0.0]
    throttle = Throttle(limit=3, window_seconds=60, clock=lambda: now[0])
    allowed = []
    for _ in range(4):
        allowed.append(throttle.allow("10.0.0.1", "ana@example.org"))
        throttle.failed("10.0.0.1", " Ana@Example.org")
    assert allowed == [True, True, True, False]
    assert throttle.allow("10.0.0.2", "ana@example.org")
    # Review 6: whoever fails from an address everyone shares (a tunnel, a proxy) locks out no one else.
    assert throttle.allow("10.0.0.1", "ben@example.org")
    now[0] = 61.0
    assert throttle.allow("10.0.0.1", "ana@example.org")


def test_x_forwarded_for_is_believed_only_from_the_trusted_proxy():
    """Review 6: the address is the proxy's own unless HUB_TRUSTED_PROXY names it; then the
    address the proxy saw (the rightmost it added, not one a client wrote itself)."""
    local = (ip_network("127.0.0.1/32"),)
    office = (ip_network("10.0.0.0/8"),)
    for peer, forwarded, trusted, expected in (
            ("127.0.0.1", "198.51.100.7", (), "127.0.0.1"),  # no proxy trusted: the header is anyone's
            ("127.0.0.1", None, local, "127.0.0.1"),
            ("127.0.0.1", "198.51.100.7", local, "198.51.100.7"),
            ("127.0.0.1", "203.0.113.9, 198.51.100.7", local, "198.51.100.7"),  # the client wrote the first
            ("192.0.2.1", "198.51.100.7", local, "192.0.2.1"),  # not from the proxy
            ("10.0.0.2", "198.51.100.7, 10.0.0.5", office, "198.51.100.7"),  # two proxies of the office
            ("10.0.0.2", "10.0.0.9, 10.0.0.5", office, "10.0.0.9"),
            ("127.0.0.1", "not an address", local, "127.0.0.1"),
            ("127.0.0.1", "😀, 198.51.100.7", local, "198.51.100.7"),
            ("::ffff:127.0.0.1", "2001:db8::1", local, "2001:db8::1"),
            ("127.0.0.1", "", local, "127.0.0.1")):
        assert client_address(peer, forwarded, trusted) == expected, (peer, forwarded, trusted)


def test_the_trusted_proxy_setting(monkeypatch):
    get_settings.cache_clear()
    assert get_settings().trusted_proxies == ()  # empty by default: no header is believed
    for text, expected in (("127.0.0.1", ("127.0.0.1/32",)), (" 10.0.0.0/8 ", ("10.0.0.0/8",)),
                           ("127.0.0.1, ::1", ("127.0.0.1/32", "::1/128"))):
        monkeypatch.setenv("HUB_TRUSTED_PROXY", text)
        get_settings.cache_clear()
        assert get_settings().trusted_proxies == tuple(ip_network(n) for n in expected)
    for bad in ("proxy.example.org", "10.0.0.1/40", "10.0.0.1/8"):
        monkeypatch.setenv("HUB_TRUSTED_PROXY", bad)
        get_settings.cache_clear()
        with pytest.raises(ConfigError, match="HUB_TRUSTED_PROXY"):
            get_settings()
    get_settings.cache_clear()

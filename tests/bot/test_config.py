"""Configuration: every variable the code reads is documented in .env.example, and secrets never
show in a printed or logged Settings."""
import re

from bot.config import PROJECT_ROOT, get_settings
from tests.conftest import TEST_ENV

# Set in the process environment only (tests, unusual deployments), never in .env itself.
ENVIRONMENT_ONLY = {"HUB_ENV_FILE"}


def test_every_variable_the_code_reads_is_in_env_example_with_a_comment():
    read = set()
    for path in (PROJECT_ROOT / "bot").rglob("*.py"):
        read |= set(re.findall(r"""env(?:iron)?\.get\(\s*["']([A-Z][A-Z0-9_]+)["']""", path.read_text()))
    lines = (PROJECT_ROOT / ".env.example").read_text().splitlines()
    documented, commented = {}, False
    for line in lines:  # a variable, or a group of them, right under its comment
        match = re.match(r"([A-Z][A-Z0-9_]+)=", line)
        if match:
            documented[match.group(1)] = commented
        else:
            commented = line.startswith("#")
    assert read - ENVIRONMENT_ONLY - set(documented) == set()
    assert [name for name, commented in documented.items() if not commented] == []


def test_secrets_are_not_in_the_settings_repr(monkeypatch):
    monkeypatch.setenv("HUB_DATABASE_URL", "postgresql://hub:db-password-42@db.internal/hub")
    get_settings.cache_clear()
    shown = repr(get_settings())
    assert TEST_ENV["HUB_SECRET_KEY"] not in shown and TEST_ENV["TWILIO_AUTH_TOKEN"] not in shown
    assert "db-password-42" not in shown


def test_console_and_metrics_settings(monkeypatch):
    import pytest

    from bot.config import ConfigError

    get_settings.cache_clear()
    settings = get_settings()
    assert (settings.console_port, settings.console_idle_seconds, settings.console_secure_cookie) == (5006, 1800, "auto")
    assert settings.metrics_token is None and settings.worker_metrics_port is None
    monkeypatch.setenv("HUB_METRICS_TOKEN", "a-metrics-token-of-some-length")
    get_settings.cache_clear()
    assert "a-metrics-token-of-some-length" not in repr(get_settings())
    for name, value, message in (("HUB_CONSOLE_PORT", "0", "between 1 and 65535"), ("HUB_CONSOLE_PORT", "😀", "whole number"),
                                 ("HUB_CONSOLE_IDLE_TIMEOUT", "soon", "duration"), ("HUB_CONSOLE_SECURE_COOKIE", "off", "'auto' or 'on'"),
                                 ("HUB_METRICS_TOKEN", "short", "at least 16"), ("HUB_WORKER_METRICS_PORT", "70000", "between")):
        monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        with pytest.raises(ConfigError, match=message):
            get_settings()
        monkeypatch.delenv(name)


def test_the_send_rate_is_a_number_of_messages_a_second(monkeypatch):
    import pytest

    from bot.config import ConfigError

    monkeypatch.delenv("HUB_SEND_RATE")
    get_settings.cache_clear()
    assert get_settings().send_rate == 1.0  # a US long code's limit, unless told otherwise
    for value, expected in (("3", 3.0), ("0.5", 0.5), (" 100 ", 100.0)):
        monkeypatch.setenv("HUB_SEND_RATE", value)
        get_settings.cache_clear()
        assert get_settings().send_rate == expected
    for value in ("0", "-1", "fast", "nan", "inf", "1001"):
        monkeypatch.setenv("HUB_SEND_RATE", value)
        get_settings.cache_clear()
        with pytest.raises(ConfigError, match="HUB_SEND_RATE"):
            get_settings()


def test_the_directory_time_zone_is_an_iana_zone(monkeypatch):
    import pytest

    from bot.config import ConfigError

    monkeypatch.delenv("HUB_DIRECTORY_TIMEZONE", raising=False)
    get_settings.cache_clear()
    assert get_settings().directory_timezone == "America/Los_Angeles"
    monkeypatch.setenv("HUB_DIRECTORY_TIMEZONE", " America/Chicago ")
    get_settings.cache_clear()
    assert get_settings().directory_timezone == "America/Chicago"
    for value in ("Pacific", "PST8", "../etc/passwd", "America/Nowhere", "🙂"):
        monkeypatch.setenv("HUB_DIRECTORY_TIMEZONE", value)
        get_settings.cache_clear()
        with pytest.raises(ConfigError, match="HUB_DIRECTORY_TIMEZONE"):
            get_settings()
    get_settings.cache_clear()


# --- durations: a bare number is read in its setting's unit, and said so ---------------------------

import logging  # noqa: E402

import pytest  # noqa: E402

from bot.config import bare_durations, duration_words  # noqa: E402


@pytest.mark.parametrize("name, text, seconds, unit", [
    ("HUB_ESCALATE_AFTER", "600", 600 * 60, "minutes"),  # ten hours, though "600" reads like seconds
    ("HUB_ANSWER_DEADLINE", "8", 8, "seconds"),
    ("HUB_STALE_AFTER", "90", 90 * 86400, "days"),
    ("HUB_FOLLOW_UP_AGAIN", "4320", 72 * 3600, "minutes"),
])
def test_a_bare_number_is_still_read_in_its_settings_unit_with_one_warning(monkeypatch, caplog, name, text, seconds, unit):
    monkeypatch.setenv(name, text)
    get_settings.cache_clear()
    with caplog.at_level(logging.WARNING, logger="bot.config"):
        settings = get_settings()
    read = {"HUB_ESCALATE_AFTER": settings.escalate_after_seconds, "HUB_ANSWER_DEADLINE": settings.answer_deadline_seconds,
            "HUB_STALE_AFTER": settings.stale_after_seconds, "HUB_FOLLOW_UP_AGAIN": settings.follow_up_again_seconds}[name]
    assert read == seconds
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and name in r.getMessage()]
    assert len(warnings) == 1 and f"read in {unit}" in warnings[0] and duration_words(seconds) in warnings[0]
    assert [(b.name, b.text, b.seconds) for b in bare_durations()] == [(name, text, seconds)]


def test_durations_with_their_unit_warn_of_nothing(monkeypatch, caplog):
    monkeypatch.setenv("HUB_ESCALATE_AFTER", "600")
    get_settings.cache_clear()
    get_settings()
    monkeypatch.setenv("HUB_ESCALATE_AFTER", "600s")
    get_settings.cache_clear()
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="bot.config"):
        assert get_settings().escalate_after_seconds == 600
    assert [r for r in caplog.records if "has no unit" in r.getMessage()] == [] and bare_durations() == []


@pytest.mark.parametrize("seconds, words", [
    (8, "8 seconds"), (90, "90 seconds"), (600, "10 minutes"), (36000, "10 hours"), (86400, "24 hours"),
    (7 * 86400, "7 days"), (60, "1 minute"), (5400, "90 minutes"), (4, "4 seconds"),
])
def test_durations_in_words(seconds, words):
    assert duration_words(seconds) == words


def test_env_example_writes_every_duration_with_its_unit():
    durations = re.findall(r"^(HUB_[A-Z_]*(?:AFTER|AGAIN|DEADLINE|TIMEOUT|MAX_AGE|REMINDER|_MAX))=(.*)$",
                           (PROJECT_ROOT / ".env.example").read_text(), re.M)
    assert len(durations) >= 9
    assert [(name, value) for name, value in durations if value and not re.fullmatch(r"\d+(\.\d+)?[smhd]", value)] == []


def test_an_action_call_is_limited_to_20_seconds_unless_told_and_always_to_under_rasas_300(monkeypatch):
    from bot.config import ConfigError

    monkeypatch.delenv("HUB_ACTION_TIMEOUT", raising=False)
    get_settings.cache_clear()
    assert get_settings().action_timeout_seconds == 20
    for text, seconds in (("45s", 45), ("2m", 120), ("30", 30)):  # a bare number is seconds
        monkeypatch.setenv("HUB_ACTION_TIMEOUT", text)
        get_settings.cache_clear()
        assert get_settings().action_timeout_seconds == seconds
    for text in ("5m", "300s", "0s", "soon"):
        monkeypatch.setenv("HUB_ACTION_TIMEOUT", text)
        get_settings.cache_clear()
        with pytest.raises(ConfigError, match="HUB_ACTION_TIMEOUT"):
            get_settings()

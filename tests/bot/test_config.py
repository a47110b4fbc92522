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

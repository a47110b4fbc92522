import pytest


@pytest.fixture
def spike_defaults(monkeypatch):
    """HUB_SPIKE_MIN at its default (tests/conftest.py raises it for every other test)."""
    from bot.config import get_settings

    monkeypatch.setenv("HUB_SPIKE_MIN", "3")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()

"""Metrics: served only with the token; deadline misses recorded per hour in one write per burst."""
import time

import pytest
import requests
from sqlalchemy import select

from bot.config import get_settings
from bot.db import session_scope
from bot.db.models import DeadlineMiss
from bot.metrics import MissRecorder, authorised, serve_worker_metrics
from tests.servers import free_port


def test_a_token_is_needed_and_none_set_means_no_metrics(monkeypatch):
    assert not authorised(get_settings(), "Bearer anything")  # no token set
    monkeypatch.setenv("HUB_METRICS_TOKEN", "t" * 20)
    get_settings.cache_clear()
    settings = get_settings()
    assert authorised(settings, "Bearer " + "t" * 20)
    for wrong in (None, "", "t" * 20, "Bearer " + "t" * 19, "Bearer 😀", "Basic " + "t" * 20):
        assert not authorised(settings, wrong)
    monkeypatch.setenv("HUB_METRICS_TOKEN", "short")
    get_settings.cache_clear()
    with pytest.raises(Exception, match="at least 16 characters"):
        get_settings()


def test_a_burst_of_misses_is_one_write(migrated_db, monkeypatch):
    monkeypatch.setattr(MissRecorder, "DELAY", 0.2)
    recorder = MissRecorder()
    for _ in range(50):
        recorder.miss()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with session_scope() as session:
            rows = session.scalars(select(DeadlineMiss)).all()
        if rows:
            break
        time.sleep(0.1)
    assert [row.misses for row in rows] == [50]


def test_the_worker_serves_its_figures_behind_the_token(migrated_db, monkeypatch):
    from bot.notify.outbox import enqueue

    monkeypatch.setenv("HUB_METRICS_TOKEN", "w" * 20)
    monkeypatch.setenv("HUB_WORKER_METRICS_PORT", str(free_port()))
    get_settings.cache_clear()
    settings = get_settings()
    with session_scope() as session:
        enqueue(session, to_number="+12065550160", from_number="+12065550100", body="x", purpose="notice")
    serve_worker_metrics(settings, "127.0.0.1")
    url = f"http://127.0.0.1:{settings.worker_metrics_port}"
    assert requests.get(url + "/metrics", timeout=5).status_code == 401
    assert requests.get(url + "/elsewhere", timeout=5).status_code == 404
    scraped = requests.get(url + "/metrics", headers={"Authorization": "Bearer " + "w" * 20}, timeout=5)
    assert scraped.status_code == 200 and "hub_outbox_backlog 1.0" in scraped.text and "2065550160" not in scraped.text  # the number, not digits of a timestamp

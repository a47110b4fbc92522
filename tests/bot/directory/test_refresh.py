"""A refresh from a feed (issue 32, part 2; bot/directory/refresh.py): a service the feed no longer
lists is made inactive, never deleted, and a reappearance restores it; a refresh that would make
more than HUB_DIRECTORY_HOLD_BACK of the feed's services inactive is held back, the coordinator
told, and `--yes` applies it; `--check` writes nothing; the worker's scheduled refresh is claimed
(two workers run it once), and a feed that fails twice in a row makes `hub status` fail."""
from __future__ import annotations

import json
import shutil
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.cli import main
from bot.clock import utcnow
from bot.config import get_settings
from bot.db import session_scope
from bot.db.models import DirectoryRefresh, OutboxMessage, Service
from bot.directory import feed as feed_module
from bot.directory.refresh import FIRST_DUE, failing_in_a_row, next_due, refresh_from_feed, refresh_if_due
from bot.handoff.availability import set_coordinator
from tests.bot.directory.feed_server import MOCK_API, FeedServer, services_like_the_mock
from tests.conftest import DEMO_DIRECTORY

pytestmark = pytest.mark.skipif(not MOCK_API.is_dir(), reason=f"Open Referral's mock API records are not at {MOCK_API}")
COORDINATOR = "+12065550142"


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch):
    monkeypatch.setattr(feed_module, "_sleep", lambda seconds: None)


@pytest.fixture
def server():
    with FeedServer() as running:
        running.services = services_like_the_mock(10)
        yield running


def import_api(url, capsys, *extra) -> tuple[int, dict]:
    status = main(["directory", "import", "--api", url, "--json", "--quiet", *extra])
    return status, json.loads(capsys.readouterr().out)


def statuses() -> dict[str, str]:
    with session_scope() as session:
        return dict(session.execute(select(Service.id, Service.status)).all())


def test_a_service_the_feed_no_longer_lists_is_made_inactive_and_restored_when_it_returns(migrated_db, server, capsys):
    assert import_api(server.url, capsys)[0] == 0
    gone = server.services.pop(3)
    status, out = import_api(server.url, capsys)
    assert status == 0 and out["made_inactive"] == [gone["id"]]
    after = statuses()
    assert after[gone["id"]] == "inactive" and len(after) == 10  # kept, not deleted
    assert sum(1 for s in after.values() if s == "active") == 9
    server.services.append(gone)
    status, out = import_api(server.url, capsys)
    assert status == 0 and out["restored"] == [gone["id"]] and out["made_inactive"] == []
    assert statuses()[gone["id"]] == "active"
    with session_scope() as session:
        assert session.get(Service, gone["id"]).missing_since is None


def test_a_package_import_removes_nothing_and_leaves_a_feeds_services_to_it(migrated_db, server, capsys):
    assert import_api(server.url, capsys)[0] == 0
    assert main(["directory", "import", str(DEMO_DIRECTORY), "--quiet"]) == 0
    capsys.readouterr()
    with session_scope() as session:
        feeds = dict(session.execute(select(Service.id, Service.feed)).all())
    assert sum(1 for f in feeds.values() if f == server.url) == 10
    assert all(statuses()[i] == "active" for i, f in feeds.items() if f == server.url)


def test_a_refresh_that_would_empty_the_directory_is_held_back(migrated_db, server, capsys):
    with session_scope() as session:
        set_coordinator(session, COORDINATOR, "Kim")
    assert import_api(server.url, capsys)[0] == 0
    kept = server.services[:1]
    server.services = kept
    status, out = import_api(server.url, capsys)
    assert status == 1 and out["held_back"] is True and out["imported"] is False
    assert len(out["made_inactive"]) == 9
    assert sum(1 for s in statuses().values() if s == "active") == 10  # nothing changed
    with session_scope() as session:
        [told] = session.scalars(select(OutboxMessage).where(OutboxMessage.to_number == COORDINATOR,
                                                             OutboxMessage.body.contains("held back")))
        assert "no longer lists 9 of its 10 services" in told.body and "--yes" in told.body
        assert session.scalars(select(DirectoryRefresh.outcome).order_by(DirectoryRefresh.id.desc())).first() == "held_back"
    assert main(["status"]) == 1
    assert "held back" in capsys.readouterr().out
    status, out = import_api(server.url, capsys, "--yes")
    assert status == 0 and out["imported"] is True and len(out["made_inactive"]) == 9
    assert sum(1 for s in statuses().values() if s == "active") == 1


def test_a_small_loss_is_applied_without_asking(migrated_db, server, capsys, monkeypatch):
    assert import_api(server.url, capsys)[0] == 0
    server.services = server.services[:8]  # 2 of 10: exactly 20 %, not more
    status, out = import_api(server.url, capsys)
    assert status == 0 and len(out["made_inactive"]) == 2
    monkeypatch.setenv("HUB_DIRECTORY_HOLD_BACK", "10%")
    get_settings.cache_clear()
    server.services = server.services[:6]
    status, out = import_api(server.url, capsys)
    assert status == 1 and out["held_back"] is True


def test_check_shows_what_would_change_and_writes_nothing(migrated_db, server, capsys, tmp_path):
    status, out = import_api(server.url, capsys, "--check")
    assert status == 0 and out["checked"] is True and out["imported"] is False and out["inserted"]["service"] == 10
    assert statuses() == {}
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(DirectoryRefresh)) == 0
    assert main(["directory", "import", str(DEMO_DIRECTORY), "--check", "--quiet"]) == 0
    assert "would change this (--check: nothing was written)" in capsys.readouterr().out
    assert statuses() == {}
    broken = tmp_path / "broken"
    shutil.copytree(DEMO_DIRECTORY, broken)
    (broken / "services.csv").write_text("id,name\n1,x\n", encoding="utf-8")
    assert main(["directory", "import", str(broken), "--check", "--quiet"]) == 1


def test_the_worker_refreshes_when_due_and_two_workers_run_it_once(migrated_db, server, monkeypatch):
    monkeypatch.setenv("HUB_DIRECTORY_FEED", server.url)
    monkeypatch.setenv("HUB_DIRECTORY_REFRESH", "24h")
    get_settings.cache_clear()
    with session_scope() as session:
        assert next_due(session, server.url, 86400) == FIRST_DUE
    # Another worker already claimed this due time: this one does nothing.
    with session_scope() as session:
        session.add(DirectoryRefresh(feed=server.url, claim=f"{server.url}@{FIRST_DUE.isoformat()}", by="worker",
                                     started_at=utcnow(), outcome="running"))
    assert refresh_if_due() == 0
    assert statuses() == {}
    with session_scope() as session:
        session.execute(DirectoryRefresh.__table__.delete())
    assert refresh_if_due() == 1
    assert len(statuses()) == 10
    assert refresh_if_due() == 0  # not due again for 24 h
    with session_scope() as session:
        due = next_due(session, server.url, 86400)
        [row] = session.scalars(select(DirectoryRefresh))
        assert row.outcome == "applied" and row.by == "worker" and row.new == 10
    assert due == row.started_at + timedelta(hours=24)


def test_a_feed_that_fails_is_tried_after_a_quarter_and_two_failures_make_status_fail(migrated_db, server, monkeypatch, capsys):
    monkeypatch.setenv("HUB_DIRECTORY_FEED", server.url)
    get_settings.cache_clear()
    server.fail = {1: [500] * 100}
    result = refresh_from_feed(server.url, by="worker")
    assert result.outcome.value == "failed" and "HTTP 500" in result.detail
    with session_scope() as session:
        [row] = session.scalars(select(DirectoryRefresh))
        assert next_due(session, server.url, 86400) == row.started_at + timedelta(hours=6)
        assert failing_in_a_row(session, server.url) == 1
    main(["status"])
    assert "failed its last" not in capsys.readouterr().out
    refresh_from_feed(server.url, by="worker")
    assert main(["status"]) == 1
    out = capsys.readouterr().out
    assert "failed its last 2 refreshes" in out and "HTTP 500" in out
    server.fail = {}
    assert refresh_from_feed(server.url, by="worker").outcome.value == "applied"
    with session_scope() as session:
        assert failing_in_a_row(session, server.url) == 0


def test_a_refresh_cut_off_by_a_dead_worker_counts_as_failed(migrated_db, server):
    with session_scope() as session:
        session.add(DirectoryRefresh(feed=server.url, claim="x", by="worker", started_at=utcnow() - timedelta(hours=3),
                                     outcome="running"))
    with session_scope() as session:
        assert failing_in_a_row(session, server.url) == 1
        assert next_due(session, server.url, 86400) is not None

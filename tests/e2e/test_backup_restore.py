"""`hub backup` while people text the line, then `hub restore` into another installation: every
handoff, opt-out, roster entry and conversation is there again."""
import json
import os
import sqlite3
import subprocess
import threading
from contextlib import closing

import pytest

from bot.privacy import sender_key
from tests.conftest import PROJECT_ROOT, TEST_ENV
from tests.e2e.conftest import BIN, running_hotline, text

pytestmark = pytest.mark.e2e

LEE, STOPPER = "+12065550181", "+12065550143"
TEXTERS = ["+12065550150", "+12065550151", "+12065550152"]


def hub(env, *args):
    done = subprocess.run([str(BIN / "hub"), *args], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


def senders(tracker_db):
    with closing(sqlite3.connect(tracker_db)) as tracker:
        return {row[0] for row in tracker.execute("SELECT DISTINCT sender_id FROM events")}


def test_backup_during_traffic_then_restore_elsewhere(trained_model, tmp_path):
    line = tmp_path / "line"
    line.mkdir()
    with running_hotline(trained_model, line, HUB_ENDPOINTS=str(line / "endpoints.yml")) as hotline:
        referral = text(hotline, LEE, "Referral: consented, 206-555-0142, post OD, needs narcan")[1][0]
        assert text(hotline, STOPPER, "STOP")[0] == 200
        answered, stop = [], threading.Event()

        def texter(number):
            while not stop.is_set():
                status, replies = text(hotline, number, "where can I get narcan near 98104")
                answered.append((number, status, bool(replies)))

        threads = [threading.Thread(target=texter, args=(number,), daemon=True) for number in TEXTERS]
        for thread in threads:
            thread.start()
        while len({number for number, *_ in answered}) < len(TEXTERS):
            threading.Event().wait(0.2)
        before = {number for number, *_ in answered}
        hotline.hub("backup", str(tmp_path / "backup"))
        stop.set()
        for thread in threads:
            thread.join(60)
        assert all(status == 200 and replied for _, status, replied in answered)
        old_handoffs = json.loads(hotline.hub("handoffs", "--json"))["handoffs"]
        old_roster = json.loads(hotline.hub("roster", "list", "--json"))["roster"]
        old_senders = senders(hotline.tracker_db)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "endpoints.yml").write_text(f'tracker_store:\n  type: SQL\n  dialect: "sqlite"\n  db: "{elsewhere / "tracker.db"}"\n')
    env = {**os.environ, **TEST_ENV, "HUB_DATABASE_URL": f"sqlite:///{elsewhere / 'hub.db'}",
           "HUB_ENDPOINTS": str(elsewhere / "endpoints.yml")}
    env.pop("PYTEST_CURRENT_TEST", None)
    hub(env, "db", "upgrade")  # a fresh installation
    out = hub(env, "restore", str(tmp_path / "backup"), "--old-database", hotline.database_url)
    assert "merged from the old database" in out and "retention purge run at once" in out

    restored = json.loads(hub(env, "handoffs", "--json"))["handoffs"]
    assert [h["ref"] for h in restored] == [h["ref"] for h in old_handoffs]
    assert any(h["ref"] in referral for h in restored)
    assert json.loads(hub(env, "roster", "list", "--json"))["roster"] == old_roster
    with closing(sqlite3.connect(elsewhere / "hub.db")) as db:
        stops = {row[0] for row in db.execute("SELECT number_key FROM opt_out")}
    assert sender_key(STOPPER, TEST_ENV["HUB_SECRET_KEY"]) in stops
    conversations = senders(elsewhere / "tracker.db")
    # Every conversation held before the backup began (STOP never reaches the assistant).
    assert {sender_key(number, TEST_ENV["HUB_SECRET_KEY"]) for number in [LEE, *before]} <= conversations
    assert conversations <= old_senders

"""`hub worker --health` (issue 33, item 6): a container's health check, by this host's heartbeat."""
from __future__ import annotations

import socket
from datetime import timedelta

from bot.cli import main
from bot.clock import utcnow
from bot.db import session_scope
from bot.db.models import WorkerHeartbeat


def beat(worker: str, ago: timedelta) -> None:
    with session_scope() as session:
        session.merge(WorkerHeartbeat(worker=worker, started_at=utcnow() - ago, seen_at=utcnow() - ago))


def test_healthy_only_with_a_recent_heartbeat_from_this_host(migrated_db, capsys):
    host = socket.gethostname()
    assert main(["worker", "--health"]) == 1
    assert f"no heartbeat from a worker on {host} within 2 min" in capsys.readouterr().err
    beat("another-host:12", timedelta(seconds=5))  # another container's worker is no sign of this one
    assert main(["worker", "--health"]) == 1
    beat(f"{host}:4242", timedelta(minutes=3))  # this host's, but stale: stopped or stuck
    assert main(["worker", "--health"]) == 1
    beat(f"{host}:4243", timedelta(seconds=10))
    assert main(["worker", "--health"]) == 0
    assert f"worker on {host}: last heartbeat" in capsys.readouterr().out


def test_unhealthy_when_the_database_cannot_be_read(hub_env, capsys):
    assert main(["worker", "--health"]) == 1  # not migrated: no table to read
    assert "the database cannot be read" in capsys.readouterr().err

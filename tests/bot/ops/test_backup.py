"""`hub backup` during traffic and `hub restore` into another installation: every handoff,
opt-out, roster entry and conversation is found again; what retention purged stays purged; the
opt-outs recorded after the backup are merged, or the operator is told plainly they were not."""
from __future__ import annotations

import json
import sqlite3
import threading
import time
from contextlib import closing
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.clock import utcnow
from bot.config import get_settings
from bot.db import engine_for, session_scope
from bot.db.models import Handoff, Officer, OptOut, Specialist
from bot.handoff import engine
from bot.ops.backup import every_table_described
from bot.privacy import sender_key

EVENTS = ("CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, "
          "type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)")


def installation(monkeypatch, folder):
    """Point the settings at an installation in `folder`: its database and its tracker store."""
    folder.mkdir(exist_ok=True)
    endpoints = folder / "endpoints.yml"
    endpoints.write_text(f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {folder / 'rasa_tracker.db'}\n")
    monkeypatch.setenv("HUB_DATABASE_URL", f"sqlite:///{folder / 'hub.db'}")
    monkeypatch.setenv("HUB_ENDPOINTS", str(endpoints))
    get_settings.cache_clear()
    engine_for.cache_clear()
    assert main(["db", "upgrade"]) == 0
    with closing(sqlite3.connect(folder / "rasa_tracker.db")) as tracker:
        tracker.execute(EVENTS)
        tracker.execute("PRAGMA journal_mode=WAL")
        tracker.commit()
    return folder


def say(folder, sender, text="hi"):
    with closing(sqlite3.connect(folder / "rasa_tracker.db", timeout=30)) as tracker:
        tracker.execute("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (?, 'user', ?, ?)",
                        (sender, time.time(), json.dumps({"text": text})))
        tracker.commit()


class Traffic(threading.Thread):
    """Texts arriving while the backup runs: each a handoff with its log row in one transaction,
    an opt-out, and a conversation event."""

    def __init__(self, folder):
        super().__init__(daemon=True)
        self.folder, self.stop, self.count = folder, threading.Event(), 0

    def run(self):
        hub = sqlite3.connect(self.folder / "hub.db", timeout=30)
        while not self.stop.is_set():
            n = self.count
            now = utcnow().isoformat(sep=" ")
            with hub:
                cursor = hub.execute(
                    "INSERT INTO handoff (ref, source, state, person_key, needs, language, urgent, consent_by, consent_text, "
                    "consent_at, escalation_level, created_at) VALUES (?, 'community', 'created', ?, '', 'en', 0, 'person', 'yes', ?, 0, ?)",
                    (f"T-{n}", f"htraffic{n}", now, now))
                hub.execute("INSERT INTO handoff_log (handoff_id, at, event, state) VALUES (?, ?, 'created', 'created')",
                            (cursor.lastrowid, now))
                hub.execute("INSERT INTO opt_out (number_key, opted_out_at) VALUES (?, ?)", (f"htraffic-stop{n}", now))
            say(self.folder, f"htraffic{n}")
            self.count += 1
        hub.close()


@pytest.fixture
def old_line(monkeypatch, tmp_path):
    folder = installation(monkeypatch, tmp_path / "old")
    with session_scope() as session:
        for name, phone in (("Ana", "+12065550111"), ("Ben", "+12065550112")):
            session.add(Specialist(name=name, phone=phone, zips="98104", languages="en", active=1, created_at=utcnow()))
    assert main(["roster", "add-officer", "--name", "Ofc. Lee", "--phone", "+12065550181", "--agency", "Seattle PD"]) == 0
    key = lambda n: sender_key(n, get_settings().require_secret_key())  # noqa: E731
    with session_scope() as session:
        fresh = engine.create_handoff(session, source="community", person_key=key("+12065550142"), consent_by="person",
                                      consent_text="yes", area="98104", person_number="+12065550142")
        old = engine.create_handoff(session, source="community", person_key=key("+12065550144"), consent_by="person",
                                    consent_text="yes, text me at this number", area="98104", person_number="+12065550144")
        old.state, old.outcome, old.closed_at = "closed", "connected", utcnow() - timedelta(days=45)
        session.add(OptOut(number_key=key("+12065550143"), opted_out_at=utcnow()))
        refs = [fresh.ref, old.ref]
    for sender in (key("+12065550142"), key("+12065550145")):
        say(folder, sender)
    return folder, refs


def test_backup_during_traffic_then_restore_elsewhere_finds_everything(old_line, monkeypatch, tmp_path, capsys):
    folder, refs = old_line
    traffic = Traffic(folder)
    traffic.start()
    while traffic.count < 20:  # the line is busy before the backup starts, and during it
        time.sleep(0.01)
    before = traffic.count
    assert main(["backup", str(tmp_path / "backup")]) == 0
    traffic.stop.set()
    traffic.join(30)
    out = capsys.readouterr().out
    assert "keep it no longer than HUB_RETENTION_DAYS (30 days)" in out
    with session_scope() as session:  # after the backup: a STOP the backup cannot hold
        session.add(OptOut(number_key="hlate-stop", opted_out_at=utcnow() + timedelta(seconds=1)))
    old_url = get_settings().database_url
    with session_scope() as session:
        every_stop = set(session.scalars(select(OptOut.number_key)))
    with closing(sqlite3.connect(tmp_path / "backup" / "hub.db")) as backup:
        in_backup = {row[0] for row in backup.execute("SELECT number_key FROM opt_out")}
    assert "hlate-stop" in every_stop - in_backup

    installation(monkeypatch, tmp_path / "new")
    assert main(["restore", str(tmp_path / "backup"), "--old-database", old_url]) == 0
    out = capsys.readouterr().out
    assert f"merged from the old database: {len(every_stop - in_backup)}" in out and "retention purge run at once" in out

    with session_scope() as session:
        handoffs = {h.ref: h for h in session.scalars(select(Handoff))}
        assert set(refs) | {f"T-{n}" for n in range(before)} <= set(handoffs)
        keys = set(session.scalars(select(OptOut.number_key)))
        assert keys == every_stop  # every STOP: the backup's, and those recorded since
        assert {sender_key("+12065550143", get_settings().require_secret_key())} | {f"htraffic-stop{n}" for n in range(before)} <= keys
        assert {s.name for s in session.scalars(select(Specialist))} == {"Ana", "Ben"}
        assert [o.name for o in session.scalars(select(Officer))] == ["Ofc. Lee"]
        assert handoffs[refs[1]].person_number is None and handoffs[refs[1]].consent_text.startswith("Purged")  # retention
        assert handoffs[refs[0]].person_number == "+12065550142"
    with closing(sqlite3.connect(tmp_path / "new" / "hub.db")) as hub:
        assert hub.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # No transaction half copied: every handoff the traffic wrote has its log row.
        orphans = hub.execute("SELECT count(*) FROM handoff WHERE ref LIKE 'T-%' AND id NOT IN (SELECT handoff_id FROM handoff_log)")
        assert orphans.fetchone()[0] == 0
    with closing(sqlite3.connect(tmp_path / "new" / "rasa_tracker.db")) as tracker:
        senders = {row[0] for row in tracker.execute("SELECT DISTINCT sender_id FROM events")}
    settings = get_settings()
    assert {sender_key("+12065550142", settings.secret_key), sender_key("+12065550145", settings.secret_key)} | \
        {f"htraffic{n}" for n in range(before)} <= senders


def test_restore_refuses_a_database_in_use_unless_forced(old_line, monkeypatch, tmp_path, capsys):
    assert main(["backup", str(tmp_path / "backup")]) == 0
    assert main(["backup", str(tmp_path / "backup")]) == 1  # never over an earlier backup
    assert "not an empty folder" in capsys.readouterr().err
    with session_scope() as session:
        session.add(OptOut(number_key="hafter-backup", opted_out_at=utcnow() + timedelta(seconds=1)))
    assert main(["restore", str(tmp_path / "backup")]) == 1
    err = capsys.readouterr().err
    assert "is not empty" in err and "nothing was restored" in err
    assert main(["restore", str(tmp_path / "backup"), "--force"]) == 0
    assert "merged from the old database: 1" in capsys.readouterr().out  # the STOP made after the backup is kept
    with session_scope() as session:
        assert session.get(OptOut, "hafter-backup") is not None


def test_restore_says_plainly_when_the_old_opt_outs_cannot_be_merged(old_line, monkeypatch, tmp_path, capsys):
    assert main(["backup", str(tmp_path / "backup")]) == 0
    installation(monkeypatch, tmp_path / "new")
    assert main(["restore", str(tmp_path / "backup"), "--old-database", f"sqlite:///{tmp_path / 'gone' / 'hub.db'}"]) == 0
    err = capsys.readouterr().err
    assert "were NOT merged: the old database cannot be read" in err and "STOP since then" in err
    assert main(["restore", str(tmp_path / "backup"), "--force"]) == 0  # no old database at all
    # Replacing a database in use: it is the old one, read for its opt-outs before it is replaced.
    assert "NOT merged" not in capsys.readouterr().err


def test_a_folder_that_is_not_a_backup_is_refused(migrated_db, tmp_path, capsys):
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "backup.json").write_text("{not json")
    assert main(["restore", str(tmp_path / "junk")]) == 1
    assert "nothing was restored" in capsys.readouterr().err
    assert main(["restore", str(tmp_path / "nowhere")]) == 1
    assert "not a backup made by `hub backup`" in capsys.readouterr().err


def test_postgres_gets_the_pg_dump_to_run_and_what_each_table_holds(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("HUB_DATABASE_URL", "postgresql+psycopg2://hub:secret@db:5432/hub")
    monkeypatch.setenv("HUB_ENDPOINTS", "endpoints.production.yml")
    monkeypatch.setenv("HUB_TRACKER_STORE_URL", "postgresql://hub:secret@db:5432/hub")
    get_settings.cache_clear()
    assert main(["backup", str(tmp_path / "b")]) == 0
    out = capsys.readouterr().out
    assert f"pg_dump --format=custom --no-owner --file {tmp_path / 'b'}/hub.dump" in out
    assert "secret" not in out  # the URL's password is never printed
    assert "same database" in out and "opt_out: the HMAC keys" in out
    assert main(["restore", str(tmp_path / "b")]) == 0
    assert "pg_restore --no-owner --exit-on-error" in capsys.readouterr().out


def commands(printed):
    """The indented command lines of what `hub backup` or `hub restore` printed."""
    return [line.strip() for line in printed.splitlines() if line.startswith("    ")]


def run_in_bash(lines, **env):
    import os
    import subprocess

    result = subprocess.run(["bash", "-euc", "\n".join(lines)], env={**os.environ, **env}, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_postgres_the_printed_commands_back_up_and_restore(postgres_db, postgres_server, monkeypatch, tmp_path, capsys):
    """What `hub backup` and `hub restore` print for PostgreSQL, run as printed (the `hub` lines
    through main); the STOP recorded after the backup is merged from the old database."""
    import shutil
    import uuid

    from sqlalchemy import text

    if not shutil.which("pg_dump") or not shutil.which("pg_restore"):
        pytest.skip("pg_dump and pg_restore are not installed")
    old_url = get_settings().database_url
    monkeypatch.setenv("HUB_ENDPOINTS", "endpoints.production.yml")
    monkeypatch.setenv("HUB_TRACKER_STORE_URL", old_url.replace("+psycopg2", ""))
    get_settings.cache_clear()
    with session_scope() as session:
        session.add(Specialist(name="Ana", phone="+12065550111", zips="98104", languages="en", active=1, created_at=utcnow()))
        session.add(OptOut(number_key="hbefore", opted_out_at=utcnow() - timedelta(seconds=5)))
    folder = tmp_path / "pg backup"  # a space: the printed commands quote the path
    assert main(["backup", str(folder)]) == 0
    run_in_bash(commands(capsys.readouterr().out), HUB_DATABASE_URL=old_url)
    assert (folder / "hub.dump").stat().st_size > 0
    with session_scope() as session:
        session.add(OptOut(number_key="hafter", opted_out_at=utcnow() + timedelta(seconds=1)))

    name = f"hub_test_{uuid.uuid4().hex[:12]}"
    with postgres_server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        new_url = postgres_server.url.set(drivername="postgresql+psycopg2", database=name).render_as_string(hide_password=False)
        monkeypatch.setenv("HUB_DATABASE_URL", new_url)
        monkeypatch.setenv("HUB_TRACKER_STORE_URL", new_url.replace("+psycopg2", ""))
        get_settings.cache_clear()
        assert main(["restore", str(folder)]) == 0
        shell, hub = [], []
        for line in commands(capsys.readouterr().out):
            (hub if line.startswith("hub ") else shell).append(line)
        run_in_bash(shell, HUB_DATABASE_URL=new_url)
        import shlex

        for line in hub:
            argv = [word.replace("$OLD_DATABASE_URL", old_url) for word in shlex.split(line)[1:]]
            assert main(argv) == 0
        assert "merged from the old database: 1" in capsys.readouterr().out
        with session_scope() as session:
            assert set(session.scalars(select(OptOut.number_key))) == {"hbefore", "hafter"}
            assert [s.name for s in session.scalars(select(Specialist))] == ["Ana"]
    finally:
        from bot.db import get_engine

        get_engine().dispose()
        with postgres_server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def test_every_table_is_described():
    assert every_table_described() == set()


# --- review 13: what was undone after the backup stays undone; what was waiting is held ------

SUBSCRIBER = "+12065550146"


def subscription_number(number_key):
    from bot.db.models import AlertSubscription

    with session_scope() as session:
        return session.scalar(select(AlertSubscription.to_number).where(AlertSubscription.number_key == number_key))


def test_a_restore_keeps_the_unsubscribes_and_account_removals_made_after_the_backup(old_line, monkeypatch, tmp_path, capsys):
    # Before: only STOPs were merged: an ALERTS OFF made after the backup was lost (alerts again),
    # and a removed console account, or a reset password, came back with its old hash and epoch.
    from bot.alerts.subscriptions import subscribe, unsubscribe
    from bot.console.accounts import add_user, authenticate, remove_user, reset_password, start_session
    from bot.db.models import ConsoleSignIn, ConsoleUser
    from bot.directory.geo import lookup_zip

    key = sender_key(SUBSCRIBER, get_settings().require_secret_key())
    with session_scope() as session:
        subscribe(session, key, SUBSCRIBER, lookup_zip("98104"), "en")
        for email in ("ana@example.org", "ben@example.org", "cy@example.org"):
            add_user(session, email, "manager", "correct horse battery")
    with session_scope() as session:  # each signed in to the console when the backup was made
        for email in ("ana@example.org", "ben@example.org", "cy@example.org"):
            start_session(session, authenticate(session, email, "correct horse battery"), 12 * 3600)
    assert main(["backup", str(tmp_path / "backup")]) == 0
    with session_scope() as session:  # after the backup, on the old line
        assert unsubscribe(session, key)
        remove_user(session, "ben@example.org")
        reset_password(session, "ana@example.org", "a new password after a leak")
        add_user(session, "dee@example.org", "viewer", "correct horse battery")
        after = {u.email: (u.password_hash, u.session_epoch) for u in session.scalars(select(ConsoleUser))}
    old_url = get_settings().database_url

    installation(monkeypatch, tmp_path / "new")
    assert main(["restore", str(tmp_path / "backup"), "--old-database", old_url]) == 0
    out = capsys.readouterr().out
    assert "alert unsubscribes recorded since the backup merged from the old database: 1" in out
    assert "console accounts as the old database has them: 1 removed, 1 changed, 1 added" in out
    assert subscription_number(key) is None
    with session_scope() as session:
        users = {u.email: u for u in session.scalars(select(ConsoleUser))}
    assert set(users) == {"ana@example.org", "cy@example.org", "dee@example.org"}
    ana = users["ana@example.org"]
    # The hash made after the backup, and an epoch past every earlier one: old cookies end.
    assert ana.password_hash == after["ana@example.org"][0] and ana.session_epoch > after["ana@example.org"][1]
    assert users["cy@example.org"].session_epoch == after["cy@example.org"][1]  # unchanged: still signed in
    with session_scope() as session:
        assert set(session.scalars(select(ConsoleSignIn.user_id))) == {users["cy@example.org"].id}


def test_without_the_old_database_every_console_session_ends_and_the_operator_is_told(old_line, monkeypatch, tmp_path, capsys):
    from bot.console.accounts import add_user
    from bot.db.models import ConsoleUser

    with session_scope() as session:
        add_user(session, "ana@example.org", "manager", "correct horse battery")
    assert main(["backup", str(tmp_path / "backup")]) == 0
    installation(monkeypatch, tmp_path / "new")
    assert main(["restore", str(tmp_path / "backup"), "--old-database", f"sqlite:///{tmp_path / 'gone' / 'hub.db'}"]) == 0
    err = capsys.readouterr().err
    assert "ALERTS OFF" in err and "console accounts removed" in err and "hub users list" in err
    with session_scope() as session:
        assert session.scalar(select(ConsoleUser.session_epoch)) == 1


def test_messages_waiting_in_the_backup_are_held_until_an_operator_releases_them(old_line, monkeypatch, tmp_path, capsys):
    # Before: a relay or late answer pending in the backup was sent again after the restore, though
    # the old line may have sent it after the backup; now it is held, and `hub status` says so.
    from sqlalchemy import delete

    from bot.db.models import OutboxMessage
    from bot.notify.outbox import Delivery, enqueue
    from bot.notify.transports import OutboxTransport
    from bot.worker import deliver_due

    with session_scope() as session:
        session.execute(delete(OutboxMessage))  # the fixture's alerts: only these two wait
        waiting = [enqueue(session, to_number="+12065550142", from_number="+12065550100", body=f"Specialist: {n}",
                           purpose="relay").id for n in ("see you at 3", "at the library")]
    assert main(["backup", str(tmp_path / "backup")]) == 0
    installation(monkeypatch, tmp_path / "new")
    assert main(["restore", str(tmp_path / "backup"), "--force"]) == 0
    assert "2 message(s) waiting in the backup held" in capsys.readouterr().out
    with session_scope() as session:
        statuses = {m.id: m.status for m in session.scalars(select(OutboxMessage))}
    assert statuses == {waiting[0]: "held", waiting[1]: "held"}
    assert deliver_due(OutboxTransport()) == 0  # the worker leaves them

    assert main(["status", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert any("2 message(s) held" in need and "hub outbox --held" in need for need in report["needs_a_person"])
    assert main(["outbox", "--held", "--json"]) == 0
    assert [m["id"] for m in json.loads(capsys.readouterr().out)["messages"]] == waiting

    assert main(["outbox", "release", str(waiting[0])]) == 0
    assert f"released #{waiting[0]}" in capsys.readouterr().out
    with session_scope() as session:
        released = session.get(OutboxMessage, waiting[0])
        # Sent by the worker, which first asks the provider whether the old line sent it already.
        assert released.status == "pending" and released.claimed_at is not None

    class SentByTheOldLine(OutboxTransport):
        def __init__(self):
            self.asked, self.sent = [], []

        def find_sent(self, to_number, from_number, body, since):
            self.asked.append(body)
            return Delivery(ok=True, provider_sid="SMold")

        def send(self, *args, **kwargs):
            self.sent.append(args)
            return super().send(*args, **kwargs)

    transport = SentByTheOldLine()
    assert deliver_due(transport) == 1
    assert transport.asked == ["Specialist: see you at 3"] and transport.sent == []  # not sent twice
    assert main(["outbox", "release", "--all"]) == 0
    assert f"released #{waiting[1]}:" in capsys.readouterr().out
    main(["status", "--json"])
    assert not any("held" in need for need in json.loads(capsys.readouterr().out)["needs_a_person"])


@pytest.mark.parametrize("args, message", [
    (["999"], "outbox message #999 does not exist"),
    (["--all"], "no message is held"),
    ([], "give the ID of a held message, or --all"),
])
def test_release_refuses_what_is_not_held_naming_it(migrated_db, capsys, args, message):
    assert main(["outbox", "release", *args]) != 0
    assert message in capsys.readouterr().err


def test_release_refuses_a_message_that_is_not_held(migrated_db, capsys):
    from bot.notify.outbox import enqueue

    with session_scope() as session:
        row_id = enqueue(session, to_number="+12065550142", from_number="+12065550100", body="x", purpose="relay").id
    assert main(["outbox", "release", str(row_id)]) == 1
    assert f"outbox message #{row_id} is not held (it is pending): nothing was released" in capsys.readouterr().err


def test_a_merge_run_later_keeps_what_the_new_line_did_since(old_line, monkeypatch, tmp_path, capsys):
    # The old database turns up after the restored line has run: what was done on the new line stays.
    from bot.console.accounts import add_user, remove_user, reset_password
    from bot.db.models import ConsoleUser, OutboxMessage
    from bot.notify.outbox import enqueue

    with session_scope() as session:
        for email in ("ben@example.org", "cy@example.org"):
            add_user(session, email, "manager", "correct horse battery")
    assert main(["backup", str(tmp_path / "backup")]) == 0
    with session_scope() as session:
        remove_user(session, "ben@example.org")
    old_url = get_settings().database_url
    installation(monkeypatch, tmp_path / "new")
    assert main(["restore", str(tmp_path / "backup")]) == 0
    # The backup's time is to the second, and what is stamped within that second counts as in the
    # backup; a real line is restored well after it, but on a fast machine this test is not.
    time.sleep(1.05)
    with session_scope() as session:  # the new line at work
        cy = reset_password(session, "cy@example.org", "reset on the new line")
        cy_hash, cy_epoch = cy.password_hash, cy.session_epoch
        add_user(session, "eve@example.org", "viewer", "correct horse battery")
        new_message = enqueue(session, to_number="+12065550142", from_number="+12065550100", body="x", purpose="relay").id
    capsys.readouterr()
    assert main(["restore", str(tmp_path / "backup"), "--merge-only", "--old-database", old_url]) == 0
    assert "1 removed, 0 changed, 0 added" in capsys.readouterr().out
    with session_scope() as session:
        users = {u.email: u for u in session.scalars(select(ConsoleUser))}
        assert set(users) == {"cy@example.org", "eve@example.org"}
        assert (users["cy@example.org"].password_hash, users["cy@example.org"].session_epoch) == (cy_hash, cy_epoch)
        assert session.get(OutboxMessage, new_message).status == "pending"  # the new line's own: not held

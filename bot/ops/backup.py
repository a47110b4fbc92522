"""`hub backup PATH` and `hub restore PATH`.

SQLite: the hotline's database and Rasa's tracker store are copied with SQLite's online backup
API while the line is live: each copy is one consistent snapshot, and both snapshots are opened at
the same moment. A backup is a folder: `hub.db`, `rasa_tracker.db` (when the tracker store is a
SQLite file) and `backup.json`, which says when and from what it was made.

PostgreSQL: `pg_dump` does this better than any copy made here; `postgres_backup_steps` and
`postgres_restore_steps` say exactly what to run, and which tables hold what.

A backup holds phone numbers and words: keep it no longer than HUB_RETENTION_DAYS. A restore runs
the retention purge at once, so that what was purged since does not come back, and brings in what
was undone after the backup when the old database can still be read: the opt-outs, the alert
unsubscribes, and the console's accounts as they are (removed, reset). Messages that were waiting
in the backup are held for an operator (`hub outbox --held`, `hub outbox release`): the old line
may have sent them since.
"""
from __future__ import annotations

import json
import os
import secrets
import shlex
import sqlite3
from contextlib import ExitStack, closing
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import MetaData, Table, create_engine, null, select, text
from sqlalchemy.engine import make_url

from bot.alerts.subscriptions import unsubscribe
from bot.clock import utcnow
from bot.console.accounts import end_every_session, remove_user
from bot.db.models import AlertSubscription, Base, ConsoleUser, OptOut

FORMAT = "health-hub-hotline-backup/1"
MERGE_MARGIN = timedelta(minutes=10)
HUB_FILE, TRACKER_FILE, MANIFEST = "hub.db", "rasa_tracker.db", "backup.json"
# Tables that hold the line's own records (not the directory, which is imported from files):
# a database with any row in one of them is not a fresh installation.
LINE_TABLES = ("specialist", "officer", "handoff", "opt_out", "outbox_message", "referral", "contact_number",
               "inbound_message", "listing_shown", "listing_report", "alert_subscription", "area_alert", "batch_report",
               "signal_count", "spike")

# What each table holds, for an operator who backs up PostgreSQL (and for a person asking what is kept).
TABLES = {
    "organization, service, location, address, service_at_location, phone, language, cost_option, schedule, "
    "taxonomy, taxonomy_term, attribute, service_point": "the service directory (Open Referral HSDS), no personal data",
    "specialist": "the roster: specialists' and the coordinator's names and phone numbers, and who is off call",
    "officer": "registered referrers' (police, EMS, fire) names, work phone numbers, agencies and kinds, the HMAC "
               "key of each number, and a hash of their voice PIN",
    "officer_call": "calls verified as an officer's (attestation A or the PIN), by CallSid; no number; until the "
                    "retention purge",
    "handoff": "each warm handoff: the person's HMAC key, their number and where to find them until the retention "
               "purge, needs, area, language, the consent record and the person's answer about check-ins, state and outcome",
    "check_in": "each follow-up check-in of a closed handoff: when, whether it was sent, and the answer (1, 2 or "
                "3); no number, no words",
    "handoff_log": "every step of every handoff, with times; no number, no words",
    "referral": "the anonymous tally of officer referrals: agency, consent, reason, urgency",
    "opt_out": "the HMAC keys of numbers that texted STOP, and which key made each; no number",
    "contact_number": "phone numbers written in messages (an officer's referral), by HMAC key, until the retention purge",
    "outbox_message": "messages to send or sent: number and words, until the retention purge",
    "inbound_message": "Twilio message ids and the sender's HMAC key, to answer each message once",
    "worker_heartbeat": "when each outbox worker last reported in (for `hub status`); no number, no words",
    "send_slot": "the next time each of the hotline's own numbers may send, shared by the workers (HUB_SEND_RATE); "
                 "no one else's number, no words",
    "operator_alarm": "standing alarms for an operator (Twilio refusing the account, for example): codes and "
                      "times; no number, no words",
    "listing_shown": "the places last listed to each texter, by the HMAC key of the number; no number; until the "
                     "retention purge",
    "listing_report": "texters' reports of wrong listings: the place, the kind, their words until the retention "
                      "purge, and the HMAC key of the number (to count different numbers); no number",
    "console_user": "the console's staff accounts: email, role (manager or viewer), an argon2 hash of the password, "
                    "failed sign-ins and lockout, last sign-in, a random value its session cookies carry",
    "console_session": "the console's signed-in sessions: a random id, the account and when it began; "
                       "signed-out and expired ones are deleted",
    "audit_log": "who did what in the console, and when (every change, every number shown): staff email, action and "
                 "a detail naming a handoff's reference or a roster name; never a number shown or a person's words",
    "deadline_miss": "answer-deadline misses per hour per Rasa server (host:pid), for the console's Health page; "
                     "counts only",
    "alert_subscription": "drug-supply alert subscriptions: the HMAC key of the number, the area and the language; "
                          "the number itself only while subscribed; ended ones until the retention purge",
    "area_alert": "drug-supply alerts the coordinator sent: the words, the area and radius, how many it went to",
    "batch_report": "anonymous reports of a bad batch: the words (phone numbers taken out) until the retention "
                    "purge, the area and when; no number, no key",
    "signal_count": "overdose texts and calls and bad-batch reports counted by hour, ZIP and kind, for spike "
                    "detection: counts only, no number, no key, no words, kept HUB_SIGNAL_RETENTION_DAYS",
    "signal_seen": "this hour's tokens (a keyed hash of a texter's key, the kind and the hour) that count a texter "
                   "once; deleted once the hour is over",
    "spike": "possible overdose spikes found in the counts: the ZIP, the counts, and what a person did with each",
    "directory_refresh": "each refresh of the directory from an HSDS API feed: the feed's address, when, by the "
                         "worker or by hand, the outcome and what it changed; no personal data",
    "clock_job": "whose turn each of the worker's clock jobs is (host:pid and a lease); no personal data",
    "alembic_version": "the schema version (migrations run forward from it)",
    "events": "Rasa's tracker store (when it shares the database): every message and slot of every "
              "conversation, keyed by the HMAC of the number, until the retention purge",
}


class BackupError(RuntimeError):
    """The backup or restore cannot be made as asked; the message says why and what to do."""


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL; None for another database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    if parsed.database in (None, "", ":memory:"):
        raise BackupError("the database is in memory: there is nothing to back up")
    return Path(parsed.database)


@dataclass(frozen=True)
class Manifest:
    created_at: str
    revision: str | None
    tracker_store: bool
    retention_days: int
    counts: dict = field(default_factory=dict)

    def write(self, folder: Path) -> None:
        (folder / MANIFEST).write_text(json.dumps({"format": FORMAT, **self.__dict__}, indent=2) + "\n")

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        try:
            data = json.loads((folder / MANIFEST).read_text())
        except FileNotFoundError:
            raise BackupError(f"{folder} is not a backup made by `hub backup` (no {MANIFEST})") from None
        except (OSError, ValueError) as exc:
            raise BackupError(f"{folder / MANIFEST} cannot be read: {exc}") from None
        if data.pop("format", None) != FORMAT:
            raise BackupError(f"{folder / MANIFEST} is not a backup this version of the hotline can restore")
        try:
            return cls(**data)
        except TypeError:
            raise BackupError(f"{folder / MANIFEST} is malformed") from None

    @property
    def taken_at(self) -> datetime:
        return datetime.fromisoformat(self.created_at)


def _open(path: Path, must_exist: bool = True) -> sqlite3.Connection:
    if must_exist and not path.is_file():
        raise BackupError(f"{path} does not exist")
    connection = sqlite3.connect(path, timeout=30, isolation_level=None)
    connection.execute("PRAGMA busy_timeout=30000")
    return connection


def _snapshot(connection: sqlite3.Connection) -> None:
    """Open a read transaction: the backup then copies the database as it is at this moment,
    whatever is written meanwhile (WAL keeps this reader's view)."""
    connection.execute("BEGIN")
    connection.execute("SELECT count(*) FROM sqlite_master").fetchone()


def _copy(source: sqlite3.Connection, target_path: Path) -> None:
    with closing(sqlite3.connect(target_path)) as target:
        source.backup(target)  # all pages in one step, under the read transaction
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    os.chmod(target_path, 0o600)


def line_counts(connection: sqlite3.Connection, tracker: sqlite3.Connection | None = None) -> dict:
    """What a backup or a restore holds, to compare: handoffs, opt-outs, roster, conversations."""
    def count(conn, sql):
        try:
            return conn.execute(sql).fetchone()[0]
        except sqlite3.OperationalError:  # the table does not exist (yet)
            return 0

    counts = {
        "handoffs": count(connection, "SELECT count(*) FROM handoff"),
        "opt_outs": count(connection, "SELECT count(*) FROM opt_out"),
        "specialists": count(connection, "SELECT count(*) FROM specialist WHERE active = 1"),
        "officers": count(connection, "SELECT count(*) FROM officer WHERE active = 1"),
    }
    if tracker is not None:
        counts["conversations"] = count(tracker, "SELECT count(DISTINCT sender_id) FROM events")
    return counts


def backup_sqlite(hub_url: str, tracker_url: str | None, folder: Path, retention_days: int) -> Manifest:
    hub_path = sqlite_path(hub_url)
    tracker_path = sqlite_path(tracker_url) if tracker_url else None
    if tracker_url and tracker_path is None:
        raise BackupError("the tracker store is not SQLite while the hotline's database is: back it up with its own "
                          "tools (pg_dump for PostgreSQL)")
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise BackupError(f"{folder} exists and is not an empty folder: give a new path")
    with ExitStack() as stack:
        hub = stack.enter_context(closing(_open(hub_path)))  # type: ignore[arg-type]  # backup_sqlite is called for a SQLite hub database only (bot/ops)
        tracker = stack.enter_context(closing(_open(tracker_path))) if tracker_path and tracker_path.is_file() else None
        created = utcnow()  # before the snapshots: an opt-out after this is merged at restore if missing
        for connection in filter(None, (hub, tracker)):
            _snapshot(connection)
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(folder, 0o700)
        _copy(hub, folder / HUB_FILE)
        if tracker is not None:
            _copy(tracker, folder / TRACKER_FILE)
        revision = hub.execute("SELECT version_num FROM alembic_version").fetchone()
        manifest = Manifest(created.isoformat(timespec="seconds"), revision[0] if revision else None, tracker is not None,
                            retention_days, line_counts(hub, tracker))
    manifest.write(folder)
    os.chmod(folder / MANIFEST, 0o600)
    return manifest


def holds_line_data(hub_url: str, tracker_url: str | None) -> list[str]:
    """The tables of a database that hold the line's records: empty for a fresh installation."""
    found: list[str] = []
    if (path := sqlite_path(hub_url)) is not None and not path.exists():
        return found  # a fresh installation that has not even been migrated
    engine = create_engine(hub_url, future=True)
    try:
        with engine.connect() as connection:
            for table in LINE_TABLES:
                if engine.dialect.has_table(connection, table) and connection.execute(text(f"SELECT 1 FROM {table} LIMIT 1")).first():
                    found.append(table)
    finally:
        engine.dispose()
    if tracker_url and not ((path := sqlite_path(tracker_url)) is not None and not path.exists()):
        engine = create_engine(tracker_url, future=True)
        try:
            with engine.connect() as connection:
                if engine.dialect.has_table(connection, "events") and connection.execute(text("SELECT 1 FROM events LIMIT 1")).first():
                    found.append("events (conversations)")
        finally:
            engine.dispose()
    return found


def opt_outs_since(url: str, since: datetime) -> list[tuple[str, datetime, str | None]]:
    """The opt-outs an old database recorded after `since`; raises BackupError when it can't be read."""
    engine = create_engine(url, future=True)
    try:
        with engine.connect() as connection:
            # A database older than migration 0012_ops has no key ids.
            has_key_id = "key_id" in {column["name"] for column in engine.dialect.get_columns(connection, "opt_out")}
            key = OptOut.key_id if has_key_id else null()
            return [tuple(row) for row in connection.execute(
                select(OptOut.number_key, OptOut.opted_out_at, key).where(OptOut.opted_out_at >= since))]
    except BackupError:
        raise
    except Exception as exc:  # any failure to read means the same thing to the operator
        raise BackupError(f"{type(exc).__name__}: {str(exc).strip().splitlines()[0][:200]}") from None
    finally:
        engine.dispose()


@dataclass(frozen=True)
class SinceBackup:
    """What the old database says was undone after the backup began, read before a restore
    replaces anything: STOPs, alert unsubscribes, and the console's accounts as they are now
    (None: its schema has no console yet)."""

    opt_outs: list
    unsubscribes: list  # (number_key, unsubscribed_at)
    accounts: list[dict] | None


def read_since_backup(url: str, since: datetime) -> SinceBackup:
    """Raises BackupError when the old database cannot be read."""
    engine = create_engine(url, future=True)
    try:
        with engine.connect() as connection:
            unsubscribes, accounts = [], None
            if engine.dialect.has_table(connection, "alert_subscription"):
                ended = Table("alert_subscription", MetaData(), autoload_with=connection)
                unsubscribes = [tuple(row) for row in connection.execute(
                    select(ended.c.number_key, ended.c.unsubscribed_at)
                    .where(ended.c.to_number.is_(None), ended.c.unsubscribed_at >= since))]
            if engine.dialect.has_table(connection, "console_user"):
                users = Table("console_user", MetaData(), autoload_with=connection)
                accounts = [dict(row._mapping) for row in connection.execute(select(users))]
    except Exception as exc:  # any failure to read means the same thing to the operator
        raise BackupError(f"{type(exc).__name__}: {str(exc).strip().splitlines()[0][:200]}") from None
    finally:
        engine.dispose()
    return SinceBackup(opt_outs_since(url, since), unsubscribes, accounts)


def merge_unsubscribes(session, rows) -> int:
    """End the restored subscriptions their subscribers ended after the backup (ALERTS OFF), and
    block the copies of alerts waiting for them; how many."""
    ended = 0
    for number_key, at in rows:
        row = session.scalar(select(AlertSubscription).where(AlertSubscription.number_key == number_key))
        if row is not None and row.to_number is not None and row.subscribed_at <= at:
            unsubscribe(session, number_key, "ALERTS OFF before the restore")
            row.unsubscribed_at = at
            ended += 1
    return ended


@dataclass(frozen=True)
class AccountsMerged:
    removed: int
    changed: int
    added: int


def merge_accounts(session, accounts: list[dict], since: datetime) -> AccountsMerged:
    """What a manager did to the console's accounts on the old line after the backup began
    (`since`), as the old database (`accounts`, its console_user rows) shows it, so that it also
    holds after a restore run later, on a line that has run since (--merge-only):
    - an account made before the backup that the old database no longer has was removed: it goes,
      with its sessions;
    - one whose epoch the old database has further on (its password was reset, or "Sign out
      everywhere"), or that the old line made again after the backup (removed and added back),
      takes the old database's password, role and session secret, and every session it had ends;
    - one the old line added after the backup, which this database lacks, is added."""
    copied = set(ConsoleUser.__table__.columns.keys()) - {"id", "email", "failed_logins", "locked_until", "last_login_at"}
    by_email = {account["email"]: account for account in accounts}
    in_backup_by = since + timedelta(seconds=1)  # `since` is to the second: the backup began within it
    removed = changed = 0
    for user in list(session.scalars(select(ConsoleUser))):
        old = by_email.pop(user.email, None)
        if old is None:
            if user.created_at < in_backup_by:
                remove_user(session, user.email)
                removed += 1
            continue
        if old["session_epoch"] > user.session_epoch or old["created_at"] >= since > user.created_at:
            epoch = max(user.session_epoch, old["session_epoch"])
            for name, value in old.items():
                if name in copied:
                    setattr(user, name, value)
            user.session_epoch = epoch
            end_every_session(session, user.id)  # past both epochs: no cookie signed before signs in
            changed += 1
    added = [account for account in by_email.values() if account["created_at"] >= since]
    for account in added:
        values = {name: value for name, value in account.items() if name in copied}
        values.setdefault("session_secret", secrets.token_urlsafe(32))  # an old database made before it existed
        session.add(ConsoleUser(email=account["email"], **values))
    session.flush()
    return AccountsMerged(removed, changed, len(added))


def end_console_sessions(session) -> int:
    """Without the old database: every console session signed before the restore ends (an account
    removed or reset since the backup may be back as it was); how many accounts."""
    users = list(session.scalars(select(ConsoleUser.id)))
    for user_id in users:
        end_every_session(session, user_id)
    return len(users)


def restore_sqlite(folder: Path, hub_url: str, tracker_url: str | None) -> Manifest:
    """Copy the backup into the configured databases (which the caller has checked it may replace)."""
    manifest = Manifest.read(folder)
    hub_path, tracker_path = sqlite_path(hub_url), sqlite_path(tracker_url) if tracker_url else None
    if hub_path is None:
        raise BackupError("this backup is of SQLite files and HUB_DATABASE_URL is not SQLite: see `hub backup --help` "
                          "for PostgreSQL")
    sources = [(folder / HUB_FILE, hub_path)]
    if manifest.tracker_store:
        if tracker_path is None:
            raise BackupError("the backup holds a SQLite tracker store and this installation's (HUB_ENDPOINTS) is not SQLite")
        sources.append((folder / TRACKER_FILE, tracker_path))
    for source_path, _ in sources:
        with closing(_open(source_path)) as source:
            if source.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError(f"{source_path} is damaged (PRAGMA integrity_check); nothing was restored")
    for source_path, target_path in sources:
        target_path.parent.mkdir(parents=True, exist_ok=True)
        with closing(_open(source_path)) as source, closing(_open(target_path, must_exist=False)) as target:
            source.backup(target)
            target.execute("PRAGMA journal_mode=WAL")
    return manifest


def backup_started(folder: Path, given: str | None = None) -> datetime:
    """When the backup in `folder` began: as given (ISO, UTC), or as the folder says."""
    if given:
        return datetime.fromisoformat(given)
    if (folder / STARTED).is_file():
        return datetime.fromisoformat((folder / STARTED).read_text().strip())
    return Manifest.read(folder).taken_at


def old_records(url: str | None, since: datetime) -> tuple[SinceBackup | None, str | None]:
    """What the old database recorded since the backup began (`SinceBackup`), or None and why not."""
    if not url:
        return None, "no old database to read (give it with --old-database URL)"
    try:
        # A STOP stamped just before the backup began may have been committed just after it: look
        # a little further back (what the backup already holds is skipped).
        return read_since_backup(url, since - MERGE_MARGIN), None
    except BackupError as exc:
        return None, f"the old database cannot be read ({exc})"


def installation_counts(hub_url: str, tracker_url: str | None) -> dict:
    """`line_counts` of a SQLite installation; empty for another database."""
    hub_path, tracker_path = sqlite_path(hub_url), sqlite_path(tracker_url) if tracker_url else None
    if hub_path is None:
        return {}
    with ExitStack() as stack:
        hub = stack.enter_context(closing(_open(hub_path)))
        tracker = stack.enter_context(closing(_open(tracker_path))) if tracker_path and tracker_path.is_file() else None
        return line_counts(hub, tracker)


def merge_opt_outs(session, rows) -> int:
    """Add the opt-outs the restored database lacks (a STOP is never lost; a START made after the
    backup is not carried over: that person texts START again)."""
    added = 0
    for number_key, at, key in rows:
        if session.get(OptOut, number_key) is None:
            session.add(OptOut(number_key=number_key, opted_out_at=at, key_id=key))
            added += 1
    return added


STARTED = "started_at"  # beside a pg_dump: when it began (UTC), the time opt-outs are merged from


def _pg(variable: str) -> str:
    """A URL variable as pg_dump and psql take it: bash drops SQLAlchemy's '+psycopg2'."""
    return f'"${{{variable}/+psycopg2/}}"'


def postgres_backup_steps(hub_url: str, tracker_url: str | None, folder: Path) -> str:
    """What to run to back up a PostgreSQL installation, and which tables hold what."""
    same = tracker_url is not None and make_url(tracker_url).set(drivername="postgresql") == make_url(hub_url).set(drivername="postgresql")
    where = shlex.quote(str(folder))
    lines = [
        "The hotline's database is PostgreSQL: pg_dump backs it up consistently while the line runs.",
        "Run these in bash, where HUB_DATABASE_URL is set as for the hotline:",
        "",
        f"    mkdir -m 700 {where} && date -u +%Y-%m-%dT%H:%M:%S > {where}/{STARTED}",
        f"    pg_dump --format=custom --no-owner --file {where}/hub.dump {_pg('HUB_DATABASE_URL')}",
    ]
    if tracker_url and not same:
        lines += [f"    pg_dump --format=custom --no-owner --file {where}/rasa_tracker.dump {_pg('HUB_TRACKER_STORE_URL')}",
                  "", "The tracker store is another database: the second dump holds the conversations."]
    elif tracker_url:
        lines += ["", "The tracker store (Rasa's `events` table) is in the same database: the one dump holds the conversations."]
    lines += [
        "",
        "A dump holds phone numbers and words: keep it no longer than HUB_RETENTION_DAYS, readable only by the operator.",
        "`hub restore PATH` says how to restore it.",
        "",
        "Which tables hold what:",
    ]
    lines += [f"  {tables}: {what}" for tables, what in TABLES.items()]
    return "\n".join(lines)


def postgres_restore_steps(folder: Path) -> str:
    """What to run to restore a pg_dump made as `postgres_backup_steps` says, into a fresh database."""
    where = shlex.quote(str(folder))
    return "\n".join([
        "The hotline's database is PostgreSQL: restore the dump with pg_restore into the new, empty database",
        "(stop the hotline first). Run these in bash, where HUB_DATABASE_URL is the new database and",
        "OLD_DATABASE_URL the one the backup was made from, if it can still be read:",
        "",
        f"    pg_restore --no-owner --exit-on-error --dbname {_pg('HUB_DATABASE_URL')} {where}/hub.dump",
        "    hub db upgrade",
        f"    hub restore {where} --merge-only --old-database \"$OLD_DATABASE_URL\"",
        "",
        "The last step merges what was undone since the backup began (opt-outs, alert unsubscribes, console",
        "accounts removed or reset), holds the messages that were waiting in the backup (`hub outbox --held`),",
        "and runs the retention purge at once, so that what was purged since does not come back; without",
        "--old-database it holds and purges only, and says what was not merged.",
    ])


def every_table_described() -> set[str]:
    """Tables of the schema that TABLES does not describe (a test keeps this empty)."""
    described = {name.strip() for names in TABLES for name in names.split(",")}
    return set(Base.metadata.tables) - described

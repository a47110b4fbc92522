"""The `hub` commands of bot/ops: `hub model check|record`, `hub env init`, `hub keys rotate`,
`hub backup`, `hub restore`, `hub twilio fallback` (`hub db upgrade` is in db_commands.py).
bot/cli.py only calls `add_commands`."""
from __future__ import annotations

import os
import secrets
import sys
from datetime import timedelta
from pathlib import Path

from bot.cli_support import fail
from bot.clock import utcnow
from bot.config import PROJECT_ROOT, get_settings


def env_file() -> Path:
    """The file the settings were read from (bot/config.py reads the same)."""
    return Path(os.environ.get("HUB_ENV_FILE") or PROJECT_ROOT / ".env")


# --- model and env -------------------------------------------------------------------------

def cmd_model_check(args) -> int:
    from bot.ops import model_check  # imports Rasa when it runs, never at hub's start

    return model_check.cmd_model_check(args)


def cmd_model_record(args) -> int:
    from bot.ops import model_check  # imports Rasa when it runs, never at hub's start

    return model_check.cmd_model_record(args)


def cmd_env_init(args) -> int:
    """Write a local .env from .env.example with fresh secrets (never overwrites)."""
    target = PROJECT_ROOT / ".env"
    if target.exists():
        print(".env exists; left as it is")
        return 0
    lines = []
    for line in (PROJECT_ROOT / ".env.example").read_text().splitlines():
        if line.startswith("HUB_SECRET_KEY="):
            line = f"HUB_SECRET_KEY={secrets.token_hex(32)}"
        elif line.startswith("TWILIO_AUTH_TOKEN="):
            line = f"TWILIO_AUTH_TOKEN={secrets.token_hex(16)}"
        lines.append(line)
    # Created owner-only: written first and restricted after, the secrets would be readable by
    # anyone on the machine in between (the usual umask makes new files 0644).
    with os.fdopen(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as handle:
        handle.write("\n".join(lines) + "\n")
    print("wrote .env with a fresh HUB_SECRET_KEY and a local TWILIO_AUTH_TOKEN")
    return 0


# --- keys -----------------------------------------------------------------------------------

def cmd_keys_rotate(args) -> int:
    from bot.db import session_scope
    from bot.ops.keys import RotationError, check_env_file, new_secret_key, rekey, ring_after, write_env_file

    settings = get_settings()
    old, previous = settings.require_secret_key(), settings.previous_secret_keys
    path = env_file()
    if not args.print:
        try:
            check_env_file(path, old, previous)
        except RotationError as exc:
            return fail(str(exc))
    new = new_secret_key()
    with session_scope() as session:
        rekeyed = rekey(session, old, new, previous, settings.default_region)
    keys = {"HUB_SECRET_KEY": new, "HUB_PREVIOUS_SECRET_KEYS": ",".join(ring_after(old, previous))}
    print("the database is re-keyed to a new HUB_SECRET_KEY (one transaction):")
    for line in rekeyed.lines():
        print(f"  {line}")
    if args.print:
        print("Set these two now where the keys live (the old key is kept for matching opt-outs only):")
        for name, value in keys.items():
            print(f"{name}={value}")
    else:
        try:
            write_env_file(path, keys)
        except OSError as exc:  # the database is re-keyed already: the operator must have the key
            print(f"hub: could not write {path} ({exc.strerror}); set these two there by hand NOW:", file=sys.stderr)
            for name, value in keys.items():
                print(f"{name}={value}", file=sys.stderr)
            return 1
        print(f"wrote HUB_SECRET_KEY and HUB_PREVIOUS_SECRET_KEYS to {path}")
    print("Restart the hotline now (Rasa servers, action server, worker): until they restart they hold the old key. "
          "Conversations with the assistant start afresh; handoffs, relays, officers and opt-outs go on.")
    return 0


# --- backup and restore ---------------------------------------------------------------------

def cmd_backup(args) -> int:
    from bot.ops.backup import BackupError, backup_sqlite, postgres_backup_steps, sqlite_path
    from bot.retention import tracker_store_url

    settings = get_settings()
    folder = Path(args.path)
    tracker_url = tracker_store_url(settings.endpoints_path)
    try:
        if sqlite_path(settings.database_url) is None:
            print(postgres_backup_steps(settings.database_url, tracker_url, folder))
            return 0
        manifest = backup_sqlite(settings.database_url, tracker_url, folder, settings.retention_days)
    except BackupError as exc:
        return fail(f"no backup was made: {exc}")
    print(f"backed up to {folder} at {manifest.created_at}Z (schema {manifest.revision}): "
          + ", ".join(f"{count} {what.replace('_', '-')}" for what, count in manifest.counts.items()))
    if not manifest.tracker_store:
        print("  no SQLite tracker store file was found: conversations are not in this backup")
    print(f"It holds phone numbers and words: keep it no longer than HUB_RETENTION_DAYS ({settings.retention_days} days), "
          "where only the operator can read it.")
    return 0


def _merge_and_purge(since, old, unreadable: str | None, restored: bool) -> None:
    """What was undone after the backup, merged from the old database (`old`, or None and why
    not: `unreadable`); the messages waiting in the backup held (`restored`: every waiting one,
    since the file was just copied from it; else those older than the backup, which began within
    the second `since` names); the retention purge run."""
    from bot.db import session_scope
    from bot.notify.outbox import hold_waiting
    from bot.ops.backup import end_console_sessions, merge_accounts, merge_opt_outs, merge_unsubscribes
    from bot.retention import purge

    settings = get_settings()
    accounts = None
    with session_scope() as session:
        merged = merge_opt_outs(session, old.opt_outs) if old is not None else None
        # Before the messages are held: the copies of alerts to a number that ended its subscription are blocked.
        unsubscribed = merge_unsubscribes(session, old.unsubscribes) if old is not None else None
        if old is not None and old.accounts is not None:
            accounts = merge_accounts(session, old.accounts, since)
        elif old is None:
            end_console_sessions(session)
        held = hold_waiting(session, utcnow() if restored else since + timedelta(seconds=1))
        purged = purge(session, settings.retention_days, settings.endpoints_path)
    print(f"retention purge run at once ({settings.retention_days} days): {purged.outbox_messages} outbox message(s), "
          f"{purged.handoffs} handoff(s) cleared, {purged.contact_numbers} contact number(s), "
          f"{purged.tracker_events if purged.tracker_events is not None else 'no'} tracker store event(s)")
    print(f"{held} message(s) waiting in the backup held: the old line may have sent them since. "
          + ("Look at them with `hub outbox --held`; `hub outbox release ID|--all` sends them." if held else ""))
    stamp = f"{since.isoformat(timespec='seconds')}Z"
    if merged is not None:
        print(f"opt-outs recorded since the backup ({stamp}) merged from the old database: {merged}")
        print(f"alert unsubscribes recorded since the backup merged from the old database: {unsubscribed}")
        if accounts is not None:
            print(f"console accounts as the old database has them: {accounts.removed} removed, {accounts.changed} changed, "
                  f"{accounts.added} added")
    else:
        print(f"WARNING: the opt-outs recorded after the backup ({stamp}) were NOT merged: "
              f"{unreadable}. A number that texted STOP since then may get messages from this line again. Twilio's own "
              "opt-out list still blocks those numbers on the same Twilio number (error 21610). If the old database "
              "turns up, run: hub restore PATH --merge-only --old-database URL", file=sys.stderr)
        print("WARNING: nor were the alert unsubscribes (ALERTS OFF) made since then: those numbers may get alerts again "
              "until they text ALERTS OFF once more. And console accounts removed, or whose password was reset, since "
              "then are back as they were: every console session was ended; check `hub users list` and remove or reset "
              "what should not be there.", file=sys.stderr)


def cmd_restore(args) -> int:
    from alembic import command

    from bot.db import engine_for
    from bot.db.migrate import alembic_config
    from bot.ops.backup import (
        BackupError,
        Manifest,
        backup_started,
        holds_line_data,
        installation_counts,
        old_records,
        postgres_restore_steps,
        restore_sqlite,
        sqlite_path,
    )
    from bot.retention import tracker_store_url

    settings = get_settings()
    folder = Path(args.path)
    tracker_url = tracker_store_url(settings.endpoints_path)
    try:
        if args.merge_only:
            since, old_url = backup_started(folder, args.since), args.old_database
        elif sqlite_path(settings.database_url) is None:
            print(postgres_restore_steps(folder))
            return 0
        else:
            since = Manifest.read(folder).taken_at
            occupied = holds_line_data(settings.database_url, tracker_url)
            if occupied and not args.force:
                return fail(f"this installation's database is not empty ({', '.join(occupied)}): nothing was restored. "
                             "Restore into a fresh installation, or add --force to replace what is there "
                             "(its opt-outs recorded since the backup are kept).")
            # Replacing a database in use: it is the old one, read before it is replaced.
            old_url = args.old_database or (settings.database_url if occupied else None)
        old, unreadable = old_records(old_url, since)
        if not args.merge_only:
            restore_sqlite(folder, settings.database_url, tracker_url)
    except (BackupError, ValueError) as exc:
        return fail(f"nothing was restored: {exc}")
    if not args.merge_only:
        engine_for.cache_clear()  # nothing may read the replaced file through an old connection
        command.upgrade(alembic_config(settings.database_url), "head")
        print(f"restored {folder} (made {since.isoformat(timespec='seconds')}Z) and migrated it to the current schema")
        if not Manifest.read(folder).tracker_store:
            print("  the backup holds no conversations: this installation's tracker store was left as it was")
    _merge_and_purge(since, old, unreadable, restored=not args.merge_only)
    if not args.merge_only:
        counts = installation_counts(settings.database_url, tracker_url)
        print("now in this installation: " + ", ".join(f"{count} {what.replace('_', '-')}" for what, count in counts.items()))
    return 0


# --- twilio fallback ---------------------------------------------------------------------------

def cmd_twilio_fallback(args) -> int:
    from bot.ops.fallback import sms_fallback, voice_fallback

    print(sms_fallback() if args.kind == "sms" else voice_fallback(get_settings()))
    return 0


# Procfile processes that run only when a setting turns them on: name → whether it is on.
OPTIONAL_PROCESSES = {"hsds_api": lambda settings: settings.hsds_api}


def cmd_processes(args) -> int:
    """The Procfile's processes this configuration runs, for `honcho start NAMES` (`make run`)."""
    from bot.config import PROJECT_ROOT, get_settings

    settings = get_settings()
    names = [line.split(":", 1)[0].strip() for line in (PROJECT_ROOT / "Procfile").read_text(encoding="utf-8").splitlines()
             if ":" in line and not line.lstrip().startswith("#")]
    print(" ".join(name for name in names if OPTIONAL_PROCESSES.get(name, lambda _: True)(settings)))
    return 0


def add_commands(commands) -> None:
    """Add the bot/ops commands to `hub`'s subparsers."""
    commands.add_parser("processes", help="the Procfile's processes this configuration runs (HUB_HSDS_API adds one)"
                        ).set_defaults(func=cmd_processes)
    model = commands.add_parser("model", help="the trained model").add_subparsers(dest="model_command", required=True)
    model_check = model.add_parser("check", help="load the model and compare its intents on a fixed sample with those "
                                                 "recorded when it was trained (records an unrecorded model); warns only")
    model_check.add_argument("--model", default="models/hub.tar.gz")
    model_check.add_argument("--strict", action="store_true", help="exit 1 when the model reads otherwise or fails to load")
    model_check.set_defaults(func=cmd_model_check)
    model_record = model.add_parser("record", help="record the sample's intents beside a model just trained")
    model_record.add_argument("--model", default="models/hub.tar.gz")
    model_record.set_defaults(func=cmd_model_record)

    env = commands.add_parser("env", help="local configuration").add_subparsers(dest="env_command", required=True)
    env.add_parser("init", help="create .env from .env.example with fresh secrets").set_defaults(func=cmd_env_init)

    keys = commands.add_parser("keys", help="the secret key of the phone-number HMAC").add_subparsers(dest="keys_command", required=True)
    rotate = keys.add_parser("rotate", help="a new HUB_SECRET_KEY: re-key every record whose number the line holds "
                                            "(stop the hotline first, start it after)")
    rotate.add_argument("--print", action="store_true",
                        help="the keys live elsewhere (a secret store, the host's .env of docker compose): print the two "
                             "settings to set instead of writing the .env file")
    rotate.set_defaults(func=cmd_keys_rotate)

    backup = commands.add_parser("backup", help="back up the hotline's database and the conversations while the line "
                                                "runs (SQLite), or say what pg_dump to run (PostgreSQL)")
    backup.add_argument("path", help="a new folder")
    backup.set_defaults(func=cmd_backup)
    restore = commands.add_parser("restore", help="restore a backup into a fresh installation (stop the hotline first); "
                                                  "runs the retention purge, merges the opt-outs, unsubscribes and console "
                                                  "account changes recorded since, and holds the messages that were waiting")
    restore.add_argument("path", help="a folder made by `hub backup`")
    restore.add_argument("--force", action="store_true", help="replace a database that already holds the line's records")
    restore.add_argument("--old-database", metavar="URL",
                         help="the database the backup was made from, if it can still be read: the opt-outs it recorded "
                              "after the backup are merged (default: this installation's, when --force replaces it)")
    restore.add_argument("--merge-only", action="store_true",
                         help="only merge what was undone since the backup from --old-database, hold what was waiting, then purge "
                              "(after pg_restore, or when the old database turns up later)")
    restore.add_argument("--since", help="with --merge-only: when the backup began (ISO time, UTC), if PATH says nothing of it")
    restore.set_defaults(func=cmd_restore)

    twilio = commands.add_parser("twilio", help="Twilio console settings").add_subparsers(dest="twilio_command", required=True)
    fallback = twilio.add_parser("fallback", help="print the TwiML to paste into a TwiML Bin, the fallback URL Twilio "
                                                  "calls when the hotline does not answer (README, operating guide)")
    fallback.add_argument("kind", choices=("sms", "voice"))
    fallback.set_defaults(func=cmd_twilio_fallback)

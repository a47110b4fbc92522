"""The `hub` commands of the console: `hub console` serves it; `hub users` manages its accounts
(every change recorded in the audit log, by the operating-system user who made it). bot/cli.py
only calls `add_commands`."""
from __future__ import annotations

import getpass
import json
import os
import sys

from bot.cli_support import fail, shell_actor
from bot.config import get_settings


def _read_password(args) -> str:
    """From stdin with --password-stdin (one line), otherwise typed twice, unseen."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass("password (at least 12 characters): ")
    if getpass.getpass("the same password again: ") != password:
        raise SystemExit(fail("the two passwords differ; nothing was changed", 2))
    return password


def cmd_users_add(args) -> int:
    from bot.console import accounts, audit
    from bot.db import session_scope

    password = _read_password(args)
    try:
        with session_scope() as session:
            user = accounts.add_user(session, args.email, args.role, password)
            audit.record(session, shell_actor(), "users", f"added {user.email} as {user.role}")
            email, role = user.email, user.role
    except accounts.AccountError as exc:
        return fail(str(exc), 2)
    print(f"added {email} ({role}); they sign in at the console (`hub console`, port {get_settings().console_port})")
    return 0


def cmd_users_list(args) -> int:
    from bot.clock import utcnow
    from bot.console import accounts
    from bot.db import session_scope

    with session_scope() as session:
        now = utcnow()
        rows = [{"email": u.email, "role": u.role,
                 "last_login_at": u.last_login_at.isoformat(timespec="seconds") + "Z" if u.last_login_at else None,
                 "locked": bool(u.locked_until and u.locked_until > now)}
                for u in accounts.list_users(session)]
    if args.json:
        print(json.dumps({"users": rows}, indent=2))
    elif not rows:
        print("no console accounts yet; add one with: hub users add --email you@example.org --role manager")
    for row in ([] if args.json else rows):
        print(f"{row['email']:<40} {row['role']:<8} last sign-in {row['last_login_at'] or 'never'}"
              + ("  LOCKED (reset-password lifts it)" if row["locked"] else ""))
    return 0


def cmd_users_remove(args) -> int:
    from bot.console import accounts, audit
    from bot.db import session_scope

    try:
        with session_scope() as session:
            email = accounts.remove_user(session, args.email)
            audit.record(session, shell_actor(), "users", f"removed {email}")
    except accounts.AccountError as exc:
        return fail(str(exc), 1)
    print(f"removed {email}; their sessions have ended")
    return 0


def cmd_users_reset_password(args) -> int:
    from bot.console import accounts, audit
    from bot.db import session_scope

    password = _read_password(args)
    try:
        with session_scope() as session:
            user = accounts.reset_password(session, args.email, password)
            audit.record(session, shell_actor(), "users", f"reset the password of {user.email}")
            email = user.email
    except accounts.AccountError as exc:
        return fail(str(exc), 2 if "password" in str(exc) else 1)
    print(f"new password set for {email}; a lockout is lifted and their sessions have ended")
    return 0


def cmd_console(args) -> int:
    from bot.console.app import serve

    settings = get_settings()
    settings.require_secret_key()  # it signs the sessions
    host = args.host or os.environ.get("HUB_BIND_HOST") or "127.0.0.1"
    print(f"Console: http://{'localhost' if host in ('127.0.0.1', '0.0.0.0') else host}:{settings.console_port}/ "
          f"(accounts: hub users add --email E --role manager)", flush=True)
    serve(settings, host)
    return 0


def add_commands(commands) -> None:
    console = commands.add_parser("console", help="serve the coordinator's console on HUB_CONSOLE_PORT (default 5006)")
    console.add_argument("--host", help="address to bind (default: HUB_BIND_HOST, else 127.0.0.1)")
    console.set_defaults(func=cmd_console)

    users = commands.add_parser("users", help="console accounts").add_subparsers(dest="users_command", required=True)
    add = users.add_parser("add", help="an account: viewers see the board and reports; managers also change things")
    add.add_argument("--email", required=True)
    add.add_argument("--role", required=True, choices=("manager", "viewer"))
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin (one line)")
    add.set_defaults(func=cmd_users_add)
    listing = users.add_parser("list", help="accounts, their roles and last sign-in")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=cmd_users_list)
    remove = users.add_parser("remove", help="remove an account (its sessions end)")
    remove.add_argument("--email", required=True)
    remove.set_defaults(func=cmd_users_remove)
    reset = users.add_parser("reset-password", help="a new password; lifts a lockout and ends the account's sessions")
    reset.add_argument("--email", required=True)
    reset.add_argument("--password-stdin", action="store_true", help="read the password from stdin (one line)")
    reset.set_defaults(func=cmd_users_reset_password)

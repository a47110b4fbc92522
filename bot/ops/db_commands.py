"""`hub db upgrade`: migrate HUB_DATABASE_URL to the latest schema. bot/cli.py only calls
`add_commands`. Here rather than in bot/db, whose package imports SQLAlchemy: `hub` imports every
command module to build its parser, and none imports more than it needs for that."""
from __future__ import annotations

import argparse
from pathlib import Path

from bot.config import get_settings


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from alembic import command

    from bot.db.migrate import alembic_config

    url = get_settings().database_url
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), "head")
    print(f"database is up to date ({url.split('@')[-1]})")
    return 0


def add_commands(commands: argparse._SubParsersAction) -> None:
    """Add `hub db` to `hub`'s subparsers."""
    db = commands.add_parser("db", help="database").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="apply migrations to HUB_DATABASE_URL").set_defaults(func=cmd_db_upgrade)

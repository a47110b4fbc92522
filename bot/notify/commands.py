"""`hub outbox release ID|--all`: send messages a restore held (bot/notify/outbox.py HELD), once
an operator has looked at them (`hub outbox --held`). bot/cli.py only calls `add_commands`."""
from __future__ import annotations

import argparse
import sys


def cmd_outbox_release(args: argparse.Namespace) -> int:
    from bot.db import session_scope
    from bot.notify.outbox import ReleaseError, release_held

    if not args.ids and not args.all:
        print("hub: outbox release: give the ID of a held message, or --all (`hub outbox --held` lists them)",
              file=sys.stderr)
        return 2
    if args.ids and args.all:
        print("hub: outbox release: give IDs or --all, not both", file=sys.stderr)
        return 2
    try:
        with session_scope() as session:
            released = release_held(session, None if args.all else args.ids)
    except ReleaseError as exc:
        print(f"hub: outbox release: {exc}", file=sys.stderr)
        return 1
    print(f"released {', '.join(f'#{row_id}' for row_id in released)}: the worker sends them now, after asking Twilio "
          "whether the old line sent them already, and never to a number that texted STOP")
    return 0


def add_commands(outbox: argparse.ArgumentParser) -> None:
    """Add `release` under `hub outbox` (its parser)."""
    commands = outbox.add_subparsers(dest="outbox_command")
    release = commands.add_parser("release", help="send messages a restore held (listed by `hub outbox --held`)")
    release.add_argument("ids", nargs="*", type=int, metavar="ID")
    release.add_argument("--all", action="store_true", help="every held message")
    release.set_defaults(func=cmd_outbox_release)

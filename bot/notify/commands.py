"""`hub outbox`: the proactive messages stored or sent, and `hub outbox release ID|--all`: send
messages a restore held (bot/notify/outbox.py HELD), once an operator has looked at them
(`hub outbox --held`). bot/cli.py only calls `add_commands`."""
from __future__ import annotations

import argparse
import json
import sys

from bot.cli_support import fail
from bot.config import get_settings


def cmd_outbox(args: argparse.Namespace) -> int:
    from bot.db import session_scope
    from bot.notify.outbox import HELD, list_messages
    from bot.privacy import InvalidPhoneNumber, to_e164

    settings = get_settings()
    try:
        to_number = to_e164(args.to, settings.default_region) if args.to else None
    except InvalidPhoneNumber as exc:
        return fail(f"--to: {exc}", 2)
    with session_scope() as session:
        rows = [
            {
                "id": row.id,
                "to": row.to_number,
                "purpose": row.purpose,
                "status": row.status,
                "attempts": row.attempts,
                "created_at": row.created_at.isoformat(timespec="seconds") + "Z",
                # Twilio's delivery receipt: delivered, undelivered or failed, and its error code
                "delivery": row.delivery_status,
                "delivery_error_code": row.delivery_error_code,
                "body": row.body,
            }
            for row in list_messages(session, to_number, status=HELD if args.held else None)
        ]
    if args.json:
        print(json.dumps({"messages": rows}, ensure_ascii=False, indent=2))
    elif not rows:
        print("no message is held" if args.held else "the outbox is empty")
    else:
        for row in rows:
            delivery = "".join(f", {part}" for part in (row["delivery"], row["delivery_error_code"] and f"error {row['delivery_error_code']}") if part)
            print(f"#{row['id']} {row['created_at']} to {row['to']} [{row['purpose']}, {row['status']}{delivery}]")
            print(f"    {row['body']}")
    return 0


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


def add_commands(commands: argparse._SubParsersAction) -> None:
    """Add `hub outbox` and, under it, `release` to `hub`'s subparsers."""
    outbox = commands.add_parser("outbox", help="proactive messages stored or sent")
    outbox.add_argument("--to")
    outbox.add_argument("--json", action="store_true")
    outbox.add_argument("--held", action="store_true", help="only messages a restore held (`hub outbox release` sends them)")
    outbox.set_defaults(func=cmd_outbox)
    release = outbox.add_subparsers(dest="outbox_command").add_parser(
        "release", help="send messages a restore held (listed by `hub outbox --held`)")
    release.add_argument("ids", nargs="*", type=int, metavar="ID")
    release.add_argument("--all", action="store_true", help="every held message")
    release.set_defaults(func=cmd_outbox_release)

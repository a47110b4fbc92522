"""`hub`: the operator's command line (also `python -m bot`).

Only the top-level parser and the dispatch live here: each command group registers its own
parsers and handlers with an `add_commands(commands)` of its package, in the order `hub --help`
lists them. The command modules never import this one (what they share is in bot/cli_support.py),
and import what their handlers need in the handlers, so that building the parser stays cheap:
`hub sms` loads no Rasa (tests/bot/sms_webhook/test_commands.py)."""
from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from bot import worker_commands
from bot.alerts import commands as alerts_commands
from bot.cli_support import fail
from bot.config import ConfigError
from bot.console import commands as console_commands
from bot.directory import commands as directory_commands
from bot.handoff import commands as handoff_commands
from bot.notify import commands as outbox_commands
from bot.ops import commands as ops_commands
from bot.ops import db_commands
from bot.sms_webhook import commands as sms_commands

# In the order of `hub --help`.
COMMAND_GROUPS = (
    db_commands,  # db upgrade
    directory_commands,  # directory import, export, search, reports
    sms_commands,  # sms, simulator
    outbox_commands,  # outbox, outbox release
    worker_commands,  # status, worker, purge
    handoff_commands,  # roster, handoffs, report
    ops_commands,  # model, env, keys, backup, restore, twilio fallback
    console_commands,  # console, users
    alerts_commands,  # alerts send, list, reports
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hub", description="Health Hub Hotline operator commands")
    commands = parser.add_subparsers(dest="command", required=True)
    for group in COMMAND_GROUPS:
        group.add_commands(commands)
    return parser


def args_command(argv: Sequence[str] | None) -> str | None:
    words = list(sys.argv[1:] if argv is None else argv)
    return words[0] if words else None


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO if args_command(argv) == "worker" else logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ConfigError as exc:
        return fail(str(exc), 2)


if __name__ == "__main__":
    sys.exit(main())

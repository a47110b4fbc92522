"""`hub`: the operator's command line (also `python -m bot`)."""
from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from bot.config import ConfigError
from bot.directory.commands import add_commands as add_directory_commands
from bot.handoff.commands import add_commands as add_handoff_commands
from bot.notify.commands import add_commands as add_outbox_commands
from bot.ops.db_commands import add_commands as add_db_commands
from bot.sms_webhook.commands import add_commands as add_sms_commands
from bot.worker_commands import add_commands as add_worker_commands


def _fail(message: str, code: int = 1) -> int:
    print(f"hub: {message}", file=sys.stderr)
    return code


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hub", description="Health Hub Hotline operator commands")
    commands = parser.add_subparsers(dest="command", required=True)

    add_db_commands(commands)

    add_directory_commands(commands)

    add_sms_commands(commands)  # sms, simulator

    add_outbox_commands(commands)  # outbox, outbox release
    add_worker_commands(commands)  # status, worker, purge

    add_handoff_commands(commands)  # roster, handoffs, report

    from bot.ops.commands import add_commands as add_ops_commands  # model, env, keys, backup, restore, twilio fallback
    add_ops_commands(commands)
    from bot.console.commands import add_commands as add_console_commands  # console, users
    add_console_commands(commands)
    from bot.alerts.commands import add_commands as add_alerts_commands  # alerts send, list, reports
    add_alerts_commands(commands)
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
        return _fail(str(exc), 2)


if __name__ == "__main__":
    sys.exit(main())

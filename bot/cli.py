"""`hub`: the operator's command line (also `python -m bot`)."""
from __future__ import annotations

import argparse
import logging
import os
import secrets
import sys
from collections.abc import Sequence

from bot.config import PROJECT_ROOT, ConfigError
from bot.directory.commands import add_commands as add_directory_commands
from bot.handoff.commands import add_commands as add_handoff_commands
from bot.notify.commands import add_commands as add_outbox_commands
from bot.ops.db_commands import add_commands as add_db_commands
from bot.sms_webhook.commands import add_commands as add_sms_commands
from bot.worker_commands import add_commands as add_worker_commands


def _fail(message: str, code: int = 1) -> int:
    print(f"hub: {message}", file=sys.stderr)
    return code


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


def _model_command(name: str, args) -> int:
    from bot.ops import model_check  # imports Rasa when it runs, never at hub's start

    return getattr(model_check, name)(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hub", description="Health Hub Hotline operator commands")
    commands = parser.add_subparsers(dest="command", required=True)

    add_db_commands(commands)

    add_directory_commands(commands)

    add_sms_commands(commands)  # sms, simulator

    add_outbox_commands(commands)  # outbox, outbox release
    add_worker_commands(commands)  # status, worker, purge

    add_handoff_commands(commands)  # roster, handoffs, report

    model = commands.add_parser("model", help="the trained model").add_subparsers(dest="model_command", required=True)
    model_check = model.add_parser("check", help="load the model and compare its intents on a fixed sample with those "
                                                 "recorded when it was trained (records an unrecorded model); warns only")
    model_check.add_argument("--model", default="models/hub.tar.gz")
    model_check.add_argument("--strict", action="store_true", help="exit 1 when the model reads otherwise or fails to load")
    model_check.set_defaults(func=lambda args: _model_command("cmd_model_check", args))
    model_record = model.add_parser("record", help="record the sample's intents beside a model just trained")
    model_record.add_argument("--model", default="models/hub.tar.gz")
    model_record.set_defaults(func=lambda args: _model_command("cmd_model_record", args))

    env = commands.add_parser("env", help="local configuration").add_subparsers(dest="env_command", required=True)
    env.add_parser("init", help="create .env from .env.example with fresh secrets").set_defaults(func=cmd_env_init)

    from bot.ops.commands import add_commands as add_ops_commands  # keys, backup, restore, twilio fallback
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

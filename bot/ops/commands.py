"""The `hub` commands of bot/ops: `hub keys rotate`. bot/cli.py only calls `add_commands`."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from bot.config import PROJECT_ROOT, get_settings


def _fail(message: str, code: int = 1) -> int:
    print(f"hub: {message}", file=sys.stderr)
    return code


def env_file() -> Path:
    """The file the settings were read from (bot/config.py reads the same)."""
    return Path(os.environ.get("HUB_ENV_FILE") or PROJECT_ROOT / ".env")


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
            return _fail(str(exc))
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


def add_commands(commands) -> None:
    """Add the bot/ops commands to `hub`'s subparsers."""
    keys = commands.add_parser("keys", help="the secret key of the phone-number HMAC").add_subparsers(dest="keys_command", required=True)
    rotate = keys.add_parser("rotate", help="a new HUB_SECRET_KEY: re-key every record whose number the line holds "
                                            "(stop the hotline first, start it after)")
    rotate.add_argument("--print", action="store_true",
                        help="the keys live elsewhere (a secret store, the host's .env of docker compose): print the two "
                             "settings to set instead of writing the .env file")
    rotate.set_defaults(func=cmd_keys_rotate)


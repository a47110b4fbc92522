"""What the `hub` command modules share (bot/*/commands.py and the like). It imports none of
them, nor bot/cli.py, which imports them all: the commands sit above this module, never below."""
from __future__ import annotations

import sys


def fail(message: str, code: int = 1) -> int:
    """Say what went wrong as `hub: message` on stderr; the exit code to return."""
    print(f"hub: {message}", file=sys.stderr)
    return code


def shell_actor() -> str:
    """Who ran a `hub` command, for the audit log."""
    import getpass
    import os

    try:
        return f"shell:{getpass.getuser()}"
    except Exception:  # no name for this uid (a container): the uid says who
        return f"shell:uid {os.getuid()}"

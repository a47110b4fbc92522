"""The sections of the endpoints file the Rasa server runs with (HUB_ENDPOINTS), read as Rasa reads
them, for the processes that must reach the same stores: the worker purges the tracker store, and
paces its sends on the lock store's Redis."""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml

from bot.config import ConfigError

_ENV_VAR = re.compile(r"\$\{([^}]+)\}")


def endpoint_section(endpoints_path: Path, name: str) -> dict[str, Any]:
    """The `name` section of the endpoints file ({} when there is none), environment variables
    expanded as Rasa expands them. Only the section's own variables need be set."""
    try:
        raw = endpoints_path.read_text()
    except OSError as exc:
        raise ConfigError(f"HUB_ENDPOINTS: cannot read {endpoints_path}: {exc.strerror}") from None

    def expand(match: re.Match) -> str:
        if match.group(1) not in os.environ:
            raise ConfigError(f"{endpoints_path}: the environment variable {match.group(1)} is not set")
        return os.environ[match.group(1)]

    section = (yaml.safe_load(raw) or {}).get(name) or {}
    return {key: _ENV_VAR.sub(expand, value) if isinstance(value, str) else value for key, value in section.items()}

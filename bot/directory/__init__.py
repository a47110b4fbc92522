"""The service directory: HSDS import, nearest-first search, SMS-shaped results.

The names below are imported when first asked for, not with the package: `hub` imports
bot/directory/commands.py to build its parser, and the search (SQLAlchemy, the models) would
otherwise load for every command, `hub sms --help` included."""
from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.directory.geo import Place, lookup_zip
    from bot.directory.search import SearchResult, ServiceMatch, UnknownServiceType, find_services
    from bot.directory.taxonomy import SERVICE_TYPES

_HOMES = {
    "Place": "bot.directory.geo",
    "lookup_zip": "bot.directory.geo",
    "SearchResult": "bot.directory.search",
    "ServiceMatch": "bot.directory.search",
    "UnknownServiceType": "bot.directory.search",
    "find_services": "bot.directory.search",
    "SERVICE_TYPES": "bot.directory.taxonomy",
}

__all__ = [
    "Place",
    "SERVICE_TYPES",
    "SearchResult",
    "ServiceMatch",
    "UnknownServiceType",
    "find_services",
    "lookup_zip",
]


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(_HOMES[name]), name)
    globals()[name] = value  # asked once
    return value

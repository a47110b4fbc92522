"""The service directory: HSDS import, nearest-first search, SMS-shaped results."""
from bot.directory.geo import Place, lookup_zip
from bot.directory.search import SearchResult, ServiceMatch, UnknownServiceType, find_services
from bot.directory.taxonomy import SERVICE_TYPES

__all__ = [
    "Place",
    "SERVICE_TYPES",
    "SearchResult",
    "ServiceMatch",
    "UnknownServiceType",
    "find_services",
    "lookup_zip",
]

"""Read an HSDS 3.0 API feed (`hub directory import --api URL`, and the worker's refresh).

`GET URL/services?page=N&per_page=M&full=true`, page after page, reading the paging envelope
(contents, and first_page, last_page, page_number, total_pages, total_items, size where the
server gives them). It stops at last_page, at an empty page, or at page_number = total_pages; a
list item that is not a full record is fetched whole from `GET URL/services/{id}`.

A request that times out (HUB_FEED_TIMEOUT), fails to connect, or gets a 5xx or a 429 is tried
again, HUB_FEED_RETRIES times with backoff; a 4xx, a body that is not JSON, or a feed larger than
HUB_FEED_MAX_MB stops the read with a FeedError that names the request. Nothing is written here:
a read either gives every record or raises, so a feed that fails half-way leaves the directory as
it was.
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import requests

from bot.directory.hsds import Package, package_from_records
from bot.directory.hsds_records import RecordRows

PER_PAGE = 100
# Fields a full service record has and a list item (one-to-one fields only) does not.
_FULL_MARKERS = ("service_at_locations", "organization", "phones", "schedules")
_RETRIED_STATUS = {429, 500, 502, 503, 504}
_MAX_PAGES = 100_000  # a server that never says it is done
# A 429 with Retry-After is waited out, up to this long each time and this many times a request.
_MAX_RATE_WAIT_SECONDS = 120.0
_MAX_RATE_WAITS = 30


def _retry_after(response: requests.Response) -> float | None:
    """Seconds a 429 (or 503) asks the reader to wait, from Retry-After in seconds; None otherwise."""
    if response.status_code not in (429, 503):
        return None
    try:
        seconds = float(response.headers.get("Retry-After", ""))
    except ValueError:
        return None
    return min(max(seconds, 0.0), _MAX_RATE_WAIT_SECONDS)


class FeedError(RuntimeError):
    """The feed could not be read: the message names the request and what went wrong."""


@dataclass(frozen=True)
class FeedLimits:
    timeout_seconds: float = 30.0
    retries: int = 3
    max_bytes: int = 200 * 1024 * 1024
    backoff_seconds: float = 1.0  # doubled at each retry


@dataclass
class FeedRead:
    url: str
    package: Package
    pages: int = 0
    services: int = 0
    followed: int = 0  # list items fetched whole from /services/{id}
    bytes_read: int = 0
    retried: int = 0
    service_ids: list[str] = field(default_factory=list)


class _Client:
    def __init__(self, limits: FeedLimits, sleep: Callable[[float], None]) -> None:
        self.limits = limits
        self.sleep = sleep
        self.session = requests.Session()
        self.session.headers["Accept"] = "application/json"
        self.bytes_read = 0
        self.retried = 0

    def get(self, url: str) -> Any:
        attempt = waits = 0
        while True:
            last = attempt == self.limits.retries
            try:
                response = self.session.get(url, timeout=self.limits.timeout_seconds, stream=True)
            except requests.Timeout:
                problem = f"no answer within {self.limits.timeout_seconds:g} s (HUB_FEED_TIMEOUT)"
            except requests.RequestException as exc:
                problem = f"could not connect ({type(exc).__name__})"
            else:
                with response:
                    told = _retry_after(response)
                    if told is not None and waits < _MAX_RATE_WAITS:
                        # The feed's own rate limit: wait as long as it says, which is no failure.
                        waits += 1
                        self.sleep(told)
                        continue
                    if response.status_code in _RETRIED_STATUS:
                        problem = f"answered HTTP {response.status_code}"
                    elif response.status_code >= 400:
                        raise FeedError(f"GET {url}: answered HTTP {response.status_code}; the directory was left as it was")
                    else:
                        return self._json(url, response)
            if last:
                raise FeedError(f"GET {url}: {problem}, {self.limits.retries + 1} times; the directory was left as it was")
            self.retried += 1
            self.sleep(self.limits.backoff_seconds * 2 ** attempt)
            attempt += 1

    def _json(self, url: str, response: requests.Response) -> Any:
        chunks = []
        try:
            for chunk in response.iter_content(64 * 1024):
                self.bytes_read += len(chunk)
                if self.bytes_read > self.limits.max_bytes:
                    raise FeedError(f"GET {url}: the feed is larger than {self.limits.max_bytes // (1024 * 1024)} MB "
                                    f"(HUB_FEED_MAX_MB); nothing was imported")
                chunks.append(chunk)
        except requests.RequestException as exc:
            raise FeedError(f"GET {url}: the answer broke off ({type(exc).__name__}); the directory was left as it was") from exc
        try:
            return json.loads(b"".join(chunks))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise FeedError(f"GET {url}: the answer is not JSON ({exc}); the directory was left as it was") from None


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


def _page_url(base: str, page: int, per_page: int) -> str:
    return f"{base}/services?{urlencode({'page': page, 'per_page': per_page, 'full': 'true'})}"


def _is_last(envelope: dict, page: int, contents: list) -> bool:
    if not contents or envelope.get("empty") is True or envelope.get("last_page") is True:
        return True
    total_pages, number = envelope.get("total_pages"), envelope.get("page_number", page)
    return isinstance(total_pages, int) and isinstance(number, int) and number >= total_pages


def read_feed(url: str, limits: FeedLimits | None = None, per_page: int = PER_PAGE,
              progress: Callable[[int, int | None], None] | None = None,
              sleep: Callable[[float], None] | None = None) -> FeedRead:
    """Every service of the feed at `url`, as a validated package (raises FeedError, or
    HsdsValidationError for records that would refuse a package). `progress(services, total)`
    after each page; total from the envelope's total_items where it gives one."""
    base = url.rstrip("/")
    client = _Client(limits or FeedLimits(), sleep or _sleep)
    rows = RecordRows()
    read = FeedRead(url=base, package=None)  # type: ignore[arg-type]  # set below, once every page is in
    page = 1
    while page <= _MAX_PAGES:
        page_url = _page_url(base, page, per_page)
        envelope = client.get(page_url)
        if isinstance(envelope, list):  # a bare list: one page holds everything
            envelope = {"contents": envelope, "last_page": True}
        contents = envelope.get("contents") if isinstance(envelope, dict) else None
        if not isinstance(contents, list):
            raise FeedError(f"GET {page_url}: the answer has no 'contents' list (an HSDS API page); the directory was left as it was")
        records = []
        for item in contents:
            if isinstance(item, dict) and item.get("id") and not any(key in item for key in _FULL_MARKERS):
                item = client.get(f"{base}/services/{item['id']}")
                read.followed += 1
            records.append(item)
        ids = {str(r["id"]) for r in records if isinstance(r, dict) and r.get("id")}
        if page > 1 and ids and ids <= set(read.service_ids):
            break  # a server that ignores `page` sends the first page again: everything is in
        rows.add_services(f"services page {page}", records)
        read.services += len(records)
        read.service_ids.extend(str(r["id"]) for r in records if isinstance(r, dict) and r.get("id"))
        read.pages = page
        if progress:
            total = envelope.get("total_items")
            progress(read.services, total if isinstance(total, int) else None)
        if _is_last(envelope, page, contents):
            break
        page += 1
    read.bytes_read, read.retried = client.bytes_read, client.retried
    read.package = package_from_records(base, rows.rows, rows.warnings)
    return read

"""A local HSDS 3.0 API for the feed tests, built from Open Referral's mock API records
(../shared/hsds/mock-api/, which does not paginate itself): `GET /services` in pages, with the
envelope a test asks for, `GET /services/{id}` and `GET /`; and the ways a real feed goes wrong
(a 500, a page that is not JSON, a slow answer), on the page a test names."""
from __future__ import annotations

import copy
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from tests.conftest import PROJECT_ROOT

MOCK_API = PROJECT_ROOT.parent / "shared" / "hsds" / "mock-api"
MOCK_SERVICE_ID = "ac148810-d857-441c-9679-408f346de14b"


def mock_service() -> dict:
    return json.loads((MOCK_API / "services" / f"{MOCK_SERVICE_ID}.json").read_text(encoding="utf-8"))


def services_like_the_mock(count: int) -> list[dict]:
    """`count` full service records: the mock's, each with ids of its own for the service, its
    place and its phone (the organization and taxonomy are shared, as in a real feed)."""
    out = []
    for n in range(count):
        record = copy.deepcopy(mock_service())
        if n:
            record["id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"service-{n}"))
            record["name"] = f"Community Counselling {n}"
            for key in ("phones", "schedules", "service_at_locations", "cost_options", "languages", "attributes",
                        "funding", "required_documents", "contacts", "service_areas", "metadata"):
                for position, child in enumerate(record.get(key, [])):
                    _new_ids(child, f"{n}-{key}-{position}")
        out.append(record)
    return out


def _new_ids(obj, salt: str) -> None:
    if isinstance(obj, dict):
        if "id" in obj and "taxonomy_detail" not in obj and "taxonomy" not in obj:
            obj["id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{salt}-{obj['id']}"))
        for key, value in obj.items():
            if key not in ("taxonomy_term", "organization"):
                _new_ids(value, salt)
    elif isinstance(obj, list):
        for item in obj:
            _new_ids(item, salt)


class FeedServer:
    """Set `services`, then how it pages: `envelope` "full" (every field), "last_page" (no totals),
    "none" (contents only: the reader stops at an empty page), "ignores_page" (the first page
    again, whatever is asked); `list_items_only` (one-to-one fields: the reader fetches each);
    `fail` {page: [status or (status, headers), ...]} answered in turn before the page itself; `not_json` pages;
    `delay` seconds before each answer."""

    def __init__(self) -> None:
        self.services: list[dict] = services_like_the_mock(1)
        self.envelope = "full"
        self.list_items_only = False
        self.fail: dict[int, list] = {}
        self.not_json: set[int] = set()
        self.delay = 0.0
        self.requests: list[str] = []
        self._stop = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                server.requests.append(self.path)
                if server.delay:
                    server._stop.wait(server.delay)
                status, body = server.answer(self.path)
                headers: dict = {}
                if isinstance(status, tuple):
                    status, headers = status
                payload = body if isinstance(body, bytes) else json.dumps(body).encode()
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):  # the reader gave up waiting
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> FeedServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def answer(self, path: str) -> tuple[int | tuple[int, dict], object]:
        parsed = urlparse(path)
        if parsed.path in ("", "/"):
            return 200, json.loads((MOCK_API / "root.json").read_text(encoding="utf-8"))
        if parsed.path.startswith("/services/"):
            wanted = parsed.path.removeprefix("/services/")
            found = [s for s in self.services if s["id"] == wanted]
            return (200, found[0]) if found else (404, {"detail": "not found"})
        if parsed.path != "/services":
            return 404, {"detail": "not found"}
        query = parse_qs(parsed.query)
        page, per_page = int(query.get("page", ["1"])[0]), int(query.get("per_page", ["50"])[0])
        if self.fail.get(page):
            return self.fail[page].pop(0), {"detail": "internal error"}
        if page in self.not_json:
            return 200, b"<html><body>Bad gateway</body></html>"
        if self.envelope == "ignores_page":
            page = 1
        total_pages = max(1, -(-len(self.services) // per_page))
        contents = self.services[(page - 1) * per_page: page * per_page]
        if self.list_items_only:
            contents = [{key: value for key, value in s.items() if not isinstance(value, (dict, list))} for s in contents]
        envelope: dict = {"contents": contents}
        if self.envelope in ("full", "ignores_page"):
            envelope.update(total_items=len(self.services), total_pages=total_pages, page_number=page, size=len(contents),
                            first_page=page == 1, last_page=page >= total_pages, empty=not contents)
        elif self.envelope == "last_page":
            envelope.update(page_number=page, last_page=page >= total_pages)
        return 200, envelope

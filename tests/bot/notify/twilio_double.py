"""A stateful stand-in for Twilio's Messages and Calls APIs, for tests that need Twilio to remember
what it accepted (Prism's mock, built from the OpenAPI description, answers every request alike and
keeps nothing), in the shapes of Twilio's API v2010:
- Messages: POST creates a message, GET lists them (To/From filters, newest first). It can hold
  its answer to a create after taking the message, as when a worker dies between Twilio accepting
  a message and hearing so.
- Calls: POST Calls.json places a call (recorded with its Url and StatusCallback, for the test to
  play the callee's part); POST Calls/CA….json redirects a live call (recorded), or answers 400
  code 21220 for a call in `ended`.
- `down`: every request answers 503, as during a Twilio incident.
- `refusal`: (HTTP status, Twilio error code) every message create answers, as Twilio does for a
  rotated auth token (401, 20003), a full queue (400, 21611) or a recipient who texted STOP to
  Twilio (400, 21610).
Each message keeps the StatusCallback it was sent with, for the test to post receipts to."""
from __future__ import annotations

import json
import re
import threading
import time
import uuid
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

_MESSAGES = re.compile(r"^/2010-04-01/Accounts/(AC\w+)/Messages\.json$")
_CALLS = re.compile(r"^/2010-04-01/Accounts/(AC\w+)/Calls\.json$")
_CALL = re.compile(r"^/2010-04-01/Accounts/(AC\w+)/Calls/(CA\w+)\.json$")


class TwilioDouble:
    def __init__(self):
        self.messages: list[dict] = []
        self.arrived: list[float] = []  # time.monotonic() as each message was taken, in order
        self.calls: list[dict] = []  # placed: sid, to, from, url, status_callback
        self.redirects: list[dict] = []  # sid, url
        self.ended: set[str] = set()  # call SIDs no longer in progress
        self.down = False
        self.refusal: tuple[int, int] | None = None
        self.hold_seconds = 0.0
        self.lock = threading.Lock()
        self.released = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> TwilioDouble:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()

    def bodies(self) -> list[str]:
        with self.lock:
            return [m["body"] for m in self.messages]

    def _handler(self):
        double = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _answer(self, status: int, payload: dict) -> None:
                body = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client is gone (a killed worker): exactly the case under test

            def _call(self, account: str, sid: str, form: dict) -> dict:
                now = format_datetime(datetime.now(UTC))
                return {"sid": sid, "account_sid": account, "to": form.get("To"), "from": form.get("From"), "status": "queued",
                        "direction": "outbound-api", "date_created": now, "date_updated": now, "start_time": None,
                        "end_time": None, "api_version": "2010-04-01", "uri": f"/2010-04-01/Accounts/{account}/Calls/{sid}.json"}

            def _calls(self, path: str, form: dict):
                placing, redirecting = _CALLS.match(path), _CALL.match(path)
                if placing:
                    if not form.get("To") or not form.get("From") or not form.get("Url"):
                        return self._answer(400, {"code": 21205, "message": "Url, To and From are required.", "status": 400})
                    call = self._call(placing.group(1), "CA" + uuid.uuid4().hex, form)
                    with double.lock:
                        double.calls.append({"sid": call["sid"], "to": form["To"], "from": form["From"], "url": form["Url"],
                                             "status_callback": form.get("StatusCallback"), "timeout": form.get("Timeout"),
                                             "machine_detection": form.get("MachineDetection")})
                    return self._answer(201, call)
                account, sid = redirecting.groups()
                if sid in double.ended:
                    return self._answer(400, {"code": 21220, "message": "Call is not in-progress. Cannot redirect.", "status": 400})
                with double.lock:
                    double.redirects.append({"sid": sid, "url": form.get("Url")})
                return self._answer(200, self._call(account, sid, form))

            def do_POST(self):
                path = urlsplit(self.path).path
                form = {k: v[-1] for k, v in parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode()).items()}
                if double.down:
                    return self._answer(503, {"code": 20503, "message": "Service unavailable", "status": 503})
                if _CALLS.match(path) or _CALL.match(path):
                    return self._calls(path, form)
                match = _MESSAGES.match(path)
                if not match:
                    return self._answer(404, {"code": 20404, "message": "not found", "status": 404})
                if double.refusal:
                    status, code = double.refusal
                    return self._answer(status, {"code": code, "message": f"refused ({code})", "status": status})
                if not form.get("To") or not form.get("Body"):
                    return self._answer(400, {"code": 21604, "message": "A 'To' phone number and a 'Body' are required.", "status": 400})
                now = datetime.now(UTC)
                message = {
                    "sid": "SM" + uuid.uuid4().hex, "account_sid": match.group(1), "to": form["To"], "from": form.get("From"),
                    "body": form["Body"], "status": "queued", "direction": "outbound-api", "num_segments": "1",
                    "date_created": format_datetime(now), "date_updated": format_datetime(now), "date_sent": None,
                    "api_version": "2010-04-01", "uri": f"/2010-04-01/Accounts/{match.group(1)}/Messages/x.json",
                    "status_callback": form.get("StatusCallback"),
                }
                with double.lock:
                    double.messages.append(message)
                    double.arrived.append(time.monotonic())
                if double.hold_seconds:
                    double.released.wait(double.hold_seconds)
                self._answer(201, message)

            def do_GET(self):
                parts = urlsplit(self.path)
                if not _MESSAGES.match(parts.path):
                    return self._answer(404, {"code": 20404, "message": "not found", "status": 404})
                query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                with double.lock:
                    found = [m for m in reversed(double.messages)
                             if m["to"] == query.get("To", m["to"]) and m["from"] == query.get("From", m["from"])]
                size = int(query.get("PageSize", 50))
                self._answer(200, {"messages": found[:size], "page": 0, "page_size": size, "first_page_uri": parts.path,
                                   "next_page_uri": None, "previous_page_uri": None, "uri": self.path, "start": 0,
                                   "end": max(0, min(size, len(found)) - 1)})

        return Handler

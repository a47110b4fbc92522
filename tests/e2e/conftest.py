"""The whole hotline for end-to-end tests: a trained model, the action server and the Rasa server
with the SMS channel, on free ports, against a migrated database holding the demo directory."""
from __future__ import annotations

import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from bot.retention import HOTLINE_TRACKER_STORE
from tests.conftest import DEMO_DIRECTORY, PROJECT_ROOT, TEST_ENV
from tests.e2e.tcp_proxy import TcpProxy
from tests.servers import free_port, wait_until_up

CHROMIUM = Path("/usr/bin/chromium")
# Headless and quiet: no sandbox (CI runs as root in a container), no GPU, and nothing that
# reaches out to the network, which is closed here.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"


# One Chromium for the whole run, defined here once: Playwright's sync API runs its own event loop,
# and a second sync_playwright() while the first is open fails ("Sync API inside the asyncio loop").
@pytest.fixture(scope="session")  # session, like `hotline`, and listed first: a skip starts no server
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: `make test` installs Debian's chromium (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (requirements.txt, Tests)")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()

BIN = Path(sys.executable).parent
RASA_DATA = ["data/nlu", "data/rules", "data/stories"]
TRAINING_INPUTS = ["data/nlu", "data/rules", "data/stories", "domain.yml", "config.yml"]


def _newest_training_input() -> float:
    newest = 0.0
    for name in TRAINING_INPUTS:
        path = PROJECT_ROOT / name
        files = [path] if path.is_file() else list(path.rglob("*.yml"))
        newest = max([newest] + [f.stat().st_mtime for f in files])
    return newest


@pytest.fixture(scope="session")
def trained_model(tmp_path_factory) -> Path:
    """`make test` trains models/hub.tar.gz first; on its own, pytest trains a small model once."""
    made = PROJECT_ROOT / "models" / "hub.tar.gz"
    if made.exists() and made.stat().st_mtime >= _newest_training_input():
        return made
    out = tmp_path_factory.mktemp("model")
    subprocess.run(
        [str(BIN / "rasa"), "train", "--data", *RASA_DATA, "--config", "tests/e2e/config_ci.yml",
         "--fixed-model-name", "e2e", "--out", str(out)],
        cwd=PROJECT_ROOT, check=True, stdout=subprocess.DEVNULL,
    )
    return out / "e2e.tar.gz"


def text(hotline, sender: str, body: str, sid: str | None = None, signature: str | None = "sign"):
    """Send one SMS webhook, signed as Twilio signs it unless `signature` says otherwise (None: no
    header; any other string: that header); return (HTTP status, replies or None)."""
    from bot.config import get_settings
    from bot.sms_webhook.signed import parse_twiml_replies, signed_sms_request

    params, signed = signed_sms_request(get_settings(), sender, body, message_sid=sid)
    headers = {} if signature is None else {"X-Twilio-Signature": signed if signature == "sign" else signature}
    reply = requests.post(hotline.webhook_url, data=params, headers=headers, timeout=60)
    return reply.status_code, (parse_twiml_replies(reply.text) if reply.status_code == 200 else None)


def alerted_for(hotline, ref: str, specialists: list[str], wait: float = 10.0) -> str:
    """The number of the specialist alerted for `ref` (only they, or the coordinator, may accept
    it): which one depends on who is already busy, so tests that share a hotline ask."""
    import time

    deadline = time.monotonic() + wait
    while True:
        alerted = [number for number in specialists if any(ref in m["body"] for m in hotline.outbox(number))]
        if alerted or time.monotonic() > deadline:
            assert alerted, f"no alert for {ref} to any of {specialists}"
            return alerted[0]
        time.sleep(0.25)


def call(hotline, url: str, call_sid: str, sender: str, **fields):
    """Post one signed Twilio Voice webhook to `url` (a public URL as the last TwiML named it, or
    the voice webhook to start a call); return (HTTP status, the parsed TwiML <Response> or None)."""
    from urllib.parse import urlsplit
    from xml.etree import ElementTree

    from twilio.request_validator import RequestValidator

    params = {"CallSid": call_sid, "AccountSid": "AC" + "0" * 32, "From": sender, "To": TEST_ENV["HUB_PHONE_NUMBER"],
              "CallStatus": "in-progress", "Direction": "inbound", "ApiVersion": "2010-04-01", **fields}
    headers = {"X-Twilio-Signature": RequestValidator(TEST_ENV["TWILIO_AUTH_TOKEN"]).compute_signature(url, params)}
    parts = urlsplit(url)
    local = hotline.base_url + parts.path + (f"?{parts.query}" if parts.query else "")
    reply = requests.post(local, data=params, headers=headers, timeout=60)
    return reply.status_code, (ElementTree.fromstring(reply.text) if reply.status_code == 200 else None)


class Hotline:
    def __init__(self, base_url: str, database_url: str, tracker_db: Path, logs: list[Path], env: dict,
                 started: dict | None = None):
        self.base_url, self.database_url, self.tracker_db, self.logs, self.env = base_url, database_url, tracker_db, logs, env
        # name -> [process, args, log, health URL], for the fault tests that kill and restart one
        self.started = started or {}
        self.webhook_url = base_url + "/webhooks/twilio_sms/webhook"
        # The voice webhook as Twilio calls it (signatures are computed over the public URL).
        self.voice_url = TEST_ENV["HUB_PUBLIC_URL"] + "/webhooks/twilio_voice/webhook"

    def outbox(self, to: str) -> list[dict]:
        """What the outbox holds for one number, as `hub outbox --to NUMBER --json` shows it."""
        import json

        return json.loads(self.hub("outbox", "--to", to, "--json"))["messages"]

    @contextmanager
    def worker(self):
        """`hub worker` running as `make run` runs it, for tests that watch proactive messages
        arrive; stopped at the end of the block."""
        log = self.logs[0].parent / "worker.log"
        self.logs.append(log)
        process = subprocess.Popen([str(BIN / "hub"), "worker"], cwd=PROJECT_ROOT, env=self.env,
                                   stdout=log.open("w"), stderr=subprocess.STDOUT)
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()

    @contextmanager
    def without(self, name: str):
        """The named server killed (SIGKILL, as a crash) for the block, then started again."""
        entry = self.started[name]
        entry[0].kill()
        entry[0].wait(30)
        try:
            yield
        finally:
            process = subprocess.Popen(entry[1], cwd=PROJECT_ROOT, env=self.env, stdout=entry[2].open("a"), stderr=subprocess.STDOUT)
            entry[0] = process
            wait_until_up(entry[3], process, entry[2])

    def hub(self, *args: str) -> str:
        """Run a hub command against this hotline's database; return what it printed."""
        done = subprocess.run([str(BIN / "hub"), *args], cwd=PROJECT_ROOT, env=self.env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout


@contextmanager
def running_hotline(trained_model: Path, work: Path, actions_behind_proxy: bool = False, **env_overrides: str):
    """The whole hotline on free ports against a fresh database in `work`, with the demo directory
    and roster; `env_overrides` change its settings (e.g. a Twilio account pointing at a stand-in).
    `actions_behind_proxy`: the Rasa server reaches the action server through a proxy that, as a
    load balancer does, keeps its connections open when the action server goes (tcp_proxy.py)."""
    database_url = f"sqlite:///{work / 'hub.db'}"
    # A short escalation deadline, so that the tests can watch escalation happen.
    env = {**os.environ, **TEST_ENV, "HUB_DATABASE_URL": database_url, "PYTHONUNBUFFERED": "1", "HUB_ESCALATE_AFTER": "4s",
           **env_overrides}
    env.pop("PYTEST_CURRENT_TEST", None)
    roster = [
        ["roster", "add-specialist", "--name", "Ana", "--phone", "+12065550111", "--zips", "98104,98122", "--languages", "en,es"],
        ["roster", "add-specialist", "--name", "Ben", "--phone", "+12065550112", "--zips", "98104"],
        ["roster", "set-coordinator", "--phone", "+12065550119", "--name", "Coordinator"],
        ["roster", "add-officer", "--name", "Ofc. Lee", "--phone", "+12065550181", "--agency", "Seattle PD"],
        ["roster", "add-officer", "--name", "Dep. Kim", "--phone", "+12065550182", "--agency", "King County Sheriff"],
    ]
    for command in (["db", "upgrade"], ["directory", "import", str(DEMO_DIRECTORY)], *roster):
        subprocess.run([str(BIN / "hub"), *command], env=env, cwd=PROJECT_ROOT, check=True, stdout=subprocess.DEVNULL)

    action_port, rasa_port = free_port(), free_port()
    proxy = TcpProxy("127.0.0.1", action_port, hold_clients=True) if actions_behind_proxy else None
    tracker_db = work / "tracker.db"
    endpoints = work / "endpoints.yml"
    endpoints.write_text(
        f'action_endpoint:\n  url: "http://127.0.0.1:{proxy.port if proxy else action_port}/webhook"\n'
        f'tracker_store:\n  type: {HOTLINE_TRACKER_STORE}\n  dialect: "sqlite"\n  db: "{tracker_db}"\n'
    )
    logs, started = [], {}

    def start(name, args, health_url):
        log = work / f"{name}.log"
        logs.append(log)
        process = subprocess.Popen(args, cwd=PROJECT_ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
        started[name] = [process, args, log, health_url]
        wait_until_up(health_url, process, log)

    try:
        start("actions", [str(BIN / "rasa"), "run", "actions", "--port", str(action_port), "--actions", "actions"],
              f"http://127.0.0.1:{action_port}/health")
        start("rasa", [str(BIN / "rasa"), "run", "--port", str(rasa_port), "--model", str(trained_model),
                       "--credentials", "credentials.yml", "--endpoints", str(endpoints)],
              f"http://127.0.0.1:{rasa_port}/webhooks/twilio_sms/")
        yield Hotline(f"http://127.0.0.1:{rasa_port}", database_url, tracker_db, logs, env, started)
    finally:
        if proxy:
            proxy.close()
        processes = [entry[0] for entry in started.values()]
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="session")
def hotline(trained_model, tmp_path_factory):
    with running_hotline(trained_model, tmp_path_factory.mktemp("hotline")) as running:
        yield running

"""Load: many simulated conversations through the hotline's signed SMS webhooks, and the same
conversations through an unmodified Rasa server as the baseline, in one run.

    .venv/bin/python bench/load.py --concurrency 1,20 --conversations 200   # the figures of RESULTS.md
    .venv/bin/python bench/load.py --production         # PostgreSQL + Redis, two Rasa servers each
    .venv/bin/python bench/load.py --think 3 --concurrency 20,50 --conversations 200   # texters who pause
    .venv/bin/python bench/load.py --tracker-store SQL  # the hotline with Rasa's own tracker store (an A/B)
    .venv/bin/python bench/load.py --concurrency 1,20 --baseline-python /path/to/py310-venv/bin/python

The script starts its own hotline on free ports (action server, Rasa server(s) with the trained
model models/hub.tar.gz, the hotline's database with the demo directory) and stops it at the end;
nothing else should run on the machine meanwhile.

The baseline is stock Rasa: separate Rasa server(s) with the same model and the same action
server, started with only Rasa's own `rest` channel in their credentials and plain Rasa stores
(`type: SQL` tracker store; in production `type: redis` locks) in their endpoints, so none of the
hotline's code is loaded into them (not its channels, hooks, action client or tracker store).
Every improvement to the hotline's turn then shows in the ratio, which a shared server hid.

Each conversation is 5 turns from its own fictional number, each turn sent when the previous
answer came back: a greeting, a search, MORE, another service for the same place, thanks (English
or Spanish). For each concurrency level (simultaneous conversations) and each channel in turn:
p50/p95/p99 latency of a turn, turns per second, errors (non-200, timeouts), lost replies (an
empty answer) and out-of-order replies (an answer that belongs to another turn). Each channel's
conversations run in two halves, in the order webhook, stock, stock, webhook, so that the slow
drift of a long run (the databases grow) favours neither. Concurrency 1 (one conversation at a
time, at most 100 of them) measures the service time of a turn.

By default each texter answers the moment a reply arrives (a closed loop: the whole machine's
capacity, and latency that grows with the queue). With --think SECONDS, each texter pauses before
each text, for a random time with that mean (exponential, seeded): people read the answer and
type, so concurrency N then means N conversations going on at once, not N turns queued.

Targets (issue 16), each a ratio to stock Rasa in the same run: capacity (turns/s, closed loop,
c=20) >= 1.25x; service time (mean turn, c=1) <= 0.8x; with --think, p95 no higher than stock's;
0 errors, lost or out of order.

With --baseline-python PATH (the python of a second virtual environment with the same packages,
such as one made from the Python 3.10 lock), the hotline and stock Rasa are started a second time
from that interpreter, with this checkout's code (PYTHONPATH) and the same model, and each of the
four runs in every phase (in the order A B C D D C B A). Besides the figures above, each
interpreter's hotline and stock Rasa are compared with the other's: the service time (mean turn,
c=1) and the capacity (c=20) of this Python over the baseline's, target within 10 % (issue 30).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
SECRET, TOKEN, PUBLIC_URL, HOTLINE = "load-secret-key-0123456789abcdef", "load-auth-token-0123456789", "https://hotline.example.org", "+12065550100"
os.environ.update(HUB_ENV_FILE=os.devnull, HUB_SECRET_KEY=SECRET, TWILIO_AUTH_TOKEN=TOKEN, HUB_PUBLIC_URL=PUBLIC_URL,
                  HUB_PHONE_NUMBER=HOTLINE, TWILIO_ACCOUNT_SID="", HUB_TRANSPORT="outbox", SQLALCHEMY_SILENCE_UBER_WARNING="1")

import aiohttp  # noqa: E402

from bot.config import get_settings  # noqa: E402
from bot.percentiles import percentile  # noqa: E402
from bot.privacy import sender_key  # noqa: E402
from bot.retention import HOTLINE_TRACKER_STORE  # noqa: E402
from bot.sms_webhook.signed import WEBHOOK_PATH, parse_twiml_replies, signed_sms_request  # noqa: E402
from tests.servers import free_port, wait_until_up  # noqa: E402

# (message, how the first line of the right answer starts)
CONVERSATIONS = [
    [("hi", "Hi, this is the Health Hub Hotline."), ("where can i get narcan near 98104", "Naloxone (Narcan) near 98104:"),
     ("more", "More naloxone (Narcan) near 98104:"), ("what about wound care", "Wound care near 98104:"),
     ("thanks", "You're welcome.")],
    [("hey", "Hi, this is the Health Hub Hotline."), ("need clean needles in capitol hill", "Syringe services near Capitol Hill:"),
     ("more", "More syringe services near Capitol Hill:"), ("what about fent strips", "Fentanyl test strips near Capitol Hill:"),
     ("thank you", "You're welcome.")],
    [("hola", "Hola, esta es la línea Health Hub."), ("necesito naloxona cerca de 98122", "Naloxona (Narcan) cerca de 98122:"),
     ("más", "Más naloxona (Narcan) cerca de 98122:"), ("y cuidado de heridas?", "Cuidado de heridas cerca de 98122:"),
     ("gracias", "De nada.")],
]
TARGET_CAPACITY, TARGET_SERVICE_TIME = 1.25, 0.8  # x stock: at least, at c=20; at most, at c=1
SEQUENTIAL_CONVERSATIONS = 100


@dataclass
class Phase:
    channel: str
    concurrency: int
    think_s: float = 0.0
    python: str = ""  # which interpreter's servers, with --baseline-python
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    lost: int = 0
    out_of_order: int = 0
    seconds: float = 0.0

    def pick(self, q: float) -> float:
        return percentile(self.latencies_ms, q, default=float("nan"))

    def turns_per_s(self) -> float:
        """Turns answered per second (closed loop: the capacity)."""
        return len(self.latencies_ms) / self.seconds

    def line(self) -> str:
        turns = len(self.latencies_ms) + self.errors
        return (f"{self.channel:11}{f' {self.python}' if self.python else ''} c={self.concurrency:<3} think={self.think_s:g}s turns={turns:<5} p50={self.pick(0.5):6.0f}ms p95={self.pick(0.95):6.0f}ms "
                f"p99={self.pick(0.99):6.0f}ms mean={statistics.mean(self.latencies_ms or [0]):6.0f}ms "
                f"{turns / self.seconds:5.1f} turns/s errors={self.errors} lost={self.lost} out_of_order={self.out_of_order}")

    def as_dict(self) -> dict:
        turns = len(self.latencies_ms) + self.errors
        return {"channel": self.channel, **({"python": self.python} if self.python else {}), "concurrency": self.concurrency, "think_s": self.think_s, "turns": turns,
                "p50_ms": round(self.pick(0.5), 1), "p95_ms": round(self.pick(0.95), 1), "p99_ms": round(self.pick(0.99), 1),
                "turns_per_s": round(turns / self.seconds, 1), "errors": self.errors, "lost": self.lost, "out_of_order": self.out_of_order}


async def sms_turn(http: aiohttp.ClientSession, url: str, number: str, text: str) -> list[str] | None:
    params, signature = signed_sms_request(get_settings(), number, text)
    async with http.post(url + WEBHOOK_PATH, data=params, headers={"X-Twilio-Signature": signature}) as reply:
        return parse_twiml_replies(await reply.text()) if reply.status == 200 else None


async def rest_turn(http: aiohttp.ClientSession, url: str, number: str, text: str) -> list[str] | None:
    # The same sender id the SMS channel would give Rasa, so both channels do the same work.
    payload = {"sender": sender_key(number, SECRET), "message": text}
    async with http.post(url + "/webhooks/rest/webhook", json=payload) as reply:
        return [m.get("text") or "" for m in await reply.json()] if reply.status == 200 else None


async def run_phase(phase: Phase, servers: list[str], conversations: int, first_area: int) -> None:
    turn = sms_turn if phase.channel == "twilio_sms" else rest_turn
    gate = asyncio.Semaphore(phase.concurrency)
    timeout = aiohttp.ClientTimeout(total=60)

    async def converse(i: int, http: aiohttp.ClientSession) -> None:
        # A fresh number per conversation: fictional 555-01xx numbers, 100 per area code.
        number = f"+1{first_area + i // 100:03d}55501{i % 100:02d}"
        url = servers[i % len(servers)]
        pauses = random.Random(i)  # the same pauses for both channels' texter i
        async with gate:
            for text, expected in CONVERSATIONS[i % len(CONVERSATIONS)]:
                if phase.think_s:  # before the first text too, or every conversation would open at once
                    await asyncio.sleep(pauses.expovariate(1 / phase.think_s))
                started = time.perf_counter()
                try:
                    replies = await turn(http, url, number, text)
                except (TimeoutError, aiohttp.ClientError):
                    replies = None
                if replies is None:
                    phase.errors += 1
                    continue
                phase.latencies_ms.append((time.perf_counter() - started) * 1000)
                if not replies or not any(r.strip() for r in replies):
                    phase.lost += 1
                elif not replies[0].startswith(expected):
                    phase.out_of_order += 1

    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as http:
        started = time.perf_counter()
        await asyncio.gather(*(converse(i, http) for i in range(conversations)))
        phase.seconds += time.perf_counter() - started  # summed over the halves


@dataclass
class Servers:
    hotline: list[str]  # the hotline's Rasa servers (signed webhook)
    stock: list[str]  # unmodified Rasa servers (`rest`), the baseline; none when not asked for

    def for_channel(self, channel: str) -> list[str]:
        return self.hotline if channel == "twilio_sms" else self.stock


def start_hotline(work: Path, production: str | None, servers: int, model: Path, processes: list[subprocess.Popen],
                  cleanups: list, env_out: dict | None = None, tracker_store: str = HOTLINE_TRACKER_STORE,
                  stock: bool = True, bin_dir: Path = BIN, extra_env: dict | None = None) -> Servers:
    """The hotline, and with `stock` the stock baseline, on free ports: their URLs. The processes
    it starts go into `processes`, and what must be undone after it (the benchmark's PostgreSQL
    database) into `cleanups`, as they happen, so that a failed start leaves nothing behind
    either. `env_out` gets the environment its processes run with (for a worker started beside
    them). `bin_dir` is the virtual environment whose rasa and python run them, `extra_env` what
    they get besides (PYTHONPATH for another interpreter's)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONWARNINGS": "ignore", **(extra_env or {})}
    action_port = free_port()
    action_url = f"http://127.0.0.1:{action_port}/webhook"
    # The baseline loads no channel of the hotline, so none of its changes to Rasa either.
    stock_credentials = work / "stock_credentials.yml"
    stock_credentials.write_text("rest: {}\n")
    stock_endpoints = work / "stock_endpoints.yml"
    if production:
        postgres, redis = production.split(",")
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        name = f"hub_load_{uuid.uuid4().hex[:8]}"
        admin = create_engine(postgres, future=True, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))

        def drop_database() -> None:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

        cleanups.append(drop_database)
        database = make_url(postgres).set(database=name)
        tracker_url = database.set(drivername="postgresql").render_as_string(hide_password=False)
        parts = urlsplit(redis)
        redis_settings = dict(HUB_REDIS_HOST=parts.hostname, HUB_REDIS_PORT=str(parts.port or 6379),
                              HUB_REDIS_DB=(parts.path or "/0").strip("/") or "0", HUB_REDIS_PASSWORD=parts.password or "")
        env.update(HUB_DATABASE_URL=database.set(drivername="postgresql+psycopg2").render_as_string(hide_password=False),
                   HUB_TRACKER_STORE_URL=tracker_url, HUB_ACTION_ENDPOINT=action_url, **redis_settings)
        endpoints = ROOT / "endpoints.production.yml"
        if tracker_store != HOTLINE_TRACKER_STORE:
            endpoints = work / "endpoints.yml"
            endpoints.write_text((ROOT / "endpoints.production.yml").read_text().replace(f"type: {HOTLINE_TRACKER_STORE}", f"type: {tracker_store}"))
        # The same database (Rasa's `events` table, other senders) and Redis (other keys), Rasa's own stores.
        stock_endpoints.write_text(
            f'action_endpoint:\n  url: "{action_url}"\n'
            f'tracker_store:\n  type: SQL\n  dialect: postgresql\n  url: "{tracker_url}"\n'
            f'lock_store:\n  type: redis\n  url: "{redis_settings["HUB_REDIS_HOST"]}"\n  port: {redis_settings["HUB_REDIS_PORT"]}\n'
            f'  db: {redis_settings["HUB_REDIS_DB"]}\n  password: "{redis_settings["HUB_REDIS_PASSWORD"]}"\n  key_prefix: stock\n')
    else:
        env["HUB_DATABASE_URL"] = f"sqlite:///{work / 'hub.db'}"
        endpoints = work / "endpoints.yml"
        endpoints.write_text(f'action_endpoint:\n  url: "{action_url}"\n'
                             f'tracker_store:\n  type: {tracker_store}\n  dialect: "sqlite"\n  db: "{work / "tracker.db"}"\n')
        stock_endpoints.write_text(f'action_endpoint:\n  url: "{action_url}"\n'
                                   f'tracker_store:\n  type: SQL\n  dialect: "sqlite"\n  db: "{work / "stock_tracker.db"}"\n')
    if env_out is not None:
        env_out.update(env)
    for command in (["db", "upgrade"], ["directory", "import", str(ROOT / "data" / "directory")]):
        subprocess.run([str(bin_dir / "python"), "-m", "bot", *command], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    started, waits = Servers([], []), []

    def start(name, args, health):
        log = work / f"{name}.log"
        process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
        processes.append(process)
        waits.append((health, process, log))

    def rasa(name: str, credentials: Path, endpoints: Path, health: str) -> str:
        port = free_port()
        start(name, [str(bin_dir / "rasa"), "run", "--port", str(port), "--model", str(model), "--credentials", str(credentials),
                     "--endpoints", str(endpoints)], f"http://127.0.0.1:{port}{health}")
        return f"http://127.0.0.1:{port}"

    start("actions", [str(bin_dir / "rasa"), "run", "actions", "--port", str(action_port), "--actions", "actions"],
          f"http://127.0.0.1:{action_port}/health")
    for i in range(servers):
        started.hotline.append(rasa(f"rasa{i}", ROOT / "credentials.yml", endpoints, "/webhooks/twilio_sms/"))
        if stock:
            started.stock.append(rasa(f"stock{i}", stock_credentials, stock_endpoints, "/webhooks/rest/"))
    for url, process, log in waits:
        try:
            wait_until_up(url, process, log, seconds=600)
        except RuntimeError as exc:
            sys.exit(str(exc))
    return started


def add_hotline_options(parser: argparse.ArgumentParser, servers_help: str) -> None:
    """The options every benchmark that starts the hotline takes: --servers, --production, --model, --json."""
    parser.add_argument("--servers", type=int, default=None, help=f"{servers_help} (default 1, or 2 with --production)")
    parser.add_argument("--production", nargs="?", const="postgresql://postgres@127.0.0.1:5432/postgres,redis://127.0.0.1:6379/15",
                        help="PostgreSQL admin URL and Redis URL, comma-separated (default: the local servers)")
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "hub.tar.gz")
    parser.add_argument("--json", type=Path, help="also write the figures here")


def hotline_servers(args: argparse.Namespace) -> int:
    """How many Rasa servers the options ask for, once the model is known to be there."""
    if not args.model.exists():
        sys.exit(f"{args.model} is missing: run `make model` first")
    return args.servers or (2 if args.production else 1)


def stop(processes: list[subprocess.Popen], cleanups: list) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(30)
    for cleanup in cleanups:
        cleanup()


TARGET_PYTHON = 0.10  # this Python's service time and capacity within 10 % of the baseline's


def compare_pythons(phases: list[Phase], level: int, this_python: str, baseline_python: str, think: float) -> bool:
    """Each channel on this interpreter over the same on the baseline's: mean turn and capacity."""
    ok = True
    for channel, name in (("twilio_sms", "hotline"), ("rest", "stock Rasa")):
        here = next(p for p in phases if p.concurrency == level and p.channel == channel and not p.python)
        there = next(p for p in phases if p.concurrency == level and p.channel == channel and p.python == baseline_python)
        service_time = statistics.mean(here.latencies_ms) / statistics.mean(there.latencies_ms)
        capacity = here.turns_per_s() / there.turns_per_s()
        line = (f"c={level}{f' think={think:g}s' if think else ''}: {name} {this_python} / {baseline_python}: mean turn {service_time:.2f}x "
                f"({statistics.mean(here.latencies_ms):.0f} / {statistics.mean(there.latencies_ms):.0f} ms), capacity {capacity:.2f}x "
                f"({here.turns_per_s():.1f} / {there.turns_per_s():.1f} turns/s), p95 {here.pick(0.95) / there.pick(0.95):.2f}x; "
                f"errors {there.errors}, lost {there.lost}, out of order {there.out_of_order} on {baseline_python}")
        if level == 1 and not think:
            line += f"; service time target <= {1 + TARGET_PYTHON:.2f}x"
            ok &= service_time <= 1 + TARGET_PYTHON
        if level == 20 and not think:
            line += f"; capacity target >= {1 - TARGET_PYTHON:.2f}x"
            ok &= capacity >= 1 - TARGET_PYTHON
        print(line)
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=1000, help="per phase (default %(default)s)")
    parser.add_argument("--concurrency", default="1,20,50", help="levels, comma-separated (default %(default)s)")
    parser.add_argument("--think", type=float, default=0.0,
                        help="mean pause in seconds before each of a texter's texts (default %(default)s: none)")
    parser.add_argument("--tracker-store", default=HOTLINE_TRACKER_STORE,
                        help="the hotline's tracker store type, for an A/B (default %(default)s; SQL: Rasa's own)")
    parser.add_argument("--baseline-python", type=Path,
                        help="the python of a second virtual environment (e.g. Python 3.10's): its hotline and stock Rasa "
                             "run in the same phases, compared with this interpreter's")
    add_hotline_options(parser, "Rasa servers of the hotline, and as many of the baseline")
    args = parser.parse_args()
    this_python = f"py{sys.version_info[0]}.{sys.version_info[1]}"
    baseline_python = None
    if args.baseline_python:
        found = subprocess.run([str(args.baseline_python), "-c", "import sys, rasa; print('py%d.%d' % sys.version_info[:2])"],
                               capture_output=True, text=True)
        if found.returncode != 0:
            sys.exit(f"{args.baseline_python} cannot import rasa: {found.stderr.strip()[-500:]}")
        baseline_python = found.stdout.strip()
        if baseline_python == this_python:
            baseline_python += "-baseline"
    servers = hotline_servers(args)
    levels = [int(level) for level in args.concurrency.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        processes, cleanups = [], []
        try:
            (Path(tmp) / this_python).mkdir()
            urls = {"": start_hotline(Path(tmp) / this_python, args.production, servers, args.model, processes, cleanups,
                                      tracker_store=args.tracker_store)}
            if baseline_python:
                (Path(tmp) / baseline_python).mkdir()
                urls[baseline_python] = start_hotline(Path(tmp) / baseline_python, args.production, servers, args.model,
                                                      processes, cleanups, tracker_store=args.tracker_store,
                                                      bin_dir=args.baseline_python.parent, extra_env={"PYTHONPATH": str(ROOT)})
            print(f"hotline and stock Rasa up: {servers} Rasa server(s) each, {'PostgreSQL + Redis' if args.production else 'SQLite'}, "
                  f"the hotline's tracker store {args.tracker_store}"
                  f"{f'; and both again on {baseline_python} ({args.baseline_python})' if baseline_python else ''}; warming up", flush=True)
            areas = iter(range(200, 1000, (args.conversations + 99) // 100))  # area codes never reused in a run
            for started in urls.values():
                for channel in ("twilio_sms", "rest"):
                    asyncio.run(run_phase(Phase(channel, 10), started.for_channel(channel), min(20, args.conversations), next(areas)))
            phases = []
            for level in levels:
                # Each channel's conversations in two halves, in the order A B B A (A B C D D C B A
                # with a baseline Python): the databases grow during a run and later turns are
                # slower, and this way that drift weighs the same on every channel.
                count = min(args.conversations, SEQUENTIAL_CONVERSATIONS) if level == 1 else args.conversations
                runs = [Phase(channel, level, args.think, python) for python in urls for channel in ("twilio_sms", "rest")]
                for phase, half in [(phase, count // 2) for phase in runs] + [(phase, count - count // 2) for phase in reversed(runs)]:
                    asyncio.run(run_phase(phase, urls[phase.python].for_channel(phase.channel), half, next(areas)))
                for phase in runs:
                    print(phase.line(), flush=True)
                    phases.append(phase)
        finally:
            stop(processes, cleanups)
    ok = True
    for level in dict.fromkeys(levels):
        sms = next(p for p in phases if p.concurrency == level and p.channel == "twilio_sms" and not p.python)
        rest = next(p for p in phases if p.concurrency == level and p.channel == "rest" and not p.python)
        capacity = sms.turns_per_s() / rest.turns_per_s()
        service_time = statistics.mean(sms.latencies_ms) / statistics.mean(rest.latencies_ms)
        p95 = sms.pick(0.95) / rest.pick(0.95)
        line = (f"c={level}{f' think={args.think:g}s' if args.think else ''}: webhook / stock Rasa: capacity {capacity:.2f}x "
                f"({sms.turns_per_s():.1f} / {rest.turns_per_s():.1f} turns/s), mean turn {service_time:.2f}x "
                f"({statistics.mean(sms.latencies_ms):.0f} / {statistics.mean(rest.latencies_ms):.0f} ms), p95 {p95:.2f}x; "
                f"lost {sms.lost}, out of order {sms.out_of_order}, errors {sms.errors}")
        ok &= sms.lost == 0 and sms.out_of_order == 0 and sms.errors == 0
        if level == 1 and not args.think:
            line += f"; service time target <= {TARGET_SERVICE_TIME}x"
            ok &= service_time <= TARGET_SERVICE_TIME
        if level == 20 and not args.think:
            line += f"; capacity target >= {TARGET_CAPACITY}x"
            ok &= capacity >= TARGET_CAPACITY
        if args.think:
            line += "; p95 target <= 1.00x"
            ok &= p95 <= 1.0
        print(line)
        if baseline_python:
            ok &= compare_pythons(phases, level, this_python, baseline_python, args.think)
    if args.json:
        args.json.write_text(json.dumps({"servers": servers, "production": bool(args.production),
                                         "phases": [p.as_dict() for p in phases]}, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

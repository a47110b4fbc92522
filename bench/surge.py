"""Surge: what texters see when far more people text at once than the line can answer.

    .venv/bin/python bench/surge.py                        # embedded (SQLite), 2x capacity for 60 s
    .venv/bin/python bench/surge.py --production           # PostgreSQL + Redis, two Rasa servers
    .venv/bin/python bench/surge.py --times-capacity 3 --seconds 30

The script starts its own hotline on free ports (action server, Rasa server(s) with the trained
model models/hub.tar.gz, the outbox worker, the hotline's database with the demo directory) and
stops it at the end; nothing else should run on the machine meanwhile.

1. Capacity, measured in the same run: a closed loop of 20 texters, each sending the next text the
   moment the answer comes back, every text a search from a new number: turns per second.
2. The surge: open-loop Poisson arrivals at `--times-capacity` times that rate for `--seconds`;
   every texter a new number; one text in ten an overdose in progress, the rest searches.
3. Then the script waits (up to 3 minutes) for the answers that follow holding replies through
   the outbox, and reports:
   - webhook latency p50/p95/p99/max; answers later than the deadline + 1 s, and later than 15 s
     (Twilio has given up: the texter gets nothing);
   - answers delivered late by the outbox: how many, and their delay (from the text) p95 and max;
   - the 911 text's latency p99, for the overdose texts;
   - lost (a texter with no real answer at the end), sent twice (a texter answered by the webhook
     and again by the outbox, or the same late message twice), errors (not HTTP 200).

Targets (issue 16): 0 webhooks later than the deadline + 1 s; every texter's real answer within
2 minutes; 0 lost, 0 sent twice; the 911 text's p99 <= 1 s.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent

import aiohttp  # noqa: E402

from bench.load import add_hotline_options, hotline_servers, start_hotline, stop  # noqa: E402  (sets the benchmark's settings first)
from bot.config import get_settings  # noqa: E402
from bot.percentiles import percentile  # noqa: E402
from bot.safety import is_emergency_reply  # noqa: E402
from bot.sms_webhook.signed import ANSWER_FOLLOWS_HEADER, WEBHOOK_PATH, parse_twiml_replies, signed_sms_request  # noqa: E402

SEARCHES = [
    ("where can i get narcan near 98104", "Naloxone (Narcan) near 98104:"),
    ("need clean needles in capitol hill", "Syringe services near Capitol Hill:"),
    ("fent strips near 98122", "Fentanyl test strips near 98122:"),
    ("necesito naloxona cerca de 98122", "Naloxona (Narcan) cerca de 98122:"),
    ("wound care 98104", "Wound care near 98104:"),
]
OVERDOSES = ["my friend is not breathing", "he's turning blue help", "mi amigo no respira", "she won't wake up"]
OVERDOSE_SHARE = 0.10
CAPACITY_TEXTERS, CAPACITY_TURNS = 20, 300
TWILIO_GIVES_UP_S = 15.0
TARGET_REAL_ANSWER_S, TARGET_911_P99_S = 120.0, 1.0
LATE_WAIT_S = 180.0


@dataclass
class Text:
    number: str
    body: str
    expected: str | None  # how the right answer starts; None for an overdose (the 911 steps)
    sent_at: datetime = field(default_factory=datetime.utcnow)
    latency_s: float | None = None  # None: no HTTP 200
    replies: list[str] = field(default_factory=list)
    holding: bool = False
    late: list[tuple[datetime, str]] = field(default_factory=list)  # (delivered or queued at, body)

    @property
    def overdose(self) -> bool:
        return self.expected is None

    def answered_directly(self) -> bool:
        if self.latency_s is None or self.holding or not self.replies:
            return False
        return is_emergency_reply(self.replies[0]) if self.overdose else self.replies[0].startswith(self.expected)

    def late_answer_delay_s(self) -> float | None:
        right = [at for at, body in self.late if self.expected and body.startswith(self.expected)]
        return (right[0] - self.sent_at).total_seconds() if right else None


def quantile(values: list[float], q: float) -> float:
    """bot/percentiles.py's percentile; NaN where there are none, so that the figures stay numbers."""
    return percentile(values, q, default=float("nan"))


async def send(http: aiohttp.ClientSession, url: str, text: Text) -> None:
    params, signature = signed_sms_request(get_settings(), text.number, text.body)
    text.sent_at = datetime.utcnow()
    started = time.perf_counter()
    try:
        async with http.post(url + WEBHOOK_PATH, data=params, headers={"X-Twilio-Signature": signature}) as reply:
            body = await reply.text()
            if reply.status == 200:
                text.latency_s = time.perf_counter() - started
                text.replies = parse_twiml_replies(body)
                text.holding = reply.headers.get(ANSWER_FOLLOWS_HEADER) == "outbox"
    except (TimeoutError, aiohttp.ClientError):
        pass


def numbers(first_area: int):
    """Fresh fictional 555-01xx numbers, 100 per area code."""
    for i in range(10**6):
        yield f"+1{first_area + i // 100:03d}55501{i % 100:02d}"


def a_search(number: str, pick: random.Random) -> Text:
    body, expected = pick.choice(SEARCHES)
    return Text(number, body, expected)


async def measure_capacity(urls: list[str], fresh) -> tuple[float, list[Text]]:
    pick, texts = random.Random(1), []
    remaining = CAPACITY_TURNS

    async def texter(i: int, http: aiohttp.ClientSession) -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            text = a_search(next(fresh), pick)
            texts.append(text)
            await send(http, urls[i % len(urls)], text)

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60), connector=aiohttp.TCPConnector(limit=0)) as http:
        started = time.perf_counter()
        await asyncio.gather(*(texter(i, http) for i in range(CAPACITY_TEXTERS)))
        seconds = time.perf_counter() - started
    return len(texts) / seconds, texts


async def surge(urls: list[str], rate: float, seconds: float, fresh) -> list[Text]:
    pick, arrivals, texts, tasks = random.Random(2), random.Random(3), [], []
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=90), connector=aiohttp.TCPConnector(limit=0)) as http:
        start = time.perf_counter()
        at = arrivals.expovariate(rate)
        i = 0
        while at < seconds:
            await asyncio.sleep(max(0.0, start + at - time.perf_counter()))
            number = next(fresh)
            text = Text(number, pick.choice(OVERDOSES), None) if pick.random() < OVERDOSE_SHARE else a_search(number, pick)
            texts.append(text)
            tasks.append(asyncio.ensure_future(send(http, urls[i % len(urls)], text)))
            i += 1
            at += arrivals.expovariate(rate)
        await asyncio.gather(*tasks)
    return texts


def collect_late(database_url: str, texts: list[Text], wait: float) -> None:
    """The late answers in the outbox, by number, until every text held has one (or `wait` passes)."""
    from sqlalchemy import create_engine, select

    from bot.db.models import OutboxMessage
    from bot.notify.outbox import LATE_ANSWERS

    engine = create_engine(database_url, future=True)
    by_number = {text.number: text for text in texts}
    waiting = {text.number for text in texts if text.holding}
    deadline = time.monotonic() + wait
    while True:
        with engine.connect() as connection:
            rows = connection.execute(select(OutboxMessage.to_number, OutboxMessage.body, OutboxMessage.created_at,
                                             OutboxMessage.sent_at).where(OutboxMessage.purpose.in_(LATE_ANSWERS))).all()
        found: dict[str, list] = {}
        for number, body, created_at, sent_at in rows:
            if number in by_number:
                found.setdefault(number, []).append((sent_at or created_at, body))
        if waiting <= found.keys() or time.monotonic() > deadline:
            break
        time.sleep(1)
    engine.dispose()
    for number, late in found.items():
        by_number[number].late = sorted(late)


def report(texts: list[Text], deadline: float) -> dict:
    latencies = [t.latency_s for t in texts if t.latency_s is not None]
    held = [t for t in texts if t.holding]
    late_delays = [d for d in (t.late_answer_delay_s() for t in texts if not t.overdose) if d is not None]
    lost = [t for t in texts if not t.answered_directly() and t.late_answer_delay_s() is None]
    twice = [t for t in texts if (t.answered_directly() and not t.overdose and t.late)
             or len({body for _, body in t.late}) < len(t.late)]
    slow_real = [t for t in texts if not t.overdose and not t.answered_directly()
                 and (t.late_answer_delay_s() or float("inf")) > TARGET_REAL_ANSWER_S]
    emergency = [t.latency_s for t in texts if t.overdose and t.latency_s is not None and t.replies and is_emergency_reply(t.replies[0])]
    overdoses = [t for t in texts if t.overdose]
    return {
        "texts": len(texts), "overdose_texts": len(overdoses),
        "webhook_p50_s": round(quantile(latencies, 0.50), 3), "webhook_p95_s": round(quantile(latencies, 0.95), 3),
        "webhook_p99_s": round(quantile(latencies, 0.99), 3), "webhook_max_s": round(max(latencies, default=float("nan")), 3),
        "past_deadline_plus_1s": sum(latency > deadline + 1 for latency in latencies),
        "past_15s": sum(latency > TWILIO_GIVES_UP_S for latency in latencies),
        "holding_replies": len(held), "late_answers": len(late_delays),
        "late_delay_p95_s": round(quantile(late_delays, 0.95), 1), "late_delay_max_s": round(max(late_delays, default=0.0), 1),
        "real_answer_past_2_min": len(slow_real),
        "emergency_p99_s": round(quantile(emergency, 0.99), 3), "overdoses_without_911_first": len(overdoses) - len(emergency),
        "lost": len(lost), "sent_twice": len(twice), "errors": sum(t.latency_s is None for t in texts),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--times-capacity", type=float, default=2.0, help="arrival rate as a multiple of capacity (default %(default)s)")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the surge lasts (default %(default)s)")
    add_hotline_options(parser, "Rasa servers")
    args = parser.parse_args()
    servers = hotline_servers(args)
    deadline = get_settings().answer_deadline_seconds
    fresh = numbers(200)
    with tempfile.TemporaryDirectory() as tmp:
        processes, cleanups = [], []
        try:
            env: dict = {}
            urls = start_hotline(Path(tmp), args.production, servers, args.model, processes, cleanups, env_out=env,
                                 stock=False).hotline
            worker_log = Path(tmp) / "worker.log"
            processes.append(subprocess.Popen([str(BIN / "hub"), "worker"], cwd=ROOT, env=env,
                                              stdout=worker_log.open("w"), stderr=subprocess.STDOUT))
            print(f"hotline up: {servers} Rasa server(s), {'PostgreSQL + Redis' if args.production else 'SQLite'}, "
                  f"answer deadline {deadline:g} s; warming up", flush=True)
            asyncio.run(measure_capacity(urls, fresh))  # warm-up: the models' first turns
            capacity, _ = asyncio.run(measure_capacity(urls, fresh))
            rate = capacity * args.times_capacity
            print(f"capacity: {capacity:.1f} turns/s (closed loop, {CAPACITY_TEXTERS} texters, {CAPACITY_TURNS} searches); "
                  f"surge: {rate:.1f} texts/s for {args.seconds:g} s", flush=True)
            texts = asyncio.run(surge(urls, rate, args.seconds, fresh))
            print(f"surge sent {len(texts)} texts; waiting for the late answers", flush=True)
            collect_late(env["HUB_DATABASE_URL"], texts, LATE_WAIT_S)
        finally:
            stop(processes, cleanups)
    figures = {"date": datetime.utcnow().date().isoformat(), "servers": servers, "production": bool(args.production),
               "deadline_s": deadline, "capacity_turns_per_s": round(capacity, 1), "times_capacity": args.times_capacity,
               "rate_per_s": round(rate, 1), "seconds": args.seconds, **report(texts, deadline)}
    for name, value in figures.items():
        print(f"{name:28} {value}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    met = (figures["past_deadline_plus_1s"] == 0 and figures["real_answer_past_2_min"] == 0 and figures["lost"] == 0
           and figures["sent_twice"] == 0 and figures["emergency_p99_s"] <= TARGET_911_P99_S
           and figures["overdoses_without_911_first"] == 0 and figures["errors"] == 0)
    print("targets met" if met else "targets NOT met")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())

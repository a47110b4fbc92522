"""Latency of one SMS turn through the real path, sequentially, against a running hotline.

    make run                                   # in one terminal
    .venv/bin/python bench/sms_latency.py -n 200  # in another

Each request is a correctly signed webhook from one of 20 fictional senders, alternating a
directory search and a follow-up, so the action server and the database are exercised.
Prints p50/p95/p99/max in milliseconds and the number of non-200 or empty answers.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.config import get_settings  # noqa: E402
from bot.sms_webhook.signed import WEBHOOK_PATH, parse_twiml_replies, signed_sms_request  # noqa: E402

TURNS = ["where can I get narcan near 98104", "what about needles", "i need fent strips near 98122", "hi"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=200, help="number of turns (default %(default)s)")
    parser.add_argument("--url", default="http://localhost:5005")
    args = parser.parse_args()
    settings = get_settings()
    timings, bad = [], 0
    with requests.Session() as http:
        for i in range(args.n):
            sender = f"+1206555{100 + i % 20:04d}"
            params, signature = signed_sms_request(settings, sender, TURNS[i % len(TURNS)])
            start = time.perf_counter()
            reply = http.post(args.url + WEBHOOK_PATH, data=params, headers={"X-Twilio-Signature": signature}, timeout=60)
            timings.append((time.perf_counter() - start) * 1000)
            if reply.status_code != 200 or not parse_twiml_replies(reply.text):
                bad += 1
    timings.sort()
    pick = lambda q: timings[min(len(timings) - 1, int(q * len(timings)))]  # noqa: E731
    print(f"turns={args.n} p50={pick(0.50):.0f}ms p95={pick(0.95):.0f}ms p99={pick(0.99):.0f}ms "
          f"max={timings[-1]:.0f}ms mean={statistics.mean(timings):.0f}ms bad={bad}")
    return 0 if bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

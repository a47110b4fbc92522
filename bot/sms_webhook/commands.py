"""`hub sms` (one SMS webhook, signed as Twilio signs it, to the running hotline; the answer that
follows a holding reply watched for in the outbox) and `hub simulator` (where the simulator page is,
or why it is off). bot/cli.py only calls `add_commands`.

Neither imports Rasa: `hub sms` loads only what signing and posting a form needs, and the
database for the outbox (tests/bot/sms_webhook/test_commands.py holds it)."""
from __future__ import annotations

import argparse
import json

from bot.cli_support import fail
from bot.config import get_settings


def cmd_sms(args: argparse.Namespace) -> int:
    import requests

    from bot.privacy import InvalidPhoneNumber, to_e164
    from bot.sms_webhook.signed import ANSWER_FOLLOWS_HEADER, WEBHOOK_PATH, parse_twiml_replies, signed_sms_request

    settings = get_settings()
    try:
        sender = to_e164(args.sender, settings.default_region)
    except InvalidPhoneNumber as exc:
        return fail(f"--from: {exc}", 2)
    params, signature = signed_sms_request(settings, sender, args.text, args.message_sid)
    url = args.url.rstrip("/") + WEBHOOK_PATH
    after_id = _last_outbox_id(sender)  # before sending: a late answer may be queued before the reply is read
    try:
        reply = requests.post(url, data=params, headers={"X-Twilio-Signature": signature}, timeout=60)
    except requests.ConnectionError:
        return fail(f"cannot reach the hotline at {args.url}; is it running (make run)?")
    if reply.status_code != 200:
        return fail(f"the hotline answered HTTP {reply.status_code}: {reply.text.strip()[:200]}")
    replies = parse_twiml_replies(reply.text)
    late: list[str] = []
    if reply.headers.get(ANSWER_FOLLOWS_HEADER) == "outbox" and after_id is not None:
        if not args.json:
            print("\n\n".join(replies))
            print(f"(the answer follows by text; waiting up to {args.wait:g} s for it in the outbox)")
        late = _late_answers(sender, after_id, args.wait, echo=not args.json)
    if args.json:
        print(json.dumps({"replies": replies, "late": late}, ensure_ascii=False))
    elif not late:
        print("\n\n".join(replies) if replies else "(no reply)")
    return 0


def _last_outbox_id(number: str) -> int | None:
    """Where the outbox stands for `number`; None when this machine can't read the hotline's
    database (`hub sms --url` at a hotline elsewhere): late answers are then not watched."""
    from sqlalchemy import func, select
    from sqlalchemy.exc import SQLAlchemyError

    from bot.db import session_scope
    from bot.db.models import OutboxMessage

    try:
        with session_scope() as session:
            return session.scalar(select(func.max(OutboxMessage.id)).where(OutboxMessage.to_number == number)) or 0
    except SQLAlchemyError:
        return None


def _late_answers(number: str, after_id: int, wait: float, echo: bool) -> list[str]:
    """The late answer to `number` queued after `after_id`, waiting up to `wait` seconds for it (a
    turn's replies are queued together, in one transaction)."""
    import time

    from sqlalchemy import select

    from bot.db import session_scope
    from bot.db.models import OutboxMessage
    from bot.notify.outbox import LATE_ANSWERS

    found: list[str] = []
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        with session_scope() as session:
            rows = list(session.scalars(select(OutboxMessage).where(
                OutboxMessage.to_number == number, OutboxMessage.id > after_id, OutboxMessage.purpose.in_(LATE_ANSWERS),
            ).order_by(OutboxMessage.id)))
        for row in rows:
            found.append(row.body)
            after_id = row.id
            if echo:
                print(f"\n{row.body}")
        if found:
            return found
        time.sleep(0.25)
    if echo:
        print("(no answer arrived in time; `hub outbox --to NUMBER` shows it when it does)")
    return found


def cmd_simulator(args: argparse.Namespace) -> int:
    """Where the simulator page is, or why it is off; `make run` prints this."""
    from bot.sms_webhook.signed import SIMULATOR_PAGE_PATH

    settings = get_settings()
    if not settings.simulator_enabled:
        reason = "HUB_SIMULATOR=off" if settings.simulator == "off" else "a Twilio account is configured; HUB_SIMULATOR=on serves it anyway"
        print(f"Simulator: off ({reason})")
        return 0
    print(f"Simulator: {args.url.rstrip('/')}{SIMULATOR_PAGE_PATH}  (three phones texting the hotline, no Twilio account needed)")
    if settings.transport == "twilio":
        print("  The Twilio transport is on: alerts and relayed messages from the simulator really go out by SMS.")
    return 0


def add_commands(commands: argparse._SubParsersAction) -> None:
    """Add `hub sms` and `hub simulator` to `hub`'s subparsers."""
    sms = commands.add_parser("sms", help="send a signed, Twilio-shaped SMS webhook to the running hotline")
    sms.add_argument("--from", dest="sender", required=True, help="sender phone number (E.164)")
    sms.add_argument("--url", default="http://localhost:5005", help="the Rasa server (default: %(default)s)")
    sms.add_argument("--message-sid", help="reuse a MessageSid, e.g. to see a duplicate ignored")
    sms.add_argument("--json", action="store_true")
    sms.add_argument("--wait", type=float, default=120,
                     help="seconds to watch the outbox for an answer that follows a holding reply (default: %(default)s)")
    sms.add_argument("text")
    sms.set_defaults(func=cmd_sms)

    simulator = commands.add_parser("simulator", help="where the simulator page is served, or why it is off")
    simulator.add_argument("--url", default="http://localhost:5005", help="the Rasa server (default: %(default)s)")
    simulator.set_defaults(func=cmd_simulator)

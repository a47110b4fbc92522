"""`hub alerts send|list|reports`: the coordinator's side of drug-supply alerts. bot/cli.py only
calls `add_commands`."""
from __future__ import annotations

import json
import math

from bot.cli_support import fail, shell_actor
from bot.config import get_settings


def _confirmed(prompt: str) -> bool:
    try:
        return input(prompt).strip().lower() in ("y", "yes")
    except EOFError:  # nobody to answer (a script without --yes): not sent
        return False


def cmd_alerts_send(args) -> int:
    from bot.alerts.sending import AlertError, draft, earlier_same, parse_radius, resolve_area, send
    from bot.db import session_scope

    settings = get_settings()
    try:
        radius = parse_radius(args.radius_miles)
        with session_scope() as session:
            alert = draft(session, resolve_area(session, args.near), radius, args.text, args.text_es)
            earlier = earlier_same(session, alert)
    except AlertError as exc:
        return fail(str(exc), 2)
    where = f"within {alert.radius_miles:g} miles of {alert.place.label}"
    if earlier is not None and not args.again:
        return fail(f"the same alert went to {earlier.area} at {earlier.created_at:%H:%M} UTC (#{earlier.id}, "
                     f"{earlier.recipients} subscribers); nothing was sent. Add --again to send it again.")
    if not alert.recipients:
        print(f"no subscriber is {where}: nothing was sent")
        return 0
    languages = ", ".join(f"{language} {count}" for language, count in sorted(alert.by_language.items()))
    print(f"this alert reaches {len(alert.recipients)} subscriber(s) {where} ({languages})")
    if alert.spanish_in_english:
        print(f"  {alert.spanish_in_english} of them read Spanish and get the English text: add --text-es for them")
    for language in sorted(alert.by_language):
        print(f"  {language}: {alert.body_for(language)}")
    if not args.yes and not _confirmed("Send it? [y/N] "):
        print("nothing was sent")
        return 1
    with session_scope() as session:
        # Counted again as it is queued: someone may have texted ALERTS OFF or STOP meanwhile.
        alert = draft(session, alert.place, alert.radius_miles, alert.text_en, alert.text_es)
        sent = send(session, alert, settings.hotline_number)
        sent_id, count = sent.id, sent.recipients
    minutes = math.ceil(count / settings.send_rate / 60)
    print(f"alert #{sent_id} queued for {count} subscriber(s) {where}. The worker sends it at HUB_SEND_RATE "
          f"({settings.send_rate:g} a second, after any more urgent message): about {minutes} min. "
          f"`hub alerts list` shows how far it got.")
    return 0


def cmd_alerts_list(args) -> int:
    from bot.alerts.sending import sent_alerts
    from bot.db import session_scope

    with session_scope() as session:
        alerts = sent_alerts(session, limit=args.limit)
    if args.json:
        print(json.dumps({"alerts": alerts}, ensure_ascii=False, indent=2))
    elif not alerts:
        print("no alert has been sent yet")
    else:
        for alert in alerts:
            outbox = ", ".join(f"{count} {state}" for state, count in alert["outbox"].items())
            receipts = ", ".join(f"{count} {state}" for state, count in sorted(alert["receipts"].items()))
            print(f"#{alert['id']} {alert['sent_at']} {alert['area']} within {alert['radius_miles']:g} mi: "
                  f"to {alert['recipients']}; {outbox}" + (f"; receipts: {receipts}" if receipts else ""))
            print(f"    {alert['text']}")
            if alert["text_es"]:
                print(f"    es: {alert['text_es']}")
    return 0


def cmd_alerts_reports(args) -> int:
    from bot.alerts.reports import recent
    from bot.db import session_scope

    with session_scope() as session:
        rows = recent(session, limit=args.limit)
    if args.json:
        print(json.dumps({"reports": rows}, ensure_ascii=False, indent=2))
    elif not rows:
        print("no report of a bad batch")
    else:
        for row in rows:
            words = row["words"] if row["words"] is not None else "(words purged after the retention period)"
            print(f"#{row['id']} {row['received_at']} {row['area'] or 'area not named'} [{row['language']}]")
            print(f"    {words}")
    return 0


def cmd_alerts_spikes(args) -> int:
    from bot.alerts.spikes import listed
    from bot.db import session_scope

    with session_scope() as session:
        spikes = listed(session, limit=args.limit)
    if args.json:
        print(json.dumps({"spikes": spikes}, ensure_ascii=False, indent=2))
    elif not spikes:
        print("no spike found in the line's signals")
    else:
        for spike in spikes:
            kinds = ", ".join(f"{count} {kind.replace('_', '-')}" for kind, count in spike["kinds"].items())
            print(f"#{spike['id']} {spike['detected_at']} near {spike['area']}: {spike['count']} in 24 h ({kinds}), "
                  f"usual {spike['baseline']:.1f}; {spike['status']}" + (f": {spike['reason']}" if spike["reason"] else "")
                  + (f"; draft alert {spike['alert']}" if spike["alert"] and spike["status"] == "open" else ""))
        print("dismiss one with: hub alerts spikes dismiss ID --reason \"...\"")
    return 0


def cmd_alerts_spikes_dismiss(args) -> int:
    from bot.alerts.spikes import SpikeError, dismiss
    from bot.console import audit
    from bot.db import session_scope

    try:
        with session_scope() as session:
            spike = dismiss(session, args.id, args.reason)
            audit.record(session, shell_actor(), "spike_dismissed",
                         f"spike #{spike.id} near {spike.area} dismissed: {spike.reason}")
    except SpikeError as exc:
        return fail(str(exc))
    print(f"spike #{args.id} dismissed")
    return 0


def add_commands(commands) -> None:
    alerts = commands.add_parser("alerts", help="drug-supply alerts by area, and reports of a bad batch") \
        .add_subparsers(dest="alerts_command", required=True)
    send = alerts.add_parser("send", help="send an alert to the subscribers near a place (asks first)")
    send.add_argument("--near", required=True, help="a US ZIP code, or a city or neighbourhood the directory knows")
    send.add_argument("--radius-miles", required=True, help="how far from it subscribers get the alert (0.1 to 100)")
    send.add_argument("--text", required=True, help="the alert in English; it must fit one SMS")
    send.add_argument("--text-es", help="the alert in Spanish, for Spanish-speaking subscribers; it must fit one SMS")
    send.add_argument("--yes", action="store_true", help="send without asking")
    send.add_argument("--again", action="store_true", help="send even though the same alert went to the area lately")
    send.set_defaults(func=cmd_alerts_send)
    listing = alerts.add_parser("list", help="alerts sent: to how many, and how far delivery got")
    listing.add_argument("--limit", type=int, default=50)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=cmd_alerts_list)
    reports = alerts.add_parser("reports", help="anonymous reports of a bad batch: the words and the area, no number")
    reports.add_argument("--limit", type=int, default=100)
    reports.add_argument("--json", action="store_true")
    reports.set_defaults(func=cmd_alerts_reports)
    spikes = alerts.add_parser("spikes", help="possible overdose spikes the line found in its own signals, and what was done")
    spikes.add_argument("--limit", type=int, default=100)
    spikes.add_argument("--json", action="store_true")
    spikes.set_defaults(func=cmd_alerts_spikes)
    dismiss = spikes.add_subparsers(dest="spikes_command").add_parser("dismiss", help="dismiss a spike, saying why")
    dismiss.add_argument("id", type=int)
    dismiss.add_argument("--reason", required=True)
    dismiss.set_defaults(func=cmd_alerts_spikes_dismiss)

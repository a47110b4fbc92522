"""`hub roster` (specialists, officers and the coordinator), `hub handoffs` (their state, no
numbers, no messages) and `hub report` (the handoff figures). bot/cli.py only calls `add_commands`."""
from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from bot.cli_support import fail
from bot.config import get_settings

if TYPE_CHECKING:
    from bot.handoff.roster import RosterError


def _roster_failure(exc: RosterError) -> int:
    """A RosterError as `hub roster` says it: bad input names its option (exit 2); a refusal by
    the roster itself (already on it, not on it) exits 1."""
    if exc.field is None:
        return fail(str(exc), 1)
    return fail(f"--{exc.field}: {exc}", 2)


def cmd_roster_add_specialist(args: argparse.Namespace) -> int:
    from bot.db import session_scope
    from bot.handoff.roster import RosterError, add_specialist

    try:
        with session_scope() as session:
            specialist = add_specialist(session, args.name, args.phone, args.zips, args.languages, args.hours,
                                        get_settings().default_region)
            phone, zips, languages = specialist.phone, specialist.zips, specialist.languages
    except RosterError as exc:
        return _roster_failure(exc)
    print(f"added {args.name} ({phone}): ZIPs {zips.replace(',', ', ')}; languages {languages.replace(',', ', ')}; "
          f"{args.hours or 'always on call'}")
    return 0


def cmd_roster_add_officer(args: argparse.Namespace) -> int:
    from bot.db import session_scope
    from bot.handoff.roster import RosterError, add_officer

    settings = get_settings()
    pin = _read_pin() if args.pin == ASK else args.pin
    try:
        with session_scope() as session:
            registered = add_officer(session, args.name, args.phone, args.agency, pin, settings.require_secret_key(),
                                     settings.default_region, kind=args.kind)
            name, phone, kind = registered.officer.name, registered.officer.phone, registered.officer.kind
    except RosterError as exc:
        return _roster_failure(exc)
    if registered.pin_only:
        print(f"new PIN set for {name} ({phone})")
        return 0
    print(f"registered {args.name} ({phone}) of {args.agency} ({kind}): texts from this number go down the officer referral flow")
    print("  on the voice line: officer " + ("after keying the PIN, or " if pin else "") + "when the carrier vouches for the "
          "number (STIR/SHAKEN attestation A); otherwise treated as a community member")
    return 0


ASK = object()  # --pin given without digits: ask for them, unseen


def _read_pin() -> str:
    import getpass

    pin = getpass.getpass("PIN (4-8 digits): ")
    if getpass.getpass("the same PIN again: ") != pin:
        raise SystemExit(fail("the two PINs differ; nothing was changed", 2))
    return pin


def cmd_roster_list(args: argparse.Namespace) -> int:
    from bot.db import session_scope
    from bot.handoff.roster import roster_listing

    with session_scope() as session:
        rows = roster_listing(session)
    if args.json:
        print(json.dumps({"roster": rows}, indent=2))
    elif not rows:
        print("the roster is empty; add someone with: hub roster add-specialist --name NAME --phone E164 --zips 98104")
    else:
        for row in rows:
            if row["role"] == "officer":
                print(f"{'officer':<11} {row['name']:<24} {row['phone']:<13} {row['agency']} ({row['kind']})  PIN {row['pin']}")
            else:
                off = f"  off call (texted {row['off_call'].upper()})" if row["off_call"] else ""
                print(f"{row['role']:<11} {row['name']:<24} {row['phone']:<13} ZIPs {','.join(row['zips']) or 'all'}  {','.join(row['languages'])}  {row['hours']}{off}")
    return 0


def cmd_roster_remove(args: argparse.Namespace) -> int:
    from bot.db import session_scope
    from bot.handoff.availability import remove
    from bot.handoff.roster import RosterError

    try:
        with session_scope() as session:
            removed = remove(session, args.phone, get_settings().default_region)
    except RosterError as exc:
        return _roster_failure(exc)
    print(f"removed {removed.name} ({removed.phone}) from the roster"
          + (f"; handed on their open handoffs: {', '.join(removed.handed_on)}" if removed.handed_on else ""))
    return 0


def cmd_roster_set_coordinator(args: argparse.Namespace) -> int:
    from bot.db import session_scope
    from bot.handoff.availability import set_coordinator
    from bot.handoff.roster import RosterError

    try:
        with session_scope() as session:
            done = set_coordinator(session, args.phone, args.name, get_settings().default_region)
            print(f"coordinator: {done.person.name} ({done.person.phone}); alerts nobody accepted in time go there"
                  + (f"; the requests waiting on the coordinator before are theirs now: {', '.join(done.moved)}"
                     if done.moved else ""))
    except RosterError as exc:
        return _roster_failure(exc)
    return 0


def cmd_roster_demo(args: argparse.Namespace) -> int:
    """The simulator's demo roster (`make run` runs this), only where no Twilio account is configured."""
    from bot.db import session_scope
    from bot.handoff.demo_roster import demo_roster_wanted, put_demo_roster, why_not_wanted

    settings = get_settings()
    if not demo_roster_wanted(settings):
        print(f"Demo roster: not put in place ({why_not_wanted(settings)})")
        return 0
    with session_scope() as session:
        added = put_demo_roster(session, settings)
    if added:
        print("Demo roster (fictional numbers, for the simulator): added "
              + ", ".join(f"{person.name} {person.phone} as {person.role}" for person in added))
    else:
        print("Demo roster: already in place (`hub roster list` shows it)")
    return 0


HANDOFF_COLUMNS = ("ref", "source", "state", "needs", "area", "language", "consent_by", "created_at", "accepted_at",
                   "closed_at", "outcome")


def cmd_handoffs(args: argparse.Namespace) -> int:
    from bot.db import session_scope
    from bot.handoff.reports import handoff_rows

    with session_scope() as session:
        rows = handoff_rows(session, open_only=args.open)
    if args.json:
        print(json.dumps({"handoffs": rows}, indent=2))
    elif args.csv:
        from bot.spreadsheet import write_spreadsheet_csv

        write_spreadsheet_csv(sys.stdout, list(HANDOFF_COLUMNS), rows)
    elif not rows:
        print("no open handoffs" if args.open else "no handoffs yet")
    else:
        for row in rows:
            print(f"{row['ref']:<9} {row['state']:<10} {row['source']:<9} {row['created_at']}  {','.join(row['needs']) or '-'}  {row['area'] or '-'}  {row['outcome'] or ''}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from datetime import datetime

    from bot.db import session_scope
    from bot.handoff.reports import report

    since = None
    if args.since:
        try:
            since = datetime.fromisoformat(args.since)
        except ValueError:
            return fail(f"--since {args.since!r} is not a date (YYYY-MM-DD)", 2)
    with session_scope() as session:
        figures = report(session, get_settings().escalate_after_seconds, since)
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(f"handoffs{' since ' + args.since if args.since else ''}: {figures['handoffs']}")
    print(f"  by source: {figures['by_source'] or '-'}")
    print(f"  by state: {figures['by_state'] or '-'}")
    sla = figures["accepted_within_sla_percent"]
    print(f"  accepted within {figures['sla_minutes']:g} min: {'-' if sla is None else f'{sla:g}%'}")
    print(f"  time to accept: p50 {figures['time_to_accept_minutes_p50']} min, p90 {figures['time_to_accept_minutes_p90']} min")
    print(f"  outcomes: {figures['outcomes'] or '-'}")
    for group in ("referrer_kinds", "agencies"):
        for name, numbers in figures[group].items():
            consent = numbers["consent_rate_percent"]
            within = numbers["accepted_within_sla_percent"]
            print(f"  {name}: {numbers['referrals']} referrals, consent {'-' if consent is None else f'{consent:g}%'}, "
                  f"accepted within the SLA {'-' if within is None else f'{within:g}%'}")
    linkage = figures["linkage"]

    def counts(row: dict) -> str:
        return f"{row['sent']} sent, {row['answered']} answered, {row['connected']} connected, {row['reopened']} re-opened"
    print(f"check-ins: {counts(linkage['check_ins'])}; re-contacts: {linkage['re_contacts']}")
    for name, row in [*linkage["by_source"].items(), *linkage["by_agency"].items()]:
        print(f"  {name}: {counts(row)}")
    return 0


def add_commands(commands: argparse._SubParsersAction) -> None:
    """Add `hub roster`, `hub handoffs` and `hub report` to `hub`'s subparsers."""
    roster = commands.add_parser("roster", help="specialists and the coordinator").add_subparsers(dest="roster_command", required=True)
    add = roster.add_parser("add-specialist", help="add a specialist who receives handoff alerts")
    add.add_argument("--name", required=True)
    add.add_argument("--phone", required=True, help="E.164, e.g. +12065550111")
    add.add_argument("--zips", required=True, help="ZIP codes covered, comma-separated")
    add.add_argument("--languages", default="en", help="two-letter codes, comma-separated (default: en)")
    add.add_argument("--hours", help='on-call hours, e.g. "MO-FR 08:00-20:00; SA 10:00-14:00" (default: always)')
    add.set_defaults(func=cmd_roster_add_specialist)
    officer = roster.add_parser("add-officer", help="register an officer's (or an EMS or fire crew's) work phone for referrals")
    officer.add_argument("--name", required=True)
    officer.add_argument("--phone", required=True, help="E.164 work phone")
    officer.add_argument("--agency", required=True)
    officer.add_argument("--kind", metavar="police|ems|fire",
                         help="who refers: a police officer (the default), an EMS or a fire crew; the person hears "
                              "which ('A paramedic asked us...')")
    officer.add_argument("--pin", nargs="?", const=ASK, metavar="DIGITS",
                         help="a 4-8 digit PIN the officer keys when calling (asked for, unseen, when no DIGITS "
                              "follow); on an already registered number, sets a new PIN")
    officer.set_defaults(func=cmd_roster_add_officer)
    listing = roster.add_parser("list", help="who is on the roster")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=cmd_roster_list)
    remove = roster.add_parser("remove", help="take a specialist or officer off the roster")
    remove.add_argument("--phone", required=True)
    remove.set_defaults(func=cmd_roster_remove)
    coordinator = roster.add_parser("set-coordinator", help="who gets alerts nobody accepted")
    coordinator.add_argument("--phone", required=True)
    coordinator.add_argument("--name", help="when the number is not on the roster yet")
    coordinator.set_defaults(func=cmd_roster_set_coordinator)
    roster.add_parser("demo", help="put the simulator's demo roster in place (fictional numbers; only when no Twilio "
                                   "account is configured)").set_defaults(func=cmd_roster_demo)

    handoffs = commands.add_parser("handoffs", help="handoffs and their state (no numbers, no messages)")
    handoffs.add_argument("--open", action="store_true")
    handoffs.add_argument("--json", action="store_true")
    handoffs.add_argument("--csv", action="store_true", help="for a spreadsheet (text that would be a formula is escaped)")
    handoffs.set_defaults(func=cmd_handoffs)
    report = commands.add_parser("report", help="handoff figures: by source, within the SLA, time to accept, outcomes")
    report.add_argument("--since", help="YYYY-MM-DD")
    report.add_argument("--json", action="store_true")
    report.set_defaults(func=cmd_report)

"""`hub directory import|export|search|reports`: the service directory from the command line
(HSDS packages in and out, what the bot would answer, texters' reports of wrong listings).
bot/cli.py only calls `add_commands`."""
from __future__ import annotations

import argparse
import json
import sys

from bot.cli_support import fail
from bot.config import get_settings


def cmd_directory_import(args: argparse.Namespace) -> int:
    """A package folder, or an HSDS API feed (--api): two forms of one command."""
    if (args.path is None) == (args.api is None):
        return fail("give a package folder or --api URL (one of the two)", 2)
    if args.yes and args.api is None:
        return fail("--yes applies a refresh that was held back: it goes with --api URL", 2)
    if args.api is not None:
        return _import_feed(args)
    return _import_package(args)


def _import_package(args: argparse.Namespace) -> int:
    from sqlalchemy.orm import Session
    from tqdm import tqdm

    from bot.db import get_engine
    from bot.directory.hsds import HsdsValidationError, read_package
    from bot.directory.importer import TABLES, import_package

    try:
        package = read_package(args.path)
        total = sum(len(package.rows(name)) for name, _ in TABLES)
        # On stderr, so that --json stays one document on stdout.
        with tqdm(total=total, unit=" rows", desc="importing", file=sys.stderr, disable=args.quiet,
                  mininterval=0.5) as bar, Session(get_engine(), future=True) as session:
            summary = import_package(session, package, progress=lambda table, rows: bar.update(rows))
            if args.check:
                session.rollback()
            else:
                session.commit()
    except HsdsValidationError as exc:
        return _refused(args, args.path, exc.issues, exc.warnings)
    return _imported(args, args.path, summary)


def _import_feed(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from bot.directory.refresh import RefreshOutcome, refresh_from_feed

    with tqdm(unit=" services", desc="reading the feed", file=sys.stderr, disable=args.quiet, mininterval=0.5) as bar:
        def progress(done: int, total: int | None) -> None:
            if total and bar.total != total:
                bar.total = total
            bar.update(done - bar.n)

        result = refresh_from_feed(args.api, by="cli", check=args.check, yes=args.yes, progress=progress)
    if result.problems:
        return _refused(args, args.api, result.problems, [])
    if result.outcome is RefreshOutcome.FAILED:
        if args.json:
            print(json.dumps({"imported": False, "problems": [{"file": args.api, "row": None, "field": None,
                                                               "message": result.detail}], "warnings": []}, indent=2))
            return 1
        return fail(f"{args.api} was not imported: {result.detail}")
    if result.outcome is RefreshOutcome.RUNNING:
        return fail(f"{args.api}: {result.detail}; try again once it has finished")
    held = result.outcome is RefreshOutcome.HELD_BACK
    status = _imported(args, args.api, result.summary, held_back=held,
                       read={"pages": result.read.pages, "services": result.read.services,
                             "followed": result.read.followed, "retried": result.read.retried} if result.read else None)
    if held:
        if not args.json:
            print(f"hub: {result.detail}", file=sys.stderr)
        return 1
    return status


def _refused(args: argparse.Namespace, source, issues, warnings) -> int:
    if args.json:
        print(json.dumps({"imported": False, "problems": _issues(issues), "warnings": _issues(warnings)}, indent=2))
        return 1
    print(f"hub: {source} was not imported; nothing was written. Fix these and import again:", file=sys.stderr)
    for issue in issues:
        print(f"  {issue}", file=sys.stderr)
    if warnings:
        print("and these, which alone would not stop an import:", file=sys.stderr)
        for issue in warnings:
            print(f"  {issue}", file=sys.stderr)
    return 1


def _imported(args: argparse.Namespace, source, summary, held_back: bool = False, read: dict | None = None) -> int:
    written = not (args.check or held_back)
    if args.json:
        print(json.dumps({"imported": written, "checked": bool(args.check), "held_back": held_back,
                          "inserted": summary.inserted, "updated": summary.updated,
                          "removed": summary.removed, "typed_services": summary.typed_services,
                          "untyped_services": summary.untyped_services, "skipped": summary.skipped,
                          "made_inactive": summary.made_inactive, "restored": summary.restored,
                          "tidied": {"html_fields": summary.tidied.html_fields, "ages_none": summary.tidied.ages_none,
                                     "phones_with_words": summary.tidied.phones_with_words,
                                     "timestamps_zoned": summary.tidied.timestamps_zoned,
                                     "outside_us": summary.outside_us},
                          **({"feed": read} if read else {}),
                          "problems": [], "warnings": _issues(summary.warnings)}, indent=2))
        return 0
    if args.check:
        print(f"{source} would change this (--check: nothing was written)")
    elif held_back:
        print(f"{source} was read, and held back: nothing was written. It would have changed this")
    else:
        print(f"imported {source}")
    if read:
        print(f"  the feed: {read['services']} services in {read['pages']} pages"
              + (f", {read['followed']} fetched whole" if read["followed"] else "")
              + (f", {read['retried']} requests tried again" if read["retried"] else ""))
    for line in summary.lines():
        print(f"  {line}")
    if summary.warnings:
        print("warnings:")
        for issue in summary.warnings[:WARNINGS_SHOWN]:
            print(f"  {issue}")
        if len(summary.warnings) > WARNINGS_SHOWN:
            print(f"  and {len(summary.warnings) - WARNINGS_SHOWN} more (--json lists them all)")
    return 0


WARNINGS_SHOWN = 100


def _issues(issues) -> list[dict]:
    return [{"file": i.file, "row": i.row, "field": i.field, "message": i.message} for i in issues]


def cmd_directory_export(args: argparse.Namespace) -> int:
    from bot.db import session_scope
    from bot.directory.exporter import ExportError, export_package

    try:
        with session_scope() as session:
            counts = export_package(session, args.path)
    except ExportError as exc:
        return fail(str(exc))
    print(f"exported the directory to {args.path}")
    for file, count in counts.items():
        print(f"  {file}: {count} rows")
    return 0


def cmd_directory_search(args: argparse.Namespace) -> int:
    from bot.db import session_scope
    from bot.directory.near import UnknownPlace, search_near
    from bot.directory.search import UnknownServiceType
    from bot.directory.sms import format_results
    from bot.directory.taxonomy import SERVICE_TYPES

    try:
        with session_scope() as session:
            nearby = search_near(session, args.type, args.near, limit=args.limit, open_first=args.open_now)
    except UnknownServiceType:
        return fail(f"unknown --type {args.type!r}; one of: {', '.join(SERVICE_TYPES)}", 2)
    except UnknownPlace:
        return fail(f"--near {args.near!r} is not a known US ZIP code or a place in the directory", 2)
    place, result = nearby.place, nearby.result
    if args.json:
        print(json.dumps({
            "type": result.service_type,
            "near": place.zip_code,
            "radius_miles": result.radius_miles,
            "widened": result.widened,
            "total": result.total,
            "results": [{**match.__dict__, "flags": list(match.flags),
                         "verified_on": match.verified_on.isoformat() if match.verified_on else None}
                        for match in result.matches],
        }, indent=2))
    else:
        print(format_results(result, place.label))
    return 0


def cmd_directory_reports(args: argparse.Namespace) -> int:
    from bot.db import session_scope
    from bot.directory.reports import open_reports

    with session_scope() as session:
        reports = open_reports(session, get_settings().closed_reports)
    if args.json:
        print(json.dumps([report.__dict__ for report in reports], indent=2, ensure_ascii=False))
        return 0
    if not reports:
        print("no open reports of wrong listings")
        return 0
    for r in reports:
        place = f"{r.place} ({r.service_id})" if r.place else "place not named"
        flag = ", REPORTED CLOSED" if r.flagged else ""
        print(f"#{r.id}  {r.created_at}  {r.kind}  {place}  {r.reporters} number(s){flag}")
        if r.words:
            print(f"      \"{r.words}\"")
    print("clear with: hub directory reports clear ID")
    return 0


def cmd_directory_reports_clear(args: argparse.Namespace) -> int:
    from bot.db import session_scope
    from bot.directory.reports import ReportError, clear_report

    try:
        with session_scope() as session:
            cleared = clear_report(session, args.id)
    except ReportError as exc:
        return fail(str(exc))
    print(f"cleared {cleared} report(s) about the place of report {args.id}")
    return 0


def cmd_directory_serve(args: argparse.Namespace) -> int:
    import os

    from bot.hsds_server import serve

    settings = get_settings()
    host = args.host or os.environ.get("HUB_BIND_HOST") or "127.0.0.1"
    print(f"HSDS API: http://{'localhost' if host in ('127.0.0.1', '0.0.0.0') else host}:{settings.hsds_api_port}/services",
          flush=True)
    serve(settings, host)
    return 0


def add_commands(commands: argparse._SubParsersAction) -> None:
    """Add `hub directory` to `hub`'s subparsers."""
    directory = commands.add_parser("directory", help="the service directory").add_subparsers(dest="directory_command", required=True)
    importer = directory.add_parser("import", help="import an HSDS 3.0 tabular data package (folder) or API feed (--api)")
    importer.add_argument("path", nargs="?", help="the package's folder (or give --api)")
    importer.add_argument("--api", metavar="URL", help="an HSDS 3.0 API feed: its services, page by page; services it no "
                                                       "longer lists are made inactive")
    importer.add_argument("--check", action="store_true", help="show what the import would change; write nothing")
    importer.add_argument("--yes", action="store_true", help="with --api: apply a refresh even if it would make more "
                                                             "than HUB_DIRECTORY_HOLD_BACK of the feed's services inactive")
    importer.add_argument("--json", action="store_true", help="the outcome as JSON; problems as file, row, field")
    importer.add_argument("--quiet", action="store_true", help="no progress bar")
    importer.set_defaults(func=cmd_directory_import)
    exporter = directory.add_parser("export", help="write the directory as an HSDS 3.0 tabular data package")
    exporter.add_argument("path", help="a new or empty folder")
    exporter.set_defaults(func=cmd_directory_export)
    serve = directory.add_parser("serve", help="serve the directory as a read-only HSDS 3.0 API on HUB_HSDS_API_PORT (5007)")
    serve.add_argument("--host", help="address to bind (default: HUB_BIND_HOST, else 127.0.0.1)")
    serve.set_defaults(func=cmd_directory_serve)
    search = directory.add_parser("search", help="what the bot would answer")
    search.add_argument("--type", required=True, help="taxonomy code, e.g. naloxone")
    search.add_argument("--near", required=True, help="US ZIP code, or a neighbourhood or city in the directory")
    search.add_argument("--limit", type=int, default=3)
    search.add_argument("--open-now", action="store_true", help="rank places open now first")
    search.add_argument("--json", action="store_true")
    search.set_defaults(func=cmd_directory_search)
    reports = directory.add_parser("reports", help="texters' reports of wrong listings (no numbers)")
    reports.add_argument("--json", action="store_true")
    reports.set_defaults(func=cmd_directory_reports)
    clear = reports.add_subparsers(dest="reports_command").add_parser(
        "clear", help="clear a report, and every open report about the same place (its flag goes)")
    clear.add_argument("id", type=int)
    clear.set_defaults(func=cmd_directory_reports_clear)

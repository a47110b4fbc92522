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
    from tqdm import tqdm

    from bot.db import session_scope
    from bot.directory.hsds import HsdsValidationError, read_package
    from bot.directory.importer import TABLES, import_package

    try:
        package = read_package(args.path)
        total = sum(len(package.rows(name)) for name, _ in TABLES)
        # On stderr, so that --json stays one document on stdout.
        with tqdm(total=total, unit=" rows", desc="importing", file=sys.stderr, disable=args.quiet,
                  mininterval=0.5) as bar, session_scope() as session:
            summary = import_package(session, package, progress=lambda table, rows: bar.update(rows))
    except HsdsValidationError as exc:
        if args.json:
            print(json.dumps({"imported": False, "problems": _issues(exc.issues), "warnings": _issues(exc.warnings)},
                             indent=2))
            return 1
        print(f"hub: {args.path} was not imported; nothing was written. Fix these and import again:", file=sys.stderr)
        for issue in exc.issues:
            print(f"  {issue}", file=sys.stderr)
        if exc.warnings:
            print("and these, which alone would not stop an import:", file=sys.stderr)
            for issue in exc.warnings:
                print(f"  {issue}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps({"imported": True, "inserted": summary.inserted, "updated": summary.updated,
                          "removed": summary.removed, "typed_services": summary.typed_services,
                          "untyped_services": summary.untyped_services, "skipped": summary.skipped,
                          "tidied": {"html_fields": summary.tidied.html_fields, "ages_none": summary.tidied.ages_none,
                                     "phones_with_words": summary.tidied.phones_with_words,
                                     "timestamps_zoned": summary.tidied.timestamps_zoned,
                                     "outside_us": summary.outside_us},
                          "problems": [], "warnings": _issues(summary.warnings)}, indent=2))
        return 0
    print(f"imported {args.path}")
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


def add_commands(commands: argparse._SubParsersAction) -> None:
    """Add `hub directory` to `hub`'s subparsers."""
    directory = commands.add_parser("directory", help="the service directory").add_subparsers(dest="directory_command", required=True)
    importer = directory.add_parser("import", help="import an HSDS 3.0 tabular data package (folder)")
    importer.add_argument("path")
    importer.add_argument("--json", action="store_true", help="the outcome as JSON; problems as file, row, field")
    importer.add_argument("--quiet", action="store_true", help="no progress bar")
    importer.set_defaults(func=cmd_directory_import)
    exporter = directory.add_parser("export", help="write the directory as an HSDS 3.0 tabular data package")
    exporter.add_argument("path", help="a new or empty folder")
    exporter.set_defaults(func=cmd_directory_export)
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

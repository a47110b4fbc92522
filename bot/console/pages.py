"""The console's directory (with the reported wrong listings), reports and health pages."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from sanic import response
from sanic.request import Request
from sqlalchemy import func, select

from bot.clock import utcnow
from bot.config import Settings
from bot.console import audit
from bot.console.directory import UploadError, assistant_answer, import_zip, issue_rows
from bot.db.models import DeadlineMiss
from bot.directory.hsds import HsdsValidationError
from bot.directory.refresh import recent_refreshes
from bot.directory.reports import ReportError, clear_report, open_reports
from bot.directory.taxonomy import SERVICE_TYPES


def deadline_misses(session, now: datetime) -> list[dict]:
    """Turns answered with a holding reply, per hour of the last day, all Rasa servers together."""
    since = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=23)
    rows = session.execute(select(DeadlineMiss.hour, func.sum(DeadlineMiss.misses), func.count(DeadlineMiss.server))
                           .where(DeadlineMiss.hour >= since).group_by(DeadlineMiss.hour).order_by(DeadlineMiss.hour)).all()
    return [{"hour": hour, "misses": int(misses), "servers": servers} for hour, misses, servers in rows]


def run_in_executor(work):
    """Drawing a chart takes matplotlib a moment: off the event loop."""
    return asyncio.get_running_loop().run_in_executor(None, work)


def add_routes(app, render, manager_only, db, settings: Settings) -> None:
    # --- directory ------------------------------------------------------------------------------

    async def directory_page(request: Request, status: int = 200, **context):
        service = request.args.get("service") or ""
        zip_code = (request.args.get("zip") or "")[:10]
        answer = answer_error = None
        if service or zip_code:
            try:
                answer = await db(assistant_answer, service, zip_code, settings.search_radius_miles)
            except UploadError as exc:
                answer_error = str(exc)
        listing_reports = await db(open_reports, settings.closed_reports)
        refreshes = await db(recent_refreshes, 10)
        return render(request, "directory.html", status=status, service_types=SERVICE_TYPES, service=service,
                      zip_code=zip_code, answer=answer, answer_error=answer_error, listing_reports=listing_reports,
                      refreshes=refreshes, feed=settings.directory_feed, **context)

    @app.get("/directory")
    async def directory(request: Request):
        return await directory_page(request)

    @app.post("/directory/upload")
    @manager_only
    async def upload(request: Request):
        uploaded = request.files.get("package")
        data, filename = (uploaded.body, uploaded.name) if uploaded else (b"", "")
        account = request.ctx.account

        def run(session):
            summary = import_zip(session, data)
            audit.record(session, account.email, "directory_import", f"imported {filename[:100]}: " + "; ".join(summary.lines()))
            return summary.lines(), issue_rows(summary.warnings)

        try:
            lines, warnings = await db(run)
        except HsdsValidationError as exc:
            return await directory_page(request, status=400, filename=filename, problems=issue_rows(exc.issues),
                                        warnings=issue_rows(exc.warnings))
        except UploadError as exc:
            return await directory_page(request, status=400, filename=filename, upload_error=str(exc))
        return await directory_page(request, filename=filename, imported=lines, warnings=warnings)

    @app.post("/directory/reports/<report_id:int>/clear")
    @manager_only
    async def clear_listing_reports(request: Request, report_id: int):
        """Clears the report and every open report about the same place (its flag is the place's),
        as `hub directory reports clear ID`."""
        account = request.ctx.account

        def run(session):
            cleared = clear_report(session, report_id)
            message = f"cleared {cleared} report(s) about the place of report {report_id}"
            audit.record(session, account.email, "listing_reports_cleared", message)
            return message

        try:
            message = await db(run)
        except ReportError as exc:
            return await directory_page(request, status=404, reports_error=str(exc))
        return await directory_page(request, reports_cleared=message)

    # --- reports --------------------------------------------------------------------------------

    from bot.console.charts import WEEKS, reports

    def find(session, name):
        return next((r for r in reports(session, settings.escalate_after_seconds, utcnow()) if r.name == name), None)

    @app.get("/reports")
    async def reports_page(request: Request):
        found = await db(reports, settings.escalate_after_seconds, utcnow())
        return render(request, "reports.html", reports=found, weeks=WEEKS)

    @app.get("/reports/<file:str>")
    async def report_file(request: Request, file: str):
        """NAME.svg, the chart, or NAME.csv, its table."""
        name, _, kind = file.rpartition(".")
        found = await db(find, name) if kind in ("svg", "csv") else None
        if found is None:
            return response.text("no such report", status=404)
        if kind == "svg":
            return response.text(await run_in_executor(found.svg), content_type="image/svg+xml")
        return response.text(found.csv(), content_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{found.name}.csv"'})

    # --- health ---------------------------------------------------------------------------------

    @app.get("/health")
    async def health(request: Request):
        from bot.status import operator_status

        def read(session):
            now = utcnow()
            return operator_status(session, settings, now), deadline_misses(session, now)

        status, misses = await db(read)
        return render(request, "health.html", report=status.report, needs=status.needs_a_person, misses=misses)

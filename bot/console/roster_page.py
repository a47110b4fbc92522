"""The console's roster page: who is on call now, their hours, coverage and languages; officers
and their agencies. Changes go through bot/handoff/roster.py, the functions `hub roster` calls,
so the rules and the messages are the same; each change is audited."""
from __future__ import annotations

from datetime import UTC, datetime

from sanic.request import Request
from sqlalchemy import select

from bot.config import Settings
from bot.console import audit
from bot.db.models import Specialist
from bot.handoff import availability, referrers, roster

# How the roster's fields are named on the page (a RosterError names the field).
LABELS = {"name": "Name", "phone": "Phone", "zips": "ZIP codes", "languages": "Languages", "hours": "Hours",
          "agency": "Agency", "pin": "PIN", "kind": "Kind"}


def roster_view(session, now: datetime | None = None) -> dict:
    """The listing of `hub roster list`, with who is on call now (their hours, and not OFF or STOP)."""
    now = now or datetime.now(UTC)
    active = {s.phone: s for s in session.scalars(select(Specialist).where(Specialist.active == 1))}
    specialists, officers = [], []
    for row in roster.roster_listing(session):
        if row["role"] == "officer":
            officers.append(row)
            continue
        specialist = active[row["phone"]]
        on_call = specialist.off_call is None and roster.is_on_call(specialist, now)
        specialists.append({**row, "id": specialist.id, "on_call_now": on_call})
    # Each kind of referrer as the person hears it ("An officer" -> "officer"), from bot/handoff/referrers.py.
    kinds = [{"value": kind.value, "label": referrers.who(kind, "en").split(" ", 1)[-1]} for kind in referrers.Kind]
    return {"specialists": specialists, "officers": officers, "kinds": kinds}


def _message(exc: roster.RosterError) -> str:
    return f"{LABELS.get(exc.field, exc.field)}: {exc}" if exc.field else str(exc)


def add_routes(app, render, manager_only, db, settings: Settings) -> None:
    async def page(request: Request, status: int = 200, error: str | None = None, notice: str | None = None,
                   form: dict | None = None):
        view = await db(roster_view)
        return render(request, "roster.html", status=status, error=error, notice=notice, form=form or {}, **view)

    @app.get("/roster")
    async def roster_index(request: Request):
        return await page(request)

    async def change(request: Request, work, form: dict):
        """Run one roster change and its audit entry in one transaction; the page again, with the
        change's message or the RosterError's (400)."""
        account = request.ctx.account

        def run(session):
            done, detail = work(session)
            audit.record(session, account.email, "roster", detail)
            return done

        try:
            notice = await db(run)
        except roster.RosterError as exc:
            return await page(request, status=400, error=_message(exc), form=form)
        return await page(request, notice=notice)

    @app.post("/roster/specialists")
    @manager_only
    async def add_specialist(request: Request):
        form = {key: request.form.get(key) or "" for key in ("name", "phone", "zips", "languages", "hours")}

        def work(session):
            added = roster.add_specialist(session, form["name"], form["phone"], form["zips"], form["languages"] or "en",
                                          form["hours"], settings.default_region)
            return (f"added {added.name}: ZIPs {added.zips.replace(',', ', ')}; languages "
                    f"{added.languages.replace(',', ', ')}; {added.hours or 'always on call'}",
                    f"added specialist {added.name}")
        return await change(request, work, form)

    @app.post("/roster/specialists/<specialist_id:int>")
    @manager_only
    async def edit_specialist(request: Request, specialist_id: int):
        form = {key: request.form.get(key) or "" for key in ("name", "zips", "languages", "hours")}

        def work(session):
            edited = roster.edit_specialist(session, specialist_id, form["name"], form["zips"], form["languages"],
                                            form["hours"])
            return (f"changed {edited.name}: ZIPs {edited.zips.replace(',', ', ')}; languages "
                    f"{edited.languages.replace(',', ', ')}; {edited.hours or 'always on call'}",
                    f"edited specialist {edited.name}")
        return await change(request, work, {})

    @app.post("/roster/officers")
    @manager_only
    async def add_officer(request: Request):
        form = {key: request.form.get(key) or "" for key in ("name", "phone", "agency", "kind")}

        def work(session):
            registered = roster.add_officer(session, form["name"], form["phone"], form["agency"], None,
                                            settings.require_secret_key(), settings.default_region, kind=form["kind"])
            officer = registered.officer
            return (f"registered {officer.name} of {officer.agency}: texts from this number go down the officer "
                    f"referral flow", f"registered officer {officer.name} of {officer.agency}")
        return await change(request, work, form)

    @app.post("/roster/remove")
    @manager_only
    async def remove(request: Request):
        phone = request.form.get("phone") or ""

        def work(session):
            removed = availability.remove(session, phone, settings.default_region)
            handed = f"; handed on their open handoffs: {', '.join(removed.handed_on)}" if removed.handed_on else ""
            return f"removed {removed.name} from the roster{handed}", f"removed {removed.name}{handed}"
        return await change(request, work, {})

"""The console's alerts page: compose a drug-supply alert for an area, check how many subscribers
it reaches, send it (managers, audited), and see the alerts sent with their delivery counts and the
anonymous reports of a bad batch. Checked and sent by bot/alerts/sending.py, as `hub alerts send`;
listed by the functions behind `hub alerts list` and `hub alerts reports`."""
from __future__ import annotations

import math
from datetime import timedelta

from sanic import response
from sanic.request import Request

from bot.alerts.drafts import send_draft
from bot.alerts.reports import recent
from bot.alerts.sending import AlertError, Fields, draft, earlier_same, parse_radius, resolve_area, send, sent_alerts
from bot.alerts.spikes import SpikeError, dismiss, open_spikes
from bot.clock import utcnow
from bot.config import Settings
from bot.console import audit
from bot.console.signal_charts import signals_map, spike_chart
from bot.db.models import Spike

# The form's labels, so that a message names the field the coordinator sees.
FORM_FIELDS = Fields(near="ZIP code or place", radius="Radius", text="English text", text_es="Spanish text")
SPIKES_SHOWN = timedelta(days=7)  # open spikes older than this are not shown (hub alerts spikes lists them all)
FIELD_LIMIT = 2000  # characters kept of any field; far more than one SMS, so the length check still speaks


def _form(request: Request) -> dict:
    form = request.form or {}
    return {"near": (form.get("near") or "")[:FIELD_LIMIT], "radius": (form.get("radius") or "")[:FIELD_LIMIT],
            "text": (form.get("text") or "")[:FIELD_LIMIT], "text_es": (form.get("text_es") or "")[:FIELD_LIMIT],
            "again": form.get("again") == "yes"}


def _draft(session, form: dict):
    """The alert as the form asks for it, checked as `hub alerts send` checks it. A blank Spanish
    text means none (the form always sends the field)."""
    radius = parse_radius(form["radius"], FORM_FIELDS)
    spanish = form["text_es"] if form["text_es"].strip() else None
    return draft(session, resolve_area(session, form["near"], FORM_FIELDS), radius, form["text"], spanish, FORM_FIELDS)


def reach(alert) -> dict:
    """What the check step shows: whom it reaches now, in which language, and the texts as sent."""
    return {"count": len(alert.recipients), "where": f"within {alert.radius_miles:g} miles of {alert.place.label}",
            "by_language": sorted(alert.by_language.items()), "spanish_in_english": alert.spanish_in_english,
            "bodies": [(language, alert.body_for(language)) for language in sorted(alert.by_language)]}


def add_routes(app, render, manager_only, db, settings: Settings) -> None:
    async def alerts_page(request: Request, status: int = 200, **context):
        def lists(session):
            return sent_alerts(session, limit=50), recent(session, limit=100), open_spikes(session, utcnow() - SPIKES_SHOWN)

        sent, reports, spikes = await db(lists)
        context.setdefault("form", {"near": "", "radius": "5", "text": "", "text_es": "", "again": False})
        return render(request, "alerts.html", status=status, sent=sent, reports=reports, spikes=spikes, **context)

    @app.get("/alerts/signals.svg")
    async def signals_map_svg(request: Request):
        """The map of the last 7 days' signals and alerts (bot/console/signal_charts.py)."""
        svg = await db(lambda session: signals_map(session, utcnow()))
        return response.text(svg, content_type="image/svg+xml")

    @app.get("/alerts/spikes/<spike_id:int>/signals.svg")
    async def spike_signals_svg(request: Request, spike_id: int):
        def draw(session):
            spike = session.get(Spike, spike_id)
            return spike_chart(session, spike, settings.spike_radius_miles) if spike else None

        svg = await db(draw)
        if svg is None:
            return response.text("no such spike", status=404)
        return response.text(svg, content_type="image/svg+xml")

    @app.post("/alerts/drafts/<alert_id:int>/send")
    @manager_only
    async def send_drafted(request: Request, alert_id: int):
        """A spike's draft, as the manager edited it, sent: as the coordinator's SEND A-n."""
        form = request.form or {}
        account = request.ctx.account

        def run(session):
            return send_draft(session, alert_id, account.email, again=form.get("again") == "yes",
                              text_en=(form.get("text_en") or "")[:FIELD_LIMIT],
                              text_es=(form.get("text_es") or "")[:FIELD_LIMIT])

        result = await db(run)
        if not result.sent:
            return await alerts_page(request, status=400, spike_error=result.message)
        return await alerts_page(request, done=result.message)

    @app.post("/alerts/spikes/<spike_id:int>/dismiss")
    @manager_only
    async def dismiss_spike(request: Request, spike_id: int):
        reason = ((request.form or {}).get("reason") or "")[:FIELD_LIMIT]
        account = request.ctx.account

        def run(session):
            spike = dismiss(session, spike_id, reason)
            audit.record(session, account.email, "spike_dismissed", f"spike #{spike.id} near {spike.area} dismissed: {spike.reason}")
            return f"spike #{spike.id} near {spike.area} dismissed"

        try:
            done = await db(run)
        except SpikeError as exc:
            return await alerts_page(request, status=400, spike_error=str(exc))
        return await alerts_page(request, done=done)

    @app.get("/alerts")
    async def alerts(request: Request):
        return await alerts_page(request)

    @app.post("/alerts/check")
    @manager_only
    async def check(request: Request):
        form = _form(request)

        def run(session):
            alert = _draft(session, form)
            earlier = earlier_same(session, alert)
            return reach(alert), earlier and {"area": earlier.area, "at": f"{earlier.created_at:%H:%M}",
                                              "id": earlier.id, "recipients": earlier.recipients}

        try:
            found, earlier = await db(run)
        except AlertError as exc:
            return await alerts_page(request, status=400, form=form, error=str(exc))
        return await alerts_page(request, form=form, reach=found, earlier=earlier)

    @app.post("/alerts/send")
    @manager_only
    async def send_alert(request: Request):
        form = _form(request)
        account = request.ctx.account

        def run(session):
            # Counted again as it is queued: someone may have texted ALERTS OFF or STOP since the check.
            alert = _draft(session, form)
            where = reach(alert)["where"]
            earlier = earlier_same(session, alert)
            if earlier is not None and not form["again"]:
                raise AlertError(f"the same alert went to {earlier.area} at {earlier.created_at:%H:%M} UTC "
                                 f"(#{earlier.id}, {earlier.recipients} subscribers); nothing was sent. Tick "
                                 f"\"send it again\" to send it again.")
            if not alert.recipients:
                return f"no subscriber is {where}: nothing was sent"
            sent = send(session, alert, settings.hotline_number)
            audit.record(session, account.email, "area_alert",
                         f"alert #{sent.id} {where}: queued for {sent.recipients} subscriber(s)")
            minutes = math.ceil(sent.recipients / settings.send_rate / 60)
            return (f"alert #{sent.id} queued for {sent.recipients} subscriber(s) {where}. The worker sends it at "
                    f"{settings.send_rate:g} a second, after any more urgent message: about {minutes} min.")

        try:
            done = await db(run)
        except AlertError as exc:
            return await alerts_page(request, status=400, form=form, error=str(exc))
        return await alerts_page(request, done=done)

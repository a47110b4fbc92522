"""The console's web adapter (Sanic): sign-in, sessions and CSRF, roles, and the pages. What the
pages show and change is computed by the domain modules (board, roster, directory, reports,
status); every change and every number shown is written to the audit log in the same
transaction as the change itself.

Logged out, only the login page and its static files are served; everything else redirects
to the login page. Sign out forgets the session on the server; everyone's account page has "Sign
out everywhere"; the board's own poll does not keep a session from idling out. Every POST carries the session's CSRF token or gets 403. Viewers see the
board, the roster (without phone numbers), the directory search and its reported wrong listings,
the alerts sent, the reports and the health page; managers also change the roster and the
directory, clear reported listings, send alerts, see the audit log, and may ask for the number of
one handoff's person (audited).
"""
from __future__ import annotations

import functools
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.blocking import run_blocking
from bot.config import Settings, duration_words, get_settings
from bot.console import accounts, audit, sessions
from bot.console.throttle import Throttle, client_address
from bot.db import session_scope

logger = logging.getLogger(__name__)

HERE = Path(__file__).parent
PUBLIC_PATHS = ("/login", "/static/", "/metrics")  # /metrics checks its own token
# What the open board asks every 2 s by itself (static/board.js): not a person's activity, so it
# does not hold off the idle timeout.
BOARD_POLL = "/board.json"
NAV = (("/board", "Board"), ("/roster", "Roster"), ("/directory", "Directory"), ("/alerts", "Alerts"),
       ("/reports", "Reports"), ("/health", "Health"), ("/audit", "Audit log"))
# The console's own pages only: scripts, styles, images and forms from itself; no framing.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; "
                               "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}

templates = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]),
                        trim_blocks=True, lstrip_blocks=True)


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTTPResponse:
    session, account = request.ctx.session, request.ctx.account
    html = templates.get_template(name).render(csrf=session.csrf, account=account, nav=NAV, path=request.path, **context)
    return response.html(html, status=status)


def manager_only(handler: Callable[..., Awaitable[HTTPResponse]]):
    @functools.wraps(handler)
    async def checked(request: Request, *args, **kwargs):
        if request.ctx.account.role != accounts.MANAGER:
            return render(request, "forbidden.html", status=403)
        return await handler(request, *args, **kwargs)
    return checked


def _secure(request: Request, settings: Settings) -> bool:
    """Secure cookie behind https: the request came over https, directly or as a proxy says
    (trusting the header can only make the cookie stricter), or the operator says so."""
    forwarded = (request.headers.get("X-Forwarded-Proto") or "").split(",")[0].strip().lower()
    return settings.console_secure_cookie == "on" or request.scheme == "https" or forwarded == "https"


def _db(work: Callable[..., Any], *args: Any) -> Awaitable[Any]:
    """`work(session, *args)` in one transaction, on the executor: the event loop goes on serving
    meanwhile."""
    def run():
        with session_scope() as session:
            return work(session, *args)
    return run_blocking(run)


def build_app(settings: Settings | None = None, name: str = "hub_console") -> Sanic:
    settings = settings or get_settings()
    secret = settings.require_secret_key()
    app = Sanic(name, configure_logging=False)
    app.config.REQUEST_MAX_SIZE = 60 * 1024 * 1024  # a directory package (bot/console/directory.py UPLOAD_LIMIT)
    app.config.KEEP_ALIVE_TIMEOUT = 15
    app.static("/static", str(HERE / "static"), name="static")
    throttle = Throttle()

    @app.middleware("request")
    async def sign_in_required(request: Request):
        now = time.time()
        session = sessions.decode(request.cookies.get(sessions.COOKIE), secret, now, settings.console_idle_seconds)
        current = session or sessions.new_session(now)
        request.ctx.session = current if request.path == BOARD_POLL else current.used_at(now)
        request.ctx.account = None
        if current.user_id is not None:
            request.ctx.account = await _db(accounts.current_account, current.user_id, current.epoch, current.secret,
                                            current.sid, settings.console_session_max_seconds)
            if request.ctx.account is None:  # signed out, removed, reset, or past HUB_CONSOLE_SESSION_MAX
                request.ctx.session = sessions.new_session(now)
        if request.path.startswith("/static/") or request.path == "/metrics":
            return None
        if request.method == "POST" and not sessions.csrf_ok(session, request.form.get("csrf") if request.form else None):
            return response.text("Forbidden: this form has expired or did not come from the console. Go back, "
                                 "reload the page and try again.", status=403)
        if request.ctx.account is None and request.path != "/login":
            return response.redirect("/login", status=303)
        return None

    @app.middleware("response")
    async def cookie_and_headers(request: Request, resp: HTTPResponse):
        for header, value in SECURITY_HEADERS.items():
            resp.headers.setdefault(header, value)
        session = getattr(request.ctx, "session", None)
        if session is None or request.path.startswith("/static/") or request.path == "/metrics":
            return
        resp.cookies[sessions.COOKIE] = sessions.encode(session, secret)
        cookie = resp.cookies[sessions.COOKIE]
        cookie["path"] = "/"
        cookie["httponly"] = True
        cookie["samesite"] = "Strict"
        if _secure(request, settings):
            cookie["secure"] = True

    # --- sign-in ----------------------------------------------------------------------------

    @app.get("/login")
    async def login_page(request: Request):
        if request.ctx.account is not None:
            return response.redirect("/board", status=303)
        return render(request, "login.html")

    @app.post("/login")
    async def login(request: Request):
        email, password = request.form.get("email") or "", request.form.get("password") or ""
        address = client_address(request.ip, request.headers.get("X-Forwarded-For"), settings.trusted_proxies)
        if not throttle.allow(address, email):
            return render(request, "login.html", status=429, email=email,
                          error="Too many failed sign-ins for this email from this address. Wait a few minutes "
                                "and try again.")

        def check(session):
            try:
                account = accounts.authenticate(session, email, password)
            except accounts.LoginRefused as exc:
                if exc.locked:
                    audit.record(session, email.strip().lower()[:254] or "-", "account_locked", "sign-in refused: locked")
                return None, None, str(exc)
            audit.record(session, account.email, "sign_in", f"signed in as {account.role}")
            return account, accounts.start_session(session, account, settings.console_session_max_seconds), None

        account, sid, error = await _db(check)
        if account is None:
            throttle.failed(address, email)
            return render(request, "login.html", status=401, email=email, error=error)
        request.ctx.session = sessions.new_session(time.time(), account.id, account.epoch, account.secret, sid)
        return response.redirect("/board", status=303)

    @app.post("/logout")
    async def logout(request: Request):
        if request.ctx.account is not None:
            await _db(accounts.end_session, request.ctx.session.sid)  # no copy of the cookie works again
        request.ctx.session = sessions.new_session(time.time())
        return response.redirect("/login", status=303)

    @app.get("/account")
    async def account_page(request: Request):
        return render(request, "account.html", idle=duration_words(settings.console_idle_seconds),
                      lifetime=duration_words(settings.console_session_max_seconds))

    @app.post("/account/sign-out-everywhere")
    async def sign_out_everywhere(request: Request):
        account = request.ctx.account

        def end(session):
            accounts.end_every_session(session, account.id)
            audit.record(session, account.email, "sign_out_everywhere", "ended every session of the account")

        await _db(end)
        request.ctx.session = sessions.new_session(time.time())
        return response.redirect("/login", status=303)

    @app.get("/")
    async def home(request: Request):
        return response.redirect("/board", status=303)

    # --- board ------------------------------------------------------------------------------

    from bot.console import board as board_module

    @app.get("/board")
    async def board_page(request: Request):
        groups = await _db(board_module.board, settings.escalate_after_seconds)
        return render(request, "board.html", groups=groups, titles=board_module.GROUPS,
                      sla=duration_words(settings.escalate_after_seconds))

    @app.get("/board.json")
    async def board_json(request: Request):
        groups = await _db(board_module.board, settings.escalate_after_seconds)
        return response.json({"groups": groups, "titles": board_module.GROUPS})

    @app.get("/handoffs/<ref:str>")
    async def handoff_page(request: Request, ref: str):
        detail = await _db(board_module.handoff_detail, ref[:16])
        if detail is None:
            return render(request, "not_found.html", status=404, what=f"handoff {ref[:16]}")
        return render(request, "handoff.html", handoff=detail)

    @app.post("/handoffs/<ref:str>/number")
    @manager_only
    async def handoff_number(request: Request, ref: str):
        account = request.ctx.account

        def read(session):
            detail = board_module.handoff_detail(session, ref[:16])
            if detail is None:
                return None, None
            number = board_module.number_of(session, detail["ref"])
            audit.record(session, account.email, "show_number",
                         f"handoff {detail['ref']}: " + ("number shown" if number else "asked; no number held"))
            return detail, number

        detail, number = await _db(read)
        if detail is None:
            return render(request, "not_found.html", status=404, what=f"handoff {ref[:16]}")
        return render(request, "handoff.html", handoff=detail, number=number, number_asked=True)

    # --- roster -----------------------------------------------------------------------------

    from bot.console import roster_page

    roster_page.add_routes(app, render, manager_only, _db, settings)

    # --- directory, reports, health, audit ----------------------------------------------------

    from bot.console import pages

    pages.add_routes(app, render, manager_only, _db, settings)

    from bot.console import alerts_page

    alerts_page.add_routes(app, render, manager_only, _db, settings)

    @app.get("/audit")
    @manager_only
    async def audit_page(request: Request):
        entries = await _db(lambda session: [(e.at, e.actor, e.action, e.detail) for e in audit.recent(session)])
        return render(request, "audit.html", entries=entries)

    # --- metrics ------------------------------------------------------------------------------

    from bot.metrics import console_metrics, metrics_response

    @app.get("/metrics")
    async def metrics(request: Request):
        status, body, content_type = await metrics_response(
            settings, request.headers.get("Authorization"), lambda: _db(console_metrics))
        return response.raw(body, status=status, content_type=content_type)

    return app


def serve(settings: Settings, host: str) -> None:
    app = build_app(settings)
    logger.info("console on http://%s:%s", host, settings.console_port)
    app.run(host=host, port=settings.console_port, access_log=False, workers=1, motd=False)

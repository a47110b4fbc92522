"""`hub directory serve`: the directory as a read-only HSDS 3.0 API, its own small process (Sanic,
as the console is), started by `make run` when HUB_HSDS_API=on.

`GET /` (the API's version), `GET /services` (paged: page, per_page up to 200, full=true for
nested records) and `GET /services/{id}`, from bot/directory/hsds_api.py: public listing data
only. Anonymous and GET only (any other method is 405), and at most HUB_HSDS_API_RATE (60)
requests a minute per client address (429 with Retry-After past it); behind a reverse proxy named in
HUB_TRUSTED_PROXY, the address is the one the proxy saw (docs/directory.md shows the nginx
location that publishes it).
"""
from __future__ import annotations

import logging

from sanic import Sanic, response
from sanic.request import Request

from bot.blocking import run_blocking
from bot.config import Settings, get_settings
from bot.console.throttle import RequestRate, client_address
from bot.db import session_scope
from bot.directory.hsds_api import api_root, per_page_of, service_record, services_page

logger = logging.getLogger(__name__)
_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "public, max-age=300",
            "Access-Control-Allow-Origin": "*"}


async def _read(work, *args):
    def run():
        with session_scope() as session:
            return work(session, *args)
    return await run_blocking(run)


def _problem(status: int, message: str, **headers: str):
    return response.json({"status": status, "detail": message}, status=status, headers={**_HEADERS, **headers})


def build_api(settings: Settings | None = None, name: str = "hub_hsds_api") -> Sanic:
    settings = settings or get_settings()
    rate = settings.hsds_api_rate
    app = Sanic(name, configure_logging=False)
    app.config.KEEP_ALIVE_TIMEOUT = 15
    app.config.REQUEST_MAX_SIZE = 64 * 1024  # GET only: nothing large is ever sent here
    limit = RequestRate(limit=rate)

    @app.middleware("request")
    async def within_the_rate(request: Request):
        address = client_address(request.ip or "", request.headers.get("X-Forwarded-For"), settings.trusted_proxies)
        if not limit.take(address):
            return _problem(429, f"at most {rate} requests a minute from one address; try again shortly",
                            **{"Retry-After": str(limit.retry_after(address))})
        return None

    @app.get("/")
    async def root(request: Request):
        return response.json(api_root(), headers=_HEADERS)

    @app.get("/services")
    async def services(request: Request):
        try:
            page = int(request.args.get("page") or 1)
            per_page = per_page_of(request.args.get("per_page"))
            if page < 1:
                raise ValueError("page must be at least 1")
        except ValueError as exc:
            message = str(exc) if "must" in str(exc) else "page must be a whole number"
            return _problem(400, message)
        full = (request.args.get("full") or "false").strip().lower() in ("true", "1", "yes")
        return response.json(await _read(services_page, page, per_page, full), headers=_HEADERS)

    @app.get("/services/<service_id:str>")
    async def service(request: Request, service_id: str):
        record = await _read(service_record, service_id[:64])
        if record is None:
            return _problem(404, "no service with that id")
        return response.json(record, headers=_HEADERS)

    @app.exception(Exception)
    async def failed(request: Request, exc: Exception):
        status = getattr(exc, "status_code", 500)
        if status >= 500:
            logger.exception("HSDS API request failed: %s %s", request.method, request.path)
            return _problem(500, "the directory could not be read just now; try again shortly")
        words = {404: "no such resource", 405: "this API is read-only: GET only"}
        return _problem(status, words.get(status, "the request could not be read"))

    return app


def serve(settings: Settings, host: str) -> None:
    app = build_api(settings)
    logger.info("HSDS API on http://%s:%s", host, settings.hsds_api_port)
    app.run(host=host, port=settings.hsds_api_port, access_log=False, workers=1, motd=False)

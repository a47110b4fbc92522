"""This Rasa server's metrics as an input channel: GET /webhooks/metrics/ in the Prometheus text
format (bot/metrics.py), for a scraper with the HUB_METRICS_TOKEN bearer token. The compose file's
nginx does not proxy it: Prometheus scrapes each Rasa server directly."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from prometheus_client import generate_latest
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.config import get_settings
from bot.metrics import metrics_response, rasa_registry


class MetricsInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "metrics"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        hook = Blueprint("hub_metrics", __name__)

        @hook.route("/", methods=["GET"])
        async def metrics(request: Request) -> HTTPResponse:
            async def collect() -> bytes:
                return generate_latest(rasa_registry)

            status, body, content_type = await metrics_response(get_settings(), request.headers.get("Authorization"), collect)
            return response.raw(body, status=status, content_type=content_type)

        return hook

"""The deployment files hold together (no Docker engine runs here, so they are read, not run):
the compose services use the files and variables that exist, the proxy sends to the Rasa
servers, and nothing secret goes into the image."""
import re

import yaml

from tests.conftest import PROJECT_ROOT

COMPOSE = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def test_two_rasa_servers_an_action_server_a_worker_postgres_redis_and_a_proxy():
    assert {"rasa1", "rasa2", "actions", "worker", "db", "redis", "proxy"} <= set(SERVICES)
    for name in ("rasa1", "rasa2"):
        command = SERVICES[name]["command"]
        assert command[:2] == ["rasa", "run"] and "endpoints.production.yml" in command and "credentials.yml" in command
    assert SERVICES["worker"]["command"] == ["hub", "worker"]


def test_the_files_the_services_name_exist():
    for service in SERVICES.values():
        for word in service.get("command") or []:
            for path in re.findall(r"[\w./-]+\.(?:yml|conf)\b", word):
                assert (PROJECT_ROOT / path).exists(), path
    for mount in SERVICES["proxy"]["volumes"]:
        assert (PROJECT_ROOT / mount.split(":")[0]).exists(), mount


def test_every_variable_of_the_production_endpoints_is_given_to_the_servers():
    needed = set(re.findall(r"\$\{(\w+)\}", (PROJECT_ROOT / "endpoints.production.yml").read_text()))
    given = set(SERVICES["rasa1"]["environment"])
    assert needed <= given
    assert SERVICES["worker"]["environment"]["HUB_ENDPOINTS"] == "endpoints.production.yml"
    assert SERVICES["rasa1"]["environment"]["HUB_SIMULATOR"] == "off"


def test_the_proxy_sends_the_webhooks_to_both_servers_and_nothing_else():
    conf = (PROJECT_ROOT / "deploy" / "nginx.conf").read_text()
    assert re.findall(r"server (rasa\d):5005", conf) == ["rasa1", "rasa2"]
    assert "location /webhooks/twilio_sms/" in conf and "location /webhooks/twilio_voice/" in conf
    assert "location /webhooks/twilio_status/" in conf  # delivery receipts
    assert "location / { return 404; }" in conf  # not the REST API, the model endpoints or the simulator


def test_no_secret_or_local_state_goes_into_the_image():
    ignored = (PROJECT_ROOT / ".dockerignore").read_text().split()
    assert {".env", ".venv", "models", "var"} <= set(ignored)
    assert "POSTGRES_PASSWORD:?" in (PROJECT_ROOT / "docker-compose.yml").read_text()  # required, never defaulted

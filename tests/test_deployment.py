"""The deployment files hold together (no Docker engine runs here, so they are read, not run):
the compose services use the files and variables that exist, the proxy sends to the Rasa
servers, and nothing secret goes into the image."""
import re

import yaml

from tests.conftest import PROJECT_ROOT

COMPOSE = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def test_two_rasa_servers_an_action_server_two_workers_postgres_redis_and_a_proxy():
    assert {"rasa1", "rasa2", "actions", "worker1", "worker2", "db", "redis", "proxy"} <= set(SERVICES)
    for name in ("rasa1", "rasa2"):
        command = SERVICES[name]["command"]
        assert command[:2] == ["rasa", "run"] and "endpoints.production.yml" in command and "credentials.yml" in command
    for name in ("worker1", "worker2"):
        assert SERVICES[name]["command"] == ["hub", "worker"]
        assert SERVICES[name]["healthcheck"]["test"] == ["CMD", "hub", "worker", "--health"]


def test_every_long_running_service_has_a_health_check():
    """Issue 33, item 6: compose restarts what stops answering, and starts nothing on a dependency
    that is up but not ready (the Rasa servers wait for a healthy action server)."""
    for name, service in SERVICES.items():
        # setup runs once and exits; the nginx image has no HTTP client to ask itself with, and
        # compose restarts it if nginx exits.
        if name not in ("setup", "proxy"):
            assert "healthcheck" in service, name
    assert "urlopen('http://localhost:5055/health')" in SERVICES["actions"]["healthcheck"]["test"][-1]
    assert SERVICES["rasa1"]["depends_on"]["actions"] == {"condition": "service_healthy"}


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
    assert SERVICES["worker1"]["environment"]["HUB_ENDPOINTS"] == "endpoints.production.yml"
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


def test_rasa_telemetry_is_off_wherever_the_hotline_runs(monkeypatch):
    """Rasa reports usage to third parties unless RASA_TELEMETRY_ENABLED says otherwise."""
    import os
    import subprocess

    from dotenv import dotenv_values

    assert dotenv_values(PROJECT_ROOT / ".env.example")["RASA_TELEMETRY_ENABLED"] == "false"
    assert "RASA_TELEMETRY_ENABLED=false" in (PROJECT_ROOT / "Dockerfile").read_text()
    assert COMPOSE["x-hub"]["environment"]["RASA_TELEMETRY_ENABLED"] == "false"
    env = {name: value for name, value in os.environ.items() if name != "RASA_TELEMETRY_ENABLED"}
    made = subprocess.run(["make", "-s", "--no-print-directory", "-f", "-", "-f", "Makefile", "telemetry"],
                          input="telemetry:\n\t@echo $$RASA_TELEMETRY_ENABLED\n", cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, check=True)
    assert made.stdout.strip() == "false"

    from rasa import telemetry

    monkeypatch.setenv("RASA_TELEMETRY_ENABLED", made.stdout.strip())
    assert telemetry.is_telemetry_enabled() is False  # as Rasa reads it


def test_make_run_keeps_rasa_and_the_action_server_off_the_network_unless_configured():
    """Procfile's commands as the shell expands them (honcho runs each through sh)."""
    import os
    import subprocess

    procfile = dict(line.split(": ", 1) for line in (PROJECT_ROOT / "Procfile").read_text().splitlines() if line.strip())

    def expanded(command: str, **env: str) -> str:
        base = {name: value for name, value in os.environ.items() if name != "HUB_BIND_HOST"}
        return subprocess.run(["sh", "-c", f"printf '%s ' {command}"], env={**base, **env}, capture_output=True, text=True, check=True).stdout

    assert "--interface 127.0.0.1 " in expanded(procfile["rasa"])
    assert expanded(procfile["actions"]).startswith("SANIC_HOST=127.0.0.1 ")
    assert "--interface 0.0.0.0 " in expanded(procfile["rasa"], HUB_BIND_HOST="0.0.0.0")
    assert expanded(procfile["actions"], HUB_BIND_HOST="0.0.0.0").startswith("SANIC_HOST=0.0.0.0 ")
    assert "HUB_BIND_HOST=127.0.0.1" in (PROJECT_ROOT / ".env.example").read_text()


def test_make_run_starts_the_hsds_api_only_when_hub_hsds_api_is_on(monkeypatch, capsys):
    """Issue 32, part 3: honcho stops every process when one exits, so an optional process is left
    out of `honcho start NAMES` (`hub processes`) rather than started to exit."""
    from bot.cli import main
    from bot.config import get_settings

    makefile = (PROJECT_ROOT / "Makefile").read_text()
    assert "honcho start -f Procfile $$($(BIN)/hub processes)" in makefile
    procfile = dict(line.split(": ", 1) for line in (PROJECT_ROOT / "Procfile").read_text().splitlines() if line.strip())
    assert procfile["hsds_api"] == "hub directory serve"
    for setting, expected in (("off", "rasa actions worker console"), ("on", "rasa actions worker console hsds_api")):
        monkeypatch.setenv("HUB_HSDS_API", setting)
        get_settings.cache_clear()
        assert main(["processes"]) == 0
        assert capsys.readouterr().out.strip() == expected
    get_settings.cache_clear()


def test_the_image_installs_as_the_makefile_does():
    """No Docker engine builds the image here: its steps are read against the Makefile's, which CI
    runs (the same Python, the same lock, the same pip flags, the same multidict, the same check)."""
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text()
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    python = ".".join((PROJECT_ROOT / ".python-version").read_text().strip().split(".")[:2])
    assert re.findall(r"^FROM (\S+)", dockerfile, re.M) == [f"python:{python}-slim-bookworm"]
    flags = re.search(r"^PIP_INSTALL_FLAGS := (.+)$", makefile, re.M).group(1).strip()
    assert f"pip install {flags} -r requirements.txt" in dockerfile
    assert "MULTIDICT_NO_EXTENSIONS" not in makefile + dockerfile  # the C extension, in both
    install = next(step for step in re.split(r"\n(?=RUN |COPY |ENV |USER |FROM )", dockerfile) if "-r requirements.txt" in step)
    assert "apt-get install -y --no-install-recommends gcc libc6-dev" in install
    assert "apt-get purge -y --auto-remove gcc libc6-dev" in install  # in the same layer: no compiler in the image
    assert "python tools/pip_check.py" in dockerfile and "$(BIN)/python tools/pip_check.py" in makefile
    assert "hub model record --model models/hub.tar.gz" in dockerfile and "hub model record --model $@" in makefile
    assert "hub model check" in SERVICES["setup"]["command"][-1]
    assert not {"tools", "overrides.txt"} & set((PROJECT_ROOT / ".dockerignore").read_text().split())

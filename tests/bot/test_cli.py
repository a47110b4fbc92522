"""The hub command: names, flags and output shapes that other tools rely on."""
import json
import shutil

from bot.cli import main
from bot.config import get_settings
from bot.sms_webhook.signed import parse_twiml_replies, signed_sms_request
from tests.conftest import DEMO_DIRECTORY, TEST_ENV


def test_db_upgrade_then_import_then_search(capsys):
    assert main(["db", "upgrade"]) == 0
    assert main(["directory", "import", str(DEMO_DIRECTORY)]) == 0
    assert "service: 23 new" in capsys.readouterr().out
    assert main(["directory", "search", "--type", "naloxone", "--near", "98104", "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found["type"] == "naloxone" and found["near"] == "98104" and len(found["results"]) == 3
    assert found["results"][0]["name"] == "Downtown Naloxone Vending Machine"
    assert main(["directory", "search", "--type", "naloxone", "--near", "98104"]) == 0
    assert capsys.readouterr().out.startswith("Naloxone (Narcan) near 98104:\n1) ")


def test_a_malformed_package_is_named_and_exits_1(capsys, migrated_db, tmp_path):
    package = tmp_path / "bad"
    shutil.copytree(DEMO_DIRECTORY, package)
    text = (package / "services.csv").read_text(encoding="utf-8").replace(",active,", ",open,", 1)
    (package / "services.csv").write_text(text, encoding="utf-8")
    assert main(["directory", "import", str(package)]) == 1
    err = capsys.readouterr().err
    assert "nothing was written" in err and "services.csv, row 2, field 'status'" in err


def test_search_refuses_an_unknown_type_or_zip(capsys, migrated_db):
    assert main(["directory", "search", "--type", "pizza", "--near", "98104"]) == 2
    assert "unknown --type 'pizza'" in capsys.readouterr().err
    assert main(["directory", "search", "--type", "naloxone", "--near", "00000"]) == 2
    assert "not a known US ZIP code" in capsys.readouterr().err


def test_outbox_json_shape(capsys, migrated_db):
    assert main(["outbox", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"messages": []}
    assert main(["outbox"]) == 0
    assert "the outbox is empty" in capsys.readouterr().out


def test_sms_reports_an_unreachable_hotline(capsys):
    assert main(["sms", "--from", "+12065550142", "--url", "http://127.0.0.1:9", "hi"]) == 1
    assert "cannot reach the hotline" in capsys.readouterr().err


def test_a_missing_secret_is_a_clear_configuration_error(capsys, monkeypatch):
    monkeypatch.delenv("TWILIO_AUTH_TOKEN")
    get_settings.cache_clear()
    assert main(["sms", "--from", "+12065550142", "hi"]) == 2
    assert "TWILIO_AUTH_TOKEN is not set" in capsys.readouterr().err


def test_signed_sms_request_is_shaped_like_twilio():
    params, signature = signed_sms_request(get_settings(), "+12065550142", "hi")
    assert params["MessageSid"].startswith("SM") and len(params["MessageSid"]) == 34
    assert params["To"] == TEST_ENV["HUB_PHONE_NUMBER"] and params["Body"] == "hi" and signature


def test_parse_twiml_replies():
    assert parse_twiml_replies('<?xml version="1.0"?><Response><Message>a</Message><Message>b &amp; c</Message></Response>') == ["a", "b & c"]


def test_roster_commands(capsys, migrated_db):
    assert main(["roster", "add-specialist", "--name", "Ana Ruiz", "--phone", "(206) 555-0111", "--zips", "98104,98122", "--languages", "en,es", "--hours", "MO-FR 08:00-20:00"]) == 0
    assert main(["roster", "add-specialist", "--name", "Ben", "--phone", "+12065550112", "--zips", "98104"]) == 0
    assert main(["roster", "set-coordinator", "--phone", "+12065550119", "--name", "Coordinator Kim"]) == 0
    capsys.readouterr()
    assert main(["roster", "list", "--json"]) == 0
    roster = json.loads(capsys.readouterr().out)["roster"]
    assert [r["name"] for r in roster] == ["Coordinator Kim", "Ana Ruiz", "Ben"]
    assert roster[1] == {"name": "Ana Ruiz", "phone": "+12065550111", "role": "specialist", "zips": ["98104", "98122"],
                         "languages": ["en", "es"], "hours": "MO-FR 08:00-20:00", "off_call": None}
    assert roster[2]["hours"] == "always"
    assert main(["roster", "remove", "--phone", "+12065550112"]) == 0
    assert main(["roster", "remove", "--phone", "+12065550112"]) == 1
    capsys.readouterr()
    assert main(["roster", "list", "--json"]) == 0
    assert "Ben" not in capsys.readouterr().out


def test_roster_refuses_bad_input(capsys, migrated_db):
    assert main(["roster", "add-specialist", "--name", "X", "--phone", "not a phone", "--zips", "98104"]) == 2
    assert main(["roster", "add-specialist", "--name", "X", "--phone", "+12065550111", "--zips", "00000"]) == 2
    assert main(["roster", "add-specialist", "--name", "X", "--phone", "+12065550111", "--zips", "98104", "--hours", "weekdays"]) == 2
    err = capsys.readouterr().err
    assert "--phone" in err and "00000 is not a known US ZIP code" in err and "--hours" in err


def test_handoffs_and_report_show_no_numbers(capsys, migrated_db):
    from bot.db import session_scope
    from bot.handoff import engine

    main(["roster", "add-specialist", "--name", "Ana", "--phone", "+12065550111", "--zips", "98104"])
    with session_scope() as session:
        ref = engine.create_handoff(session, source="community", person_key="h1", consent_by="person", consent_text="yes",
                                    area="98104", person_number="+12065550142").ref
    capsys.readouterr()
    assert main(["handoffs", "--open", "--json"]) == 0
    out = capsys.readouterr().out
    assert json.loads(out)["handoffs"][0]["ref"] == ref and "555" not in out
    assert main(["report", "--json"]) == 0
    out = capsys.readouterr().out
    figures = json.loads(out)
    assert figures["handoffs"] == 1 and figures["by_source"] == {"community": 1} and "555" not in out
    assert main(["report", "--since", "yesterday"]) == 2


def test_officers_are_registered_listed_and_removed(capsys, migrated_db):
    assert main(["roster", "add-officer", "--name", "Ofc. Lee", "--phone", "+12065550181", "--agency", "Seattle PD"]) == 0
    assert main(["roster", "add-officer", "--name", "Again", "--phone", "+12065550181", "--agency", "Seattle PD"]) == 1
    capsys.readouterr()
    assert main(["roster", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["roster"] == [{"name": "Ofc. Lee", "phone": "+12065550181", "role": "officer", "agency": "Seattle PD",
                                                                 "kind": "police", "pin": "none"}]
    assert main(["roster", "remove", "--phone", "+12065550181"]) == 0
    capsys.readouterr()
    main(["roster", "list", "--json"])
    assert json.loads(capsys.readouterr().out)["roster"] == []


def test_simulator_says_where_the_page_is_or_why_it_is_off(capsys, monkeypatch):
    assert main(["simulator"]) == 0
    assert capsys.readouterr().out.startswith("Simulator: http://localhost:5005/webhooks/simulator/")
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC" + "1" * 32)
    monkeypatch.setenv("HUB_TRANSPORT", "twilio")
    get_settings.cache_clear()
    assert main(["simulator"]) == 0
    assert capsys.readouterr().out.startswith("Simulator: off (a Twilio account is configured")
    monkeypatch.setenv("HUB_SIMULATOR", "on")
    get_settings.cache_clear()
    assert main(["simulator", "--url", "http://127.0.0.1:5006/"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Simulator: http://127.0.0.1:5006/webhooks/simulator/") and "really go out by SMS" in out


def test_purge_reports_counts_and_names_a_bad_retention_setting(capsys, migrated_db, monkeypatch, tmp_path):
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(f'tracker_store:\n  type: SQL\n  dialect: "sqlite"\n  db: "{tmp_path / "tracker.db"}"\n')
    monkeypatch.setenv("HUB_ENDPOINTS", str(endpoints))
    get_settings.cache_clear()
    assert main(["purge", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"retention_days": 30, "purged": {
        "outbox_messages": 0, "handoffs": 0, "contact_numbers": 0, "inbound_messages": 0, "tracker_events": 0}}
    monkeypatch.setenv("HUB_RETENTION_DAYS", "0")
    get_settings.cache_clear()
    assert main(["purge"]) != 0
    assert "HUB_RETENTION_DAYS must be between 1 and 3650" in capsys.readouterr().err
    monkeypatch.delenv("HUB_RETENTION_DAYS")
    get_settings.cache_clear()


def test_env_init_creates_dotenv_readable_by_its_owner_only(tmp_path, monkeypatch, capsys):
    """The secrets are never readable by others, not even for the moment between writing the
    file and restricting it (so a chmod after the write does not count)."""
    import os
    import stat
    from pathlib import Path

    import bot.ops.commands

    shutil.copy(bot.ops.commands.PROJECT_ROOT / ".env.example", tmp_path / ".env.example")
    monkeypatch.setattr(bot.ops.commands, "PROJECT_ROOT", tmp_path)
    monkeypatch.setattr(Path, "chmod", lambda self, mode: None)
    previous = os.umask(0o022)
    try:
        assert main(["env", "init"]) == 0
    finally:
        os.umask(previous)
    written = tmp_path / ".env"
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    assert len(next(line for line in written.read_text().splitlines() if line.startswith("HUB_SECRET_KEY="))) > 40
    assert main(["env", "init"]) == 0 and ".env exists" in capsys.readouterr().out


def test_an_officer_is_registered_with_a_pin_kept_only_as_a_hash(capsys, migrated_db):
    from sqlalchemy import select

    from bot.db import session_scope
    from bot.db.models import Officer
    from bot.handoff.officer_check import pin_matches

    args = ["roster", "add-officer", "--name", "Ofc. Lee", "--phone", "+12065550181", "--agency", "Seattle PD"]
    assert main(args + ["--pin", "12"]) == 2 and "4 to 8 digits" in capsys.readouterr().err
    assert main(args + ["--pin", "4821"]) == 0
    assert main(args + ["--pin", "7700"]) == 0 and "new PIN" in capsys.readouterr().out
    with session_scope() as session:
        officer = session.scalar(select(Officer).where(Officer.phone == "+12065550181"))
        assert "7700" not in officer.pin_hash and pin_matches(officer.pin_hash, "7700") and not pin_matches(officer.pin_hash, "4821")
    assert main(args) == 1  # already registered, nothing to change
    capsys.readouterr()
    assert main(["roster", "list"]) == 0 and "PIN set" in capsys.readouterr().out
    with session_scope() as session:
        session.scalar(select(Officer)).pin_failures = 5
    assert main(["roster", "list"]) == 0 and "PIN locked" in capsys.readouterr().out


def test_ems_and_fire_crews_are_registered_as_such_and_a_bad_kind_is_refused(capsys, migrated_db):
    from sqlalchemy import select

    from bot.db import session_scope
    from bot.db.models import Officer

    def register(phone, *kind):
        return main(["roster", "add-officer", "--name", "Crew", "--phone", phone, "--agency", "Seattle Fire", *kind])

    assert register("+12065550184", "--kind", "ems") == 0 and "(ems)" in capsys.readouterr().out
    assert register("+12065550185", "--kind", "FIRE") == 0
    assert register("+12065550186") == 0 and "(police)" in capsys.readouterr().out
    for bad in ("paramedic", "🚑", "x" * 1600):
        assert register("+12065550187", "--kind", bad) == 2
        err = capsys.readouterr().err
        assert "--kind: " in err and "use one of: police, ems, fire" in err
    assert register("+12065550187", "--kind", "") == 0  # empty: the default
    with session_scope() as session:
        kinds = dict(session.execute(select(Officer.phone, Officer.kind)).all())
    assert kinds == {"+12065550184": "ems", "+12065550185": "fire", "+12065550186": "police", "+12065550187": "police"}
    capsys.readouterr()
    assert main(["roster", "list"]) == 0 and "Seattle Fire (ems)" in capsys.readouterr().out


# --- one home per command group (bot/cli.py imports them; they never import it) ---------------

PARSER_ONLY = """
import json, sys
import bot.cli
bot.cli.build_parser()
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def test_building_the_parser_loads_none_of_the_libraries_the_handlers_use(tmp_path):
    """Every `hub` command, `hub sms --help` included, builds the whole parser first: the command
    modules import what their handlers need in the handlers."""
    import os
    import subprocess
    import sys

    from tests.conftest import PROJECT_ROOT

    done = subprocess.run([sys.executable, "-c", PARSER_ONLY], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          env={**os.environ, "HUB_ENV_FILE": os.devnull}, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    heavy = {"sqlalchemy", "alembic", "rasa", "rasa_sdk", "tensorflow", "twilio", "requests", "sanic", "aiohttp", "tqdm"}
    assert loaded & heavy == set()


def bot_imports() -> dict[str, set[str]]:
    """Module -> the bot modules it imports, anywhere in it (in functions, under TYPE_CHECKING)."""
    import ast

    from tests.conftest import PROJECT_ROOT

    paths = {".".join(path.relative_to(PROJECT_ROOT).with_suffix("").parts).removesuffix(".__init__"): path
             for path in (PROJECT_ROOT / "bot").rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for module, path in paths.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        imported: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1]) if node.level else ""
                source = ".".join(part for part in (base, node.module or "") if part)
                imported.update(f"{source}.{alias.name}" if f"{source}.{alias.name}" in paths else source
                                for alias in node.names)
        graph[module] = {name for name in imported if name in paths and name != module}
    return graph


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for name in graph[todo.pop()] - seen:
            seen.add(name)
            todo.append(name)
    return seen


def test_no_command_module_imports_the_cli_and_none_is_in_an_import_cycle():
    graph = bot_imports()
    assert {module for module, imported in graph.items() if "bot.cli" in imported} == {"bot.__main__"}
    assert graph["bot.cli_support"] == set()
    command_modules = graph["bot.cli"] - {"bot.cli_support", "bot.config"}
    assert {"bot.directory.commands", "bot.handoff.commands", "bot.sms_webhook.commands", "bot.worker_commands",
            "bot.ops.commands"} <= command_modules
    for module in {"bot.cli", "bot.cli_support", *command_modules}:
        # In a cycle when something it imports, however indirectly, imports it back.
        back = sorted(name for name in reachable(graph, module) if module in reachable(graph, name))
        assert back == [], f"{module} is in an import cycle with {back}"

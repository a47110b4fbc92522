"""The line on Python 3.11 although Rasa 3.6.21 declares Python below 3.11 (issue 30,
docs/deployment.md "Python"): the traps that were found guarded, and a model trained on 3.10
read the same here."""
import ast
import json
import os
import re
import subprocess
import sys

import pytest
import yaml

from tests.conftest import PROJECT_ROOT

FIXTURE = PROJECT_ROOT / "tests" / "data" / "model310" / "model310.tar.gz"
CONFIGS = [PROJECT_ROOT / "config.yml", PROJECT_ROOT / "tests" / "e2e" / "config_ci.yml"]
ENV = {**os.environ, "HUB_ENV_FILE": os.devnull, "SQLALCHEMY_SILENCE_UBER_WARNING": "1", "RASA_TELEMETRY_ENABLED": "false",
       "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONWARNINGS": "ignore"}


def test_the_line_runs_on_python_3_11():
    assert sys.version_info[:2] == (3, 11)
    assert (PROJECT_ROOT / ".python-version").read_text().strip().startswith(f"{sys.version_info[0]}.{sys.version_info[1]}.")


def test_multidict_runs_with_its_c_extension():
    """multidict 5.2.0 has no cp311 wheel and is built from source; built pure (no compiler, or
    MULTIDICT_NO_EXTENSIONS) the hotline's turn was 1.37x slower (bench/RESULTS.md)."""
    from importlib import import_module

    multidict = import_module("multidict")  # Sanic's and aiohttp's, not the line's own import
    assert multidict.MultiDict.__module__ == "multidict._multidict", "multidict is pure Python here: install a C compiler and reinstall it"


# --- f-strings of (str, Enum) members ----------------------------------------------------------

def crf_configs():
    for path in CONFIGS:
        for component in yaml.safe_load(path.read_text())["pipeline"]:
            if component["name"] == "CRFEntityExtractor":
                yield pytest.param(component, id=path.name)


@pytest.mark.parametrize("component", list(crf_configs()))
def test_the_crf_feature_names_print_as_plain_words(component):
    """On 3.11 f"{member}" of a (str, Enum) prints `Class.MEMBER`: Rasa's default CRF features (enum
    members) would become `0:CRFEntityExtractorOptions.LOW` and the model would silently lose the
    entity accuracy a 3.10 model had. The configs list them as plain strings; this keeps them so."""
    from rasa.nlu.extractors.crf_entity_extractor import CRFEntityExtractor, CRFToken

    config = {**CRFEntityExtractor.get_default_config(), **{k: v for k, v in component.items() if k != "name"}}
    assert "features" in component, "config.yml must list the CRF features as plain strings (Rasa's default ones are enum members)"
    tokens = [CRFToken(text=word, pos_tag="", pattern={"zipcode": False}, dense_features=None, entity_tag="O",
                       entity_role_tag="O", entity_group_tag="O") for word in ("Narcan", "near", "98104")]
    names = {name for features in CRFEntityExtractor._crf_tokens_to_features(tokens, config) for name in features}
    assert names, "no CRF feature at all"
    wrong = sorted(name for name in names if not re.fullmatch(r"(-?\d+:[a-z0-9_]+(:\w+)?)|BOS|EOS", name))
    assert not wrong, f"CRF feature names that are not plain words: {wrong[:5]}"


def test_an_enum_member_in_an_f_string_is_the_trap_this_guards():
    """If this ever fails, Python prints the value again and the guard above could be relaxed."""
    from rasa.nlu.extractors.crf_entity_extractor import CRFEntityExtractorOptions

    assert f"{CRFEntityExtractorOptions.LOW}" == "CRFEntityExtractorOptions.LOW"


# --- Sanic 21.12's bare coroutines to asyncio.wait ----------------------------------------------

SERVER_APP = """
import json, sys
from rasa.core import run
channels = run.create_http_input_channels(None, "credentials.yml")
app = run.configure_app(channels, enable_api=True, endpoints=None)
routes = [route for route in app.router.routes]
print(json.dumps({
    "channels": [type(channel).__module__ + "." + type(channel).__name__ for channel in channels],
    "websocket_enabled": app.websocket_enabled,
    "websocket_routes": [route.path for route in routes if getattr(route.ctx, "websocket", False)
                         or getattr(route.handler, "is_websocket", False)],
    "routes": len(routes),
}))
"""


def test_no_websocket_route_or_channel_on_the_rasa_server():
    """Sanic 21.12's websocket code passes bare coroutines to asyncio.wait, which 3.11 refuses: a
    websocket route (Rasa's socketio channel, a channel's @blueprint.websocket) would fail on its
    first connection. Sanic imports its websocket module itself, so the app is built as `rasa run`
    builds it, with the channels of credentials.yml, and its routes are read."""
    credentials = yaml.safe_load((PROJECT_ROOT / "credentials.yml").read_text())
    assert not {"socketio", "rasa.core.channels.socketio.SocketIOInput"} & set(credentials)
    env = {**ENV, "HUB_SECRET_KEY": "s" * 64, "TWILIO_AUTH_TOKEN": "t" * 32}
    done = subprocess.run([sys.executable, "-c", SERVER_APP], cwd=PROJECT_ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    app = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(app["channels"]) == len(credentials) and app["routes"] > len(credentials)
    assert app["websocket_routes"] == [] and app["websocket_enabled"] is False


def calls_in(folders, names):
    found = []
    for folder in folders:
        for path in (PROJECT_ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in names:
                    found.append(f"{path.relative_to(PROJECT_ROOT)}:{node.lineno} .{node.func.attr}(")
    return found


def test_no_code_of_the_line_uses_sanics_websockets_or_blueprint_event():
    """`Blueprint.event` is Sanic 21.12's other bare-coroutine asyncio.wait; `app.event` too."""
    found = calls_in(("bot", "actions"), {"websocket", "add_websocket_route", "enable_websocket", "event"})
    assert not found, f"fails on Python 3.11 with Sanic 21.12: {found}"


# --- what needs Rasa ----------------------------------------------------------------------------

NO_RASA = """
import importlib, pkgutil, sys
import bot.cli, bot.worker, bot.notify.transports, bot.console, bot.ops
for package in (bot.console, bot.ops):
    for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        importlib.import_module(module.name)
bot.cli.build_parser()
print(sorted(name for name in sys.modules if name.split(".")[0] in ("rasa", "rasa_sdk", "tensorflow")))
"""


def test_the_worker_the_console_and_hub_need_no_rasa():
    """Only the Rasa and action servers need Rasa: the rest can move past Rasa's Python range
    (docs/deployment.md, "Python"). `hub model check` imports it when it runs, not before."""
    done = subprocess.run([sys.executable, "-c", NO_RASA], cwd=PROJECT_ROOT, env=ENV, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"


# --- a model trained on 3.10 --------------------------------------------------------------------

def test_the_3_10_model_fixture_is_small_and_recorded_on_3_10():
    assert FIXTURE.stat().st_size < 2 * 1024 * 1024, "the one committed model must stay under 2 MB"
    from bot.ops.model_check import record_path, sha256

    document = json.loads(record_path(FIXTURE).read_text())
    assert document["recorded_with"]["python"].startswith("3.10.")
    assert document["sha256"] == sha256(FIXTURE)
    assert len(document["sample"]) >= 10 and any(entry["entities"] for entry in document["sample"])


def test_a_model_trained_on_3_10_reads_the_same_on_3_11(tmp_path):
    """An upgrade in place needs no retraining: the 3.10 model, loaded here, gives each recorded
    text the same intent and confidence (and the CRF the same entities). Through `hub model
    check --strict`, as deploy runs it (without --strict)."""
    done = subprocess.run([sys.executable, "-m", "bot", "model", "check", "--strict", "--model", str(FIXTURE)],
                          cwd=PROJECT_ROOT, env=ENV, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    assert "the same intents for all 12 texts" in done.stdout and "recorded on Python 3.10" in done.stdout


def test_model_check_records_an_unrecorded_model_then_finds_a_changed_one(tmp_path):
    from bot.ops import model_check

    model = tmp_path / "copy.tar.gz"
    model.write_bytes(FIXTURE.read_bytes())
    outcome = model_check.check(model, ["hi", "no respira", "where can I get narcan near 98104"])
    assert outcome.status == "recorded", outcome.lines
    document = json.loads(model_check.record_path(model).read_text())
    assert document["recorded_with"]["python"] == ".".join(map(str, sys.version_info[:3]))
    assert [entry["intent"] for entry in document["sample"]] == ["greet", "emergency", "find_service"]

    document["sample"][1]["intent"] = "thanks"  # as if this Python read the model otherwise
    document["sample"][2]["confidence"] -= 0.2
    model_check.record_path(model).write_text(json.dumps(document))
    outcome = model_check.check(model)
    assert outcome.status == "different" and not outcome.ok
    assert len(outcome.lines) == 3 and "'no respira': intent thanks when recorded, emergency now" in outcome.lines[1]


def test_model_check_warns_and_never_fails_without_strict(tmp_path, capsys):
    from argparse import Namespace

    from bot.ops import model_check

    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(b"not a model")
    assert model_check.cmd_model_check(Namespace(model=str(broken), strict=False)) == 0
    assert "WARNING" in capsys.readouterr().err
    assert model_check.cmd_model_check(Namespace(model=str(tmp_path / "missing.tar.gz"), strict=False)) == 0
    assert model_check.cmd_model_check(Namespace(model=str(broken), strict=True)) == 1


def test_model_check_compares_within_the_tolerance():
    from bot.ops.model_check import compare

    before = [{"text": "hi", "intent": "greet", "confidence": 0.91, "entities": []}]
    assert compare(before, [{**before[0], "confidence": 0.915}]) == []
    assert compare(before, [{**before[0], "confidence": 0.85}])
    assert compare(before, [{**before[0], "entities": ["service_type"]}])


def test_model_check_works_where_an_event_loop_is_already_running(tmp_path):
    # Seen in the fresh-clone run: a loop left running in the thread made asyncio.run refuse, and
    # the check reported a sound model as one that "could not be loaded".
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from bot.ops import model_check

    model = tmp_path / "copy.tar.gz"
    model.write_bytes(FIXTURE.read_bytes())

    async def from_inside_a_loop():
        return model_check.check(model, ["hi", "no respira"])

    # The loop runs in a thread of its own: the test suite's main thread may hold a loop already
    # (an earlier test leaves one in the full run), and asyncio.run would refuse there before the
    # check is reached.
    with ThreadPoolExecutor(1) as pool:
        outcome = pool.submit(asyncio.run, from_inside_a_loop()).result()
    assert outcome.status == "recorded", outcome.lines

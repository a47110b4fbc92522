"""`hub sms` and `hub simulator` (bot/sms_webhook/commands.py)."""
import json
import os
import subprocess
import sys

from bot.sms_webhook.signed import SIMULATOR_PAGE_PATH
from tests.conftest import PROJECT_ROOT, TEST_ENV

# A stand-in hotline on a free port answers one signed webhook with TwiML; `hub sms` sends it one
# SMS, then says which modules it had loaded and what the stand-in received.
SMS_TO_A_STAND_IN = """
import json, sys, threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs

received = []

class Hotline(BaseHTTPRequestHandler):
    def do_POST(self):
        form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        received.append({"path": self.path, "body": form["Body"][0], "signed": bool(self.headers["X-Twilio-Signature"])})
        answer = b"<?xml version='1.0' encoding='UTF-8'?><Response><Message>Naloxone near you</Message></Response>"
        self.send_response(200)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass

server = HTTPServer(("127.0.0.1", 0), Hotline)
threading.Thread(target=server.serve_forever, daemon=True).start()

from bot.cli import main

code = main(["sms", "--from", "+12065550142", "--url", f"http://127.0.0.1:{server.server_port}", "--json", "naloxone"])
server.shutdown()
print(json.dumps({"code": code, "received": received,
                  "heavy": sorted({name.split(".")[0] for name in sys.modules} & {"rasa", "rasa_sdk", "tensorflow"})}))
"""

SIMULATOR = """
import json, sys
from bot.cli import main

code = main(["simulator"])
print(json.dumps({"code": code,
                  "heavy": sorted({name.split(".")[0] for name in sys.modules} & {"rasa", "rasa_sdk", "tensorflow"})}))
"""


def hub(script, tmp_path):
    env = {**os.environ, **TEST_ENV, "HUB_DATABASE_URL": f"sqlite:///{tmp_path / 'hub.db'}", "PYTHONWARNINGS": "ignore"}
    done = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip().splitlines()


def test_hub_sms_signs_and_posts_without_loading_rasa_or_tensorflow(tmp_path):
    """`hub sms` signs one webhook and posts it: loading Rasa, and with it TensorFlow, for that
    took about 5 s a call and printed pages of warnings."""
    lines = hub(SMS_TO_A_STAND_IN, tmp_path)
    outcome = json.loads(lines[-1])
    assert outcome["code"] == 0 and json.loads(lines[-2]) == {"replies": ["Naloxone near you"], "late": []}
    assert outcome["received"] == [{"path": "/webhooks/twilio_sms/webhook", "body": "naloxone", "signed": True}]
    assert outcome["heavy"] == []


def test_hub_simulator_says_where_the_page_is_without_loading_rasa(tmp_path):
    """`make run` runs it before the servers start."""
    lines = hub(SIMULATOR, tmp_path)
    assert lines[0].startswith(f"Simulator: http://localhost:5005{SIMULATOR_PAGE_PATH}  (three phones")
    assert json.loads(lines[-1]) == {"code": 0, "heavy": []}


def test_the_page_path_is_where_rasa_mounts_the_simulator_channel():
    from bot.channels.simulator import SimulatorInput

    assert SIMULATOR_PAGE_PATH == f"/webhooks/{SimulatorInput.name()}/"

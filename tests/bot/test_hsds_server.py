"""`hub directory serve` (issue 32, part 3): the directory as a read-only HSDS 3.0 API, a process
of its own on the demo directory. Every answer is checked against the specification's compiled
JSON Schemas (../shared/hsds/schema/compiled) and holds no field they do not name; the API is GET
only and allows 60 requests a minute per client address (behind HUB_TRUSTED_PROXY, the address
the proxy saw); and what it serves imports back through `hub directory import --api` with no
warning."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import requests

from tests.conftest import DEMO_DIRECTORY, PROJECT_ROOT, TEST_ENV
from tests.servers import free_port, wait_until_up

BIN = Path(sys.executable).parent
SCHEMAS = PROJECT_ROOT.parent / "shared" / "hsds" / "schema"
needs_schemas = pytest.mark.skipif(not SCHEMAS.is_dir(), reason=f"the HSDS JSON Schemas are not at {SCHEMAS}")


class Api:
    def __init__(self, url: str, env: dict) -> None:
        self.url, self.env = url, env
        self.client = 0

    def get(self, path: str, **kwargs) -> requests.Response:
        """As a client of its own (X-Forwarded-For, the API trusting 127.0.0.1 as its proxy), so
        that one test's requests do not count against another's minute."""
        self.client += 1
        headers = {"X-Forwarded-For": f"198.51.100.{self.client % 250}, 203.0.113.{self.client // 250}"}
        return requests.get(self.url + path, headers={**headers, **kwargs.pop("headers", {})}, timeout=30, **kwargs)

    def hub(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(BIN / "hub"), *args], env=self.env, cwd=PROJECT_ROOT, capture_output=True, text=True)


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    work = tmp_path_factory.mktemp("hsds-api")
    port = free_port()
    env = {**TEST_ENV, "PATH": str(BIN) + ":/usr/bin:/bin", "PYTHONPATH": str(PROJECT_ROOT),
           "HUB_DATABASE_URL": f"sqlite:///{work / 'hub.db'}", "HUB_HSDS_API_PORT": str(port),
           "HUB_BIND_HOST": "127.0.0.1", "HUB_TRUSTED_PROXY": "127.0.0.1"}
    running = Api(f"http://127.0.0.1:{port}", env)
    for command in (["db", "upgrade"], ["directory", "import", str(DEMO_DIRECTORY), "--quiet"]):
        assert running.hub(*command).returncode == 0
    log = work / "api.log"
    process = subprocess.Popen([str(BIN / "hub"), "directory", "serve"], env=env, cwd=PROJECT_ROOT, stdout=log.open("w"),
                               stderr=subprocess.STDOUT)
    try:
        wait_until_up(running.url + "/", process, log, seconds=60)
        yield running
    finally:
        process.terminate()
        process.wait(timeout=20)


def schema(name: str) -> dict:
    return json.loads((SCHEMAS / "compiled" / f"{name}.json").read_text(encoding="utf-8"))


def unnamed_fields(record, spec: dict, path: str = "") -> list[str]:
    """Fields of `record` that `spec` (a compiled schema) does not name, anywhere in it."""
    out = []
    properties = spec.get("properties", {})
    for key, value in record.items():
        if key not in properties:
            out.append(path + key)
            continue
        inner = properties[key]
        if isinstance(value, dict):
            out += unnamed_fields(value, inner, f"{path}{key}.")
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    out += unnamed_fields(item, inner.get("items", {}), f"{path}{key}[].")
    return out


def demo_services() -> int:
    with (DEMO_DIRECTORY / "services.csv").open(encoding="utf-8") as f:
        return sum(1 for _ in f) - 1


def test_the_root_names_the_hsds_version(api):
    answer = api.get("/")
    assert answer.status_code == 200 and answer.json()["version"] == "3.0"
    assert answer.json()["openapi_url"].endswith("openapi.json")


@needs_schemas
def test_every_page_of_full_services_is_valid_hsds(api):
    service_schema = schema("service")
    seen, page = [], 1
    while True:
        envelope = api.get("/services", params={"page": page, "per_page": 7, "full": "true"}).json()
        assert envelope["page_number"] == page and envelope["size"] == len(envelope["contents"])
        for record in envelope["contents"]:
            jsonschema.validate(record, service_schema)
            assert unnamed_fields(record, service_schema) == [], record["id"]
        seen += [record["id"] for record in envelope["contents"]]
        if envelope["last_page"]:
            break
        page += 1
    assert envelope["total_items"] == demo_services() == len(seen) == len(set(seen))
    assert envelope["total_pages"] == page == -(-demo_services() // 7)
    with_places = [r for r in api.get("/services", params={"full": "true", "per_page": 200}).json()["contents"]
                   if r["service_at_locations"]]
    assert with_places and all(link["location"]["addresses"] for r in with_places for link in r["service_at_locations"])


@needs_schemas
def test_list_items_are_the_one_to_one_fields_and_each_service_is_served_whole(api):
    envelope = api.get("/services").json()
    assert envelope["first_page"] is True and len(envelope["contents"]) == min(50, demo_services())
    first = envelope["contents"][0]
    assert "service_at_locations" not in first and "organization" not in first
    jsonschema.validate(first, schema("service_list"))
    whole = api.get(f"/services/{first['id']}")
    assert whole.status_code == 200
    jsonschema.validate(whole.json(), schema("service"))
    assert whole.json()["organization"]["id"] == first["organization_id"]


def test_bad_requests_get_a_clear_status(api):
    assert api.get("/services/no-such-service").status_code == 404
    assert api.get("/services", params={"page": "0"}).status_code == 400
    assert api.get("/services", params={"page": "two"}).json()["detail"] == "page must be a whole number"
    assert api.get("/services", params={"per_page": "-3"}).status_code == 400
    assert len(api.get("/services", params={"per_page": "100000"}).json()["contents"]) == min(200, demo_services())
    past = api.get("/services", params={"page": "999"}).json()
    assert past["contents"] == [] and past["empty"] is True
    assert api.get("/reports").status_code == 404
    for method in (requests.post, requests.put, requests.delete, requests.patch):
        answer = method(api.url + "/services", json={"name": "x"}, timeout=10, headers={"X-Forwarded-For": "198.51.100.251"})
        assert answer.status_code == 405 and "read-only" in answer.json()["detail"]


def test_sixty_requests_a_minute_per_address(api):
    headers = {"X-Forwarded-For": "192.0.2.77"}
    answers = [requests.get(api.url + "/", headers=headers, timeout=10) for _ in range(61)]
    assert [a.status_code for a in answers[:60]] == [200] * 60
    assert answers[60].status_code == 429 and int(answers[60].headers["Retry-After"]) >= 1
    assert requests.get(api.url + "/", headers={"X-Forwarded-For": "192.0.2.78"}, timeout=10).status_code == 200


def test_it_serves_public_listing_data_only(api):
    text = api.get("/services", params={"full": "true", "per_page": 200}).text
    for private in ("hub_code", "verified_on", "feed", "missing_since", "outside_us", "time_zone", "reported"):
        assert f'"{private}"' not in text


def test_what_it_serves_imports_back_with_no_warning(api, tmp_path):
    env = {**api.env, "HUB_DATABASE_URL": f"sqlite:///{tmp_path / 'copy.db'}"}
    copy = Api(api.url, env)
    assert copy.hub("db", "upgrade").returncode == 0
    done = copy.hub("directory", "import", "--api", api.url, "--json", "--quiet")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["warnings"] == [] and out["skipped"] == {}
    assert out["inserted"]["service"] == demo_services()
    assert out["typed_services"] == demo_services()  # every hotline type came through its attribute

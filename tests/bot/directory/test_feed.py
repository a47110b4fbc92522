"""`hub directory import --api URL` (issue 32, part 2): an HSDS 3.0 API feed read page by page
(bot/directory/feed.py), its records flattened into a package's rows (bot/directory/hsds_records.py)
and imported as a package is. Against a local server built from Open Referral's mock API
(tests/bot/directory/feed_server.py): paging with and without totals, list items fetched whole,
a 500 in the middle, a page that is not JSON, a slow server, a feed too large. A feed that fails
leaves the directory as it was."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from bot.cli import main
from bot.db import session_scope
from bot.db.models import Attribute, DirectoryRefresh, Location, Phone, Service, ServiceAtLocation
from bot.directory import feed as feed_module
from bot.directory.feed import FeedError, FeedLimits, read_feed
from bot.directory.hsds import HsdsValidationError
from tests.bot.directory.feed_server import MOCK_API, MOCK_SERVICE_ID, FeedServer, services_like_the_mock

needs_mock = pytest.mark.skipif(not MOCK_API.is_dir(), reason=f"Open Referral's mock API records are not at {MOCK_API}")
pytestmark = needs_mock


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch):
    """Retries without the real backoff's seconds; how long they would have waited is kept."""
    waits: list[float] = []
    monkeypatch.setattr(feed_module, "_sleep", waits.append)
    return waits


@pytest.fixture
def server():
    with FeedServer() as running:
        yield running


def import_api(url, capsys, *extra) -> tuple[int, dict]:
    status = main(["directory", "import", "--api", url, "--json", "--quiet", *extra])
    return status, json.loads(capsys.readouterr().out)


def count(model, *where) -> int:
    with session_scope() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def test_the_mock_apis_service_imports_through_the_command(migrated_db, server, capsys):
    status, out = import_api(server.url, capsys)
    assert status == 0 and out["imported"] is True
    assert out["inserted"]["service"] == 1 and out["inserted"]["location"] == 1
    assert out["feed"] == {"pages": 1, "services": 1, "followed": 0, "retried": 0}
    with session_scope() as session:
        service = session.get(Service, MOCK_SERVICE_ID)
        assert service.feed == server.url and service.status == "active" and service.minimum_age == 12
        [link] = session.scalars(select(ServiceAtLocation))
        assert (link.service_id, link.location_id) == (MOCK_SERVICE_ID, "3a19ff88-4620-4d17-9830-ac1d859eb5d5")
        phone = session.get(Phone, "1554f2e2-a373-45db-a3fa-9fc48a61c15e")
        assert phone.number == "+44 1234 234567"  # its quotes gone (bot/directory/publisher_values.py)
        [attribute] = session.scalars(select(Attribute))
        assert (attribute.link_id, attribute.link_entity) == (MOCK_SERVICE_ID, "service")  # where it was nested
    # What HSDS 3.0 does not name is set aside, with where in the feed it was found.
    aside = {(w["file"], w["row"], w["field"]) for w in out["warnings"] if "set aside" in w["message"]}
    assert ("services page 1", 1, "capacities") in aside
    assert ("services page 1", 1, "additional_urls") in aside
    assert ("services page 1", 1, "attributes[0].label") in aside
    # The mock's own broken link (its organization's parent), named by the path to it.
    assert all(w["file"].startswith("services page 1") or "in the feed" in w["file"] for w in out["warnings"])


@pytest.mark.parametrize("envelope", ["full", "last_page", "none", "ignores_page"])
def test_paging_stops_where_the_feed_says_or_at_an_empty_page(migrated_db, server, envelope):
    server.services = services_like_the_mock(7)
    server.envelope = envelope
    read = read_feed(server.url, per_page=3)
    assert read.services == 7 if envelope != "ignores_page" else read.services == 3
    asked = [path for path in server.requests if path.startswith("/services?")]
    # full and last_page: 3 pages; none: the empty 4th says it is done; a server that ignores the
    # page sends page 1 again, and the reader stops rather than read it forever.
    assert len(asked) == {"full": 3, "last_page": 3, "none": 4, "ignores_page": 2}[envelope]
    assert all("full=true" in path and "per_page=3" in path for path in asked)
    assert len({row["id"] for row in read.package.rows("service")}) == read.services


def test_list_items_that_are_not_full_records_are_fetched_whole(migrated_db, server, capsys):
    server.services = services_like_the_mock(3)
    server.list_items_only = True
    status, out = import_api(server.url, capsys)
    assert status == 0 and out["feed"]["followed"] == 3 and out["inserted"]["location"] == 3
    assert sum(path.startswith("/services/") for path in server.requests) == 3


def test_a_500_in_the_middle_is_tried_again_with_backoff(migrated_db, server, capsys, no_backoff):
    server.services = services_like_the_mock(4)
    server.fail = {2: [500, 503]}
    read = read_feed(server.url, per_page=2)
    assert read.services == 4 and read.retried == 2
    assert no_backoff == [1.0, 2.0]


def test_a_rate_limit_is_waited_out_as_the_feed_asks_and_is_no_failure(migrated_db, server, no_backoff):
    server.services = services_like_the_mock(4)
    server.fail = {2: [(429, {"Retry-After": "7"}), (429, {"Retry-After": "2"}), 503]}
    read = read_feed(server.url, FeedLimits(retries=1), per_page=2)
    assert read.services == 4 and read.retried == 1  # the 503 alone counted against HUB_FEED_RETRIES
    assert no_backoff == [7.0, 2.0, 1.0]


def test_a_feed_that_keeps_failing_leaves_the_directory_as_it_was(migrated_db, server, capsys, monkeypatch):
    server.services = services_like_the_mock(4)
    assert import_api(server.url, capsys)[0] == 0
    server.services = services_like_the_mock(2)  # would make two inactive, if it were read
    server.fail = {1: [500] * 10}
    monkeypatch.setenv("HUB_FEED_RETRIES", "2")
    from bot.config import get_settings
    get_settings.cache_clear()
    status, out = import_api(server.url, capsys)
    assert status == 1 and out["imported"] is False
    [problem] = out["problems"]
    assert "answered HTTP 500, 3 times" in problem["message"] and "/services?page=1" in problem["message"]
    assert count(Service, Service.status == "active") == 4
    with session_scope() as session:
        outcomes = [r.outcome for r in session.scalars(select(DirectoryRefresh).order_by(DirectoryRefresh.id))]
    assert outcomes == ["applied", "failed"]


def test_a_page_that_is_not_json_fails_the_read_by_name(migrated_db, server, capsys):
    server.services = services_like_the_mock(4)
    server.not_json = {1}
    assert main(["directory", "import", "--api", server.url, "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "page=1" in err and "is not JSON" in err and "left as it was" in err
    assert count(Service) == 0 and count(Location) == 0


@pytest.mark.parametrize("body", [{"services": []}, {"contents": "everything"}, "a string"])
def test_a_page_that_is_not_an_hsds_page_is_refused(migrated_db, server, body):
    server.answer = lambda path: (200, body)  # type: ignore[method-assign]
    with pytest.raises(FeedError, match="has no 'contents' list"):
        read_feed(server.url)


def test_records_that_are_not_services_refuse_the_feed_by_page_and_item(migrated_db, server):
    server.answer = lambda path: (200, {"contents": ["not", "records"], "last_page": True})  # type: ignore[method-assign]
    with pytest.raises(HsdsValidationError) as caught:
        read_feed(server.url)
    assert "has no service records" in str(caught.value)
    assert ("services page 1", 2) in {(w.file, w.row) for w in caught.value.warnings}


def test_a_slow_server_times_out_after_hub_feed_timeout(migrated_db, server):
    server.delay = 2.0
    with pytest.raises(FeedError, match=r"no answer within 0.3 s \(HUB_FEED_TIMEOUT\), 2 times"):
        read_feed(server.url, FeedLimits(timeout_seconds=0.3, retries=1))


def test_a_feed_larger_than_hub_feed_max_mb_is_refused(migrated_db, server):
    server.services = services_like_the_mock(40)
    with pytest.raises(FeedError, match="larger than 0 MB|HUB_FEED_MAX_MB"):
        read_feed(server.url, FeedLimits(max_bytes=50_000))


def test_nothing_answers_at_all(migrated_db, capsys):
    status, out = import_api("http://127.0.0.1:9", capsys)  # the discard port: nothing listens
    assert status == 1 and "could not connect" in out["problems"][0]["message"]


def test_one_form_or_the_other(migrated_db, server, capsys):
    assert main(["directory", "import", "somewhere", "--api", server.url]) == 2
    assert main(["directory", "import"]) == 2
    assert main(["directory", "import", "somewhere", "--yes"]) == 2
    assert "one of the two" in capsys.readouterr().err

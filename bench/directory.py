"""Directory at scale: import 50,000 synthetic services, then time nearest-open-now searches, on SQLite and PostgreSQL.

    .venv/bin/python bench/directory.py                 # 50,000 services, 3 rounds of 1,000 searches on each engine
    .venv/bin/python bench/directory.py --services 5000 --searches 200 --rounds 1
    .venv/bin/python bench/directory.py --postgres postgresql://user@host:5432/postgres
    .venv/bin/python bench/directory.py --postgres ''   # SQLite only

Writes a synthetic HSDS 3.0 package (services spread over real US ZIP codes, fictional names,
555-01xx phones, weekday, weekend, overnight and 24-hour schedules) to a temporary folder, then
for each engine migrates a fresh database with Alembic (the real schema and indexes) and imports
the package into it through the same code as `hub directory import` (validation included), timed.
PostgreSQL is the server of --postgres (by default $HUB_TEST_POSTGRES_URL or the local server),
in a database of its own that the run creates and drops; when the server does not answer, the
run says so and measures SQLite alone.

Then the same searches from random ZIP codes for random service types with open-now ranking, each
at a random moment of the week, timing each call to `find_services`, in rounds, the engines taking
turns (A B, B A, A B ...) so that a busy machine's drift favours neither. SQLite is the baseline of
the run: PostgreSQL's p50 and p95 are also given as ratios to it. Both must give the same answers.
Targets, on each engine: import <= 60 s, search p95 <= 10 ms.

Then the same directory as an API feed: `hub directory serve` on the SQLite database just built
(its own process, as in production, with HUB_HSDS_API_RATE raised so that the reader is never
held back), read with `hub directory import --api`'s reader (100 services a page, full records)
and imported into a fresh SQLite database, timed apart: reading the feed, then importing it. The
package import on SQLite is the run's baseline for it (a ratio). --no-feed leaves it out.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

os.environ.setdefault("HUB_ENV_FILE", os.devnull)
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")

import zipcodes  # noqa: E402

from bot.directory.hsds import official_resources  # noqa: E402
from bot.directory.taxonomy import SERVICE_TYPES  # noqa: E402
from bot.percentiles import percentile  # noqa: E402

SCHEDULES = [
    [("MO,TU,WE,TH,FR", "09:00:00", "17:00:00")],
    [("MO,TU,WE,TH,FR", "08:00:00", "12:00:00"), ("MO,TU,WE,TH,FR", "13:00:00", "18:00:00")],
    [("SA,SU", "10:00:00", "16:00:00")],
    [("MO,TU,WE,TH,FR,SA,SU", "00:00:00", "23:59:59")],
    [("TH,FR,SA", "19:00:00", "07:00:00")],
    [("MO,WE,FR", "11:00:00", "19:30:00")],
]
DEFAULT_POSTGRES = os.environ.get("HUB_TEST_POSTGRES_URL") or "postgresql://postgres@127.0.0.1:5432/postgres"
REUSED_DATABASE = "hub_bench_directory"
HEADERS = {name: [f["name"] for f in resource["schema"]["fields"]] for name, resource in official_resources().items()}


def uid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def write_package(folder: Path, services: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    places = [z for z in zipcodes.list_all() if z["active"] and z["lat"] and z["long"] and z["timezone"]]
    tables: dict[str, list[dict]] = {name: [] for name in (
        "organization", "service", "location", "address", "service_at_location", "phone", "schedule",
        "taxonomy", "taxonomy_term", "attribute", "language", "cost_option")}
    taxonomy_id = uid(rng)
    tables["taxonomy"].append({"id": taxonomy_id, "name": "hub", "description": "Health Hub Hotline service types"})
    terms = {}
    for code, label in SERVICE_TYPES.items():
        terms[code] = uid(rng)
        tables["taxonomy_term"].append({"id": terms[code], "code": code, "name": label, "description": label, "taxonomy_id": taxonomy_id, "taxonomy": "hub"})
    codes = list(SERVICE_TYPES)
    organization = None
    for n in range(services):
        if n % 5 == 0:
            organization = uid(rng)
            tables["organization"].append({"id": organization, "name": f"Synthetic Outreach {n // 5}", "description": "Synthetic benchmark organisation"})
        place = rng.choice(places)
        service, location = uid(rng), uid(rng)
        status = "active" if rng.random() < 0.95 else "inactive"
        tables["service"].append({"id": service, "organization_id": organization, "name": f"Service {n} {place['city'].title()}", "status": status,
                                  "fees_description": rng.choice(["Free", "Sliding scale", ""]),
                                  "eligibility_description": rng.choice(["No ID needed. Walk-ins welcome.", "Appointment needed", ""])})
        lat = float(place["lat"]) + rng.uniform(-0.02, 0.02)
        lon = float(place["long"]) + rng.uniform(-0.02, 0.02)
        tables["location"].append({"id": location, "organization_id": organization, "location_type": "physical", "name": f"Site {n}", "latitude": f"{lat:.5f}", "longitude": f"{lon:.5f}"})
        tables["address"].append({"id": uid(rng), "location_id": location, "address_1": f"{rng.randint(1, 9999)} Main St", "city": place["city"].title(),
                                  "state_province": place["state"], "postal_code": place["zip_code"], "country": "US", "address_type": "physical"})
        tables["service_at_location"].append({"id": uid(rng), "service_id": service, "location_id": location})
        tables["phone"].append({"id": uid(rng), "service_id": service, "location_id": location, "number": f"(206) 555-01{n % 100:02d}", "type": "voice"})
        for byday, opens, closes in rng.choice(SCHEDULES):
            tables["schedule"].append({"id": uid(rng), "service_id": service, "location_id": location, "freq": "WEEKLY", "wkst": "MO", "interval": "1",
                                       "byday": byday, "opens_at": opens, "closes_at": closes})
        for code in rng.sample(codes, rng.choice([1, 1, 2, 3])):
            tables["attribute"].append({"id": uid(rng), "link_id": service, "taxonomy_term_id": terms[code], "link_entity": "service", "link_type": "service_type"})
        if rng.random() < 0.3:
            tables["language"].append({"id": uid(rng), "service_id": service, "name": "Spanish", "code": "es"})
        if rng.random() < 0.3:
            tables["cost_option"].append({"id": uid(rng), "service_id": service, "option": "Free", "amount": "0", "currency": "USD"})
    resources = official_resources()
    listed = []
    for name, rows in tables.items():
        path = resources[name]["path"]
        with open(folder / path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=HEADERS[name])
            writer.writeheader()
            writer.writerows(rows)
        listed.append(resources[name])
    (folder / "datapackage.json").write_text(json.dumps({"name": "synthetic", "profile": "tabular-data-package", "resources": listed}))


@dataclass
class Engine:
    """One database the directory is built in: its name in the report, URL and what undoes it."""

    name: str
    url: str
    fresh: bool  # migrate and import into it (otherwise --reuse found it built)
    drop: Callable[[], None] | None = None
    import_seconds: float = 0.0
    rounds: list[list[float]] = field(default_factory=list)
    answers: list[tuple] = field(default_factory=list)


def _postgres(server: str, reuse: bool) -> Engine | None:
    """A database of its own on the PostgreSQL server `server`, or None (saying why) when the
    server does not answer. Dropped at the end, unless --reuse keeps it for the next run."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    shown = make_url(server).render_as_string(hide_password=True)
    admin = create_engine(server, future=True, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # any failure to connect means the same thing here
        admin.dispose()
        print(f"postgresql: skipped, {shown} does not answer ({type(exc).__name__}: {str(exc).strip().splitlines()[0][:160]}); "
              "SQLite only (--postgres URL names another server)")
        return None
    name = REUSED_DATABASE if reuse else f"hub_bench_dir_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}).first() is not None
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    url = make_url(server).set(drivername="postgresql+psycopg2", database=name).render_as_string(hide_password=False)
    return Engine("postgresql", url, fresh=not exists, drop=None if reuse else drop)


def _feed_import(served_url: str, work: Path, services: int, package_seconds: float) -> None:
    """Serve the database at `served_url` as an HSDS API and import it from there (docstring)."""
    import subprocess

    from alembic import command

    from bot.db import make_engine, session_scope
    from bot.db.migrate import alembic_config
    from bot.directory.feed import read_feed
    from bot.directory.importer import import_package
    from tests.servers import free_port, wait_until_up

    port = free_port()
    env = {**os.environ, "HUB_DATABASE_URL": served_url, "HUB_HSDS_API_PORT": str(port), "HUB_HSDS_API_RATE": "1000000",
           "HUB_SECRET_KEY": os.environ.get("HUB_SECRET_KEY") or "bench-secret-key-0123456789"}
    log = work / "hsds_api.log"
    hub = Path(sys.executable).parent / "hub"
    server = subprocess.Popen([str(hub), "directory", "serve"], env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url + "/", server, log, seconds=60)
        target = f"sqlite:///{work / 'from_feed.db'}"
        command.upgrade(alembic_config(target), "head")
        start = time.perf_counter()
        read = read_feed(url)
        read_seconds = time.perf_counter() - start
        db = make_engine(target)
        start = time.perf_counter()
        with session_scope(db) as session:
            summary = import_package(session, read.package, feed=url)
        import_seconds = time.perf_counter() - start
        db.dispose()
    finally:
        server.terminate()
        server.wait(timeout=30)
    total = read_seconds + import_seconds
    print(f"feed: {read.services} services in {read.pages} pages ({read.bytes_read / 1e6:.0f} MB) read in {read_seconds:.1f} s, "
          f"imported in {import_seconds:.1f} s ({summary.inserted.get('service', 0)} new, {len(summary.warnings)} warnings): "
          f"{total:.1f} s in all, x{total / package_seconds:.2f} the package import on SQLite")


def _summary(timings: list[float]) -> str:
    return (f"p50 {percentile(timings, 0.5):.2f} ms, p95 {percentile(timings, 0.95):.2f} ms, "
            f"p99 {percentile(timings, 0.99):.2f} ms, mean {statistics.mean(timings):.2f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=50_000)
    parser.add_argument("--searches", type=int, default=1_000, help="searches per round and engine")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the same searches per engine, engines alternating")
    parser.add_argument("--postgres", metavar="URL", default=DEFAULT_POSTGRES,
                        help="PostgreSQL server to bench on too, in a database of its own made and dropped by the run "
                             f"(default $HUB_TEST_POSTGRES_URL or {DEFAULT_POSTGRES}); '' for SQLite only")
    parser.add_argument("--no-feed", action="store_true", help="leave out the import from a locally served API feed")
    parser.add_argument("--reuse", metavar="DIR", help=f"keep the SQLite database in DIR and the PostgreSQL database "
                        f"{REUSED_DATABASE}; search only where they are there")
    args = parser.parse_args()

    from alembic import command

    from bot.db import make_engine, session_scope
    from bot.db.migrate import alembic_config
    from bot.directory.geo import lookup_zip
    from bot.directory.hsds import read_package
    from bot.directory.importer import import_package
    from bot.directory.search import find_services

    with tempfile.TemporaryDirectory() as scratch:
        work = Path(args.reuse or scratch)
        work.mkdir(parents=True, exist_ok=True)
        sqlite_file = work / "bench.db"
        engines = [Engine("sqlite", f"sqlite:///{sqlite_file}", fresh=not (args.reuse and sqlite_file.exists()))]
        postgres = _postgres(args.postgres, bool(args.reuse)) if args.postgres else None
        if postgres:
            engines.append(postgres)
        try:
            if any(engine.fresh for engine in engines):
                package = Path(scratch) / "package"
                package.mkdir()
                write_package(package, args.services)
            for engine in engines:
                if not engine.fresh:
                    print(f"{engine.name}: reused")
                    continue
                command.upgrade(alembic_config(engine.url), "head")
                db = make_engine(engine.url)
                start = time.perf_counter()
                with session_scope(db) as session:
                    summary = import_package(session, read_package(package))
                engine.import_seconds = time.perf_counter() - start
                db.dispose()
                print(f"{engine.name}: import {args.services} services ({summary.inserted.get('schedule', 0)} schedules, "
                      f"{summary.inserted.get('attribute', 0)} type links) in {engine.import_seconds:.1f} s")
            if not args.no_feed and engines[0].fresh:
                _feed_import(engines[0].url, work, args.services, engines[0].import_seconds)

            rng = random.Random(11)
            origins = [p for p in (lookup_zip(z["zip_code"]) for z in rng.sample(zipcodes.list_all(), args.searches * 2)) if p][: args.searches]
            codes = list(SERVICE_TYPES)
            # Each search at a random moment of a week, nights included: at night few places are open,
            # so open-now ranking has to look at many more candidates than at noon.
            week = datetime(2026, 11, 23, tzinfo=UTC)
            searches = []
            for origin in origins:
                code = rng.choice(codes)
                searches.append((code, origin, week + timedelta(minutes=rng.randrange(7 * 24 * 60))))
            # The engines take turns, A B B A A B ..., so that the machine's drift favours neither.
            for number in range(args.rounds):
                for engine in engines if number % 2 == 0 else engines[::-1]:
                    db = make_engine(engine.url)
                    timings, answers = [], []
                    with session_scope(db) as session:
                        for code, origin, moment in searches:
                            t0 = time.perf_counter()
                            result = find_services(session, code, origin, open_first=True, now=moment)
                            timings.append((time.perf_counter() - t0) * 1000)
                            answers.append(tuple((m.service_id, m.location_id, m.open_now, m.hours_today) for m in result.matches))
                    db.dispose()
                    engine.rounds.append(timings)
                    engine.answers = engine.answers or answers
                    print(f"round {number + 1} {engine.name}: {len(timings)} nearest-open-now searches, {_summary(timings)}; "
                          f"{sum(bool(a) for a in answers)} found at least one service")
        finally:
            for engine in engines:
                if engine.drop:
                    engine.drop()

    ok = True
    for engine in engines:
        every = [t for timings in engine.rounds for t in timings]
        p95s = [percentile(timings, 0.95) for timings in engine.rounds]
        met = engine.import_seconds <= 60 and percentile(every, 0.95) <= 10
        ok &= met
        imported = f"import {engine.import_seconds:.1f} s, " if engine.fresh else ""
        print(f"{engine.name}: {imported}{len(every)} searches over {len(engine.rounds)} rounds, {_summary(every)} "
              f"(p95 by round: {', '.join(f'{p:.2f}' for p in p95s)})")
    if len(engines) == 2:
        first, second = engines
        ratios = [percentile(b, q) / percentile(a, q) for q in (0.5, 0.95) for a, b in [(
            [t for r in first.rounds for t in r], [t for r in second.rounds for t in r])]]
        by_round = [percentile(b, 0.95) / percentile(a, 0.95) for a, b in zip(first.rounds, second.rounds)]
        differ = sum(a != b for a, b in zip(first.answers, second.answers))
        print(f"{second.name} / {first.name}: p50 x{ratios[0]:.2f}, p95 x{ratios[1]:.2f} "
              f"(p95 by round: {', '.join(f'x{r:.2f}' for r in by_round)}); "
              f"{differ} of {len(first.answers)} searches answered differently")
        ok &= differ == 0
    print("targets (import <= 60 s, search p95 <= 10 ms, on each engine; the same answers on both):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Directory at scale: import 50,000 synthetic services, then time nearest-open-now searches.

    .venv/bin/python bench/directory.py                 # 50,000 services, 1,000 searches
    .venv/bin/python bench/directory.py --services 5000 --searches 200

Writes a synthetic HSDS 3.0 package (services spread over real US ZIP codes, fictional names,
555-01xx phones, weekday, weekend, overnight and 24-hour schedules) to a temporary folder,
imports it into a fresh SQLite database through the same code as `hub directory import`
(validation included), then runs searches from random ZIP codes for random service types with
open-now ranking, each at a random moment of the week, timing each call to `find_services`. Targets: import <= 60 s, search p95 <= 10 ms.
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=50_000)
    parser.add_argument("--searches", type=int, default=1_000)
    parser.add_argument("--reuse", metavar="DIR", help="keep the database in DIR; search only if it is there")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        work = Path(args.reuse or scratch)
        work.mkdir(parents=True, exist_ok=True)
        reuse = bool(args.reuse) and (work / "bench.db").exists()
        os.environ["HUB_DATABASE_URL"] = f"sqlite:///{work / 'bench.db'}"
        from alembic import command

        from bot.db import session_scope
        from bot.db.migrate import alembic_config
        from bot.directory.geo import lookup_zip
        from bot.directory.hsds import read_package
        from bot.directory.importer import import_package
        from bot.directory.search import find_services

        import_seconds = 0.0
        if not reuse:
            command.upgrade(alembic_config(), "head")
            package = Path(scratch) / "package"
            package.mkdir()
            write_package(package, args.services)
            start = time.perf_counter()
            with session_scope() as session:
                summary = import_package(session, read_package(package))
            import_seconds = time.perf_counter() - start
            print(f"import: {args.services} services ({summary.inserted.get('schedule', 0)} schedules, "
                  f"{summary.inserted.get('attribute', 0)} type links) in {import_seconds:.1f} s")

        rng = random.Random(11)
        origins = [p for p in (lookup_zip(z["zip_code"]) for z in rng.sample(zipcodes.list_all(), args.searches * 2)) if p][: args.searches]
        codes = list(SERVICE_TYPES)
        # Each search at a random moment of a week, nights included: at night few places are open,
        # so open-now ranking has to look at many more candidates than at noon.
        week = datetime(2026, 11, 23, tzinfo=UTC)
        timings, found = [], 0
        with session_scope() as session:
            for origin in origins:
                code = rng.choice(codes)
                moment = week + timedelta(minutes=rng.randrange(7 * 24 * 60))
                t0 = time.perf_counter()
                result = find_services(session, code, origin, open_first=True, now=moment)
                timings.append((time.perf_counter() - t0) * 1000)
                found += bool(result.matches)
        print(f"search: {len(timings)} nearest-open-now searches, p50 {percentile(timings, 0.5):.2f} ms, "
              f"p95 {percentile(timings, 0.95):.2f} ms, p99 {percentile(timings, 0.99):.2f} ms, "
              f"mean {statistics.mean(timings):.2f} ms; {found} found at least one service")
        ok = import_seconds <= 60 and percentile(timings, 0.95) <= 10
        print("targets (import <= 60 s, search p95 <= 10 ms):", "met" if ok else "NOT met")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Load router's part of a city directory: territories, executors, categories, buildings
(optional `buildings.csv`: id, address, territory_id), channels (optional `channels.json`;
without it, the defaults) and rules.

Also creates each executor's assignment topic, so the first assignment finds it.
"""

import csv
import json
import math
from pathlib import Path

from shapely.geometry import shape

from contracts.channels import read_channels
from contracts.topics import executor_assignments
from router.domain.buildings import normalise_address
from router.domain.routing import RuleSetError
from router.domain.rules import RuleSet
from router.plugins import installed_matchers
from router.rules_file import load_rule_set
from router.settings import RouterSettings
from router.store import repository
from router.store.repository import City, build_router
from router.store.tables import BuildingRow, CategoryRow, ChannelRow, ExecutorRow, TerritoryRow
from services.db import Database
from services.kafka import TopicAdmin, TopicSpec


class CityError(ValueError):
    pass


def read_city(directory: Path) -> tuple[City, RuleSet]:
    """Read and cross-check a city directory; raises CityError listing every problem."""
    features = json.loads((directory / "territories.geojson").read_text())["features"]
    buildings_file = directory / "buildings.csv"
    buildings = read_buildings(buildings_file) if buildings_file.exists() else []
    city = City(
        territories=[
            TerritoryRow(
                id=f["properties"]["id"],
                kind=f["properties"]["kind"],
                name=f["properties"]["name"],
                executor_id=f["properties"].get("executor_id"),
                geometry=json.dumps(f["geometry"]),
            )
            for f in features
        ],
        executors=[
            ExecutorRow(id=e["id"], name=e["name"])
            for e in json.loads((directory / "executors.json").read_text())
        ],
        categories=[
            CategoryRow(id=c["id"], group=c["group"])
            for c in json.loads((directory / "categories.json").read_text())
        ],
        buildings=buildings,
        channels=[ChannelRow(id=c.id, name=c.name) for c in read_channels(directory)],
    )
    rules = load_rule_set(directory / "rules.yaml")
    _check(city, rules)
    return city, rules


def read_buildings(path: Path) -> list[BuildingRow]:
    """The registry: `id, address, territory_id` (empty: no management company) and,
    optionally, `lon, lat` of the building; raises CityError naming each bad line."""
    buildings: list[BuildingRow] = []
    problems: list[str] = []
    with path.open(newline="") as f:
        reader = csv.DictReader(f)
        for row in reader:
            where = f"{path.name}:{reader.line_num}"
            try:
                lon, lat = _coordinate(row.get("lon")), _coordinate(row.get("lat"))
            except ValueError as error:
                problems.append(f"{where}: {error}")
                continue
            if (lon is None) != (lat is None):
                problems.append(f"{where}: give both lon and lat, or neither")
                continue
            if not row.get("id") or not row.get("address"):
                problems.append(f"{where}: a building needs an id and an address")
                continue
            buildings.append(
                BuildingRow(
                    id=row["id"],
                    address=row["address"],
                    normalised_address=normalise_address(row["address"]),
                    territory_id=(row.get("territory_id") or "").strip() or None,
                    lon=lon,
                    lat=lat,
                )
            )
    if problems:
        raise CityError("; ".join(problems))
    return buildings


def _coordinate(value: str | None) -> float | None:
    if value is None or not value.strip():
        return None
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a coordinate") from None
    if not math.isfinite(number):
        raise ValueError(f"{value!r} is not a coordinate")
    return number


def _check(city: City, rules: RuleSet) -> None:
    executors = {e.id for e in city.executors}
    territories = {t.id for t in city.territories}
    problems = [
        f"territory {t.id!r}: unknown executor {t.executor_id!r}"
        for t in city.territories
        if t.executor_id and t.executor_id not in executors
    ]
    problems += [
        f"territory {t.id!r}: invalid polygon"
        for t in city.territories
        if not shape(json.loads(t.geometry)).is_valid
    ]
    problems += [
        f"building {b.id!r}: unknown territory {b.territory_id!r}"
        for b in city.buildings
        if b.territory_id is not None and b.territory_id not in territories
    ]
    try:
        build_router(rules, city, installed_matchers())
    except RuleSetError as error:
        problems += error.problems
    if problems:
        raise CityError("; ".join(problems))


async def load_city(
    settings: RouterSettings, db: Database, directory: Path, topics: TopicAdmin
) -> str:
    city, rules = read_city(directory)
    await topics.ensure(
        [
            TopicSpec(executor_assignments(e.id), settings.kafka_topic_partitions)
            for e in city.executors
        ],
    )
    async with db.transaction() as session:
        await repository.replace_city(session, city, rules)
    return (
        f"{len(city.territories)} territories, {len(city.executors)} executors,"
        f" {len(city.categories)} categories, {len(city.buildings)} buildings,"
        f" channels {', '.join(c.id for c in city.channels)},"
        f" rule set v{rules.version} ({len(rules.rules)} rules)"
    )

"""Load router's part of a city directory: territories, executors, categories, rules.

Also creates each executor's assignment topic, so the first assignment finds it.
"""

import json
from pathlib import Path

import yaml
from shapely.geometry import shape

from contracts.topics import executor_assignments
from router.domain.rules import RuleSet
from router.settings import RouterSettings
from router.store import repository
from router.store.tables import CategoryRow, ExecutorRow, TerritoryRow
from services.db import Database
from services.kafka import TopicSpec, ensure_topics


class CityError(ValueError):
    pass


def read_city(
    directory: Path,
) -> tuple[list[TerritoryRow], list[ExecutorRow], list[CategoryRow], RuleSet]:
    executors = [
        ExecutorRow(id=e["id"], name=e["name"])
        for e in json.loads((directory / "executors.json").read_text())
    ]
    categories = [
        CategoryRow(id=c["id"], group=c["group"])
        for c in json.loads((directory / "categories.json").read_text())
    ]
    features = json.loads((directory / "territories.geojson").read_text())["features"]
    territories = [
        TerritoryRow(
            id=f["properties"]["id"],
            kind=f["properties"]["kind"],
            name=f["properties"]["name"],
            executor_id=f["properties"].get("executor_id"),
            geometry=json.dumps(f["geometry"]),
        )
        for f in features
    ]
    rules = RuleSet.model_validate(yaml.safe_load((directory / "rules.yaml").read_text()))
    _check_references(territories, executors, rules)
    return territories, executors, categories, rules


def _check_references(
    territories: list[TerritoryRow], executors: list[ExecutorRow], rules: RuleSet
) -> None:
    known = {e.id for e in executors}
    problems = [
        f"territory {t.id!r}: unknown executor {t.executor_id!r}"
        for t in territories
        if t.executor_id and t.executor_id not in known
    ]
    problems += [
        f"territory {t.id!r}: invalid polygon"
        for t in territories
        if not shape(json.loads(t.geometry)).is_valid
    ]
    problems += [f"rules: unknown executor {e!r}" for e in sorted(rules.executors_named() - known)]
    if problems:
        raise CityError("; ".join(problems))


async def load_city(settings: RouterSettings, db: Database, directory: Path) -> str:
    territories, executors, categories, rules = read_city(directory)
    await ensure_topics(
        settings.kafka_bootstrap_servers,
        [TopicSpec(executor_assignments(e.id), settings.kafka_topic_partitions) for e in executors],
    )
    async with db.transaction() as session:
        await repository.replace_city(session, territories, executors, categories, rules)
    return (
        f"{len(territories)} territories, {len(executors)} executors,"
        f" {len(categories)} categories, rule set v{rules.version} ({len(rules.rules)} rules)"
    )

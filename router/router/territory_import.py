"""`router territories import FILE.geojson`: check every feature, then upsert them all and
tell every router instance to reload: a `TerritoriesChanged` for `routing.changes`, staged
in the outbox in the same transaction (the running routers' relay publishes it), so a crash
can never keep the territories and lose the reload."""

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError
from shapely.geometry import shape
from shapely.validation import explain_validity
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import select

from contracts.envelope import new_event_id
from contracts.events import TerritoriesChanged, TerritoriesChangedPayload
from contracts.topics import ROUTING_CHANGES
from router.declaration import SERVICE
from router.domain.territories import TerritoryKind
from router.settings import RouterSettings
from router.store.tables import ExecutorRow, TerritoryRow
from services.db import Database
from services.outbox import stage

T = TypeVar("T")
Progress = Callable[[Iterable[T], str, int], Iterable[T]]
"""Wraps an iterable to show progress: (items, description, total)."""

NEEDS_EXECUTOR = {TerritoryKind.MANAGEMENT_COMPANY, TerritoryKind.ZONE}
BATCH = 500


class TerritoryImportError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} problems:\n" + "\n".join(problems))
        self.problems = problems


def check_feature(
    number: int, feature: Any, executors: set[str], seen: set[str]
) -> tuple[TerritoryRow | None, list[str]]:
    """A feature as a territory row, or every reason it cannot be one."""
    props = feature.get("properties") or {} if isinstance(feature, dict) else {}
    label = f"feature {number}" + (f" (id {props['id']!r})" if props.get("id") else "")
    problems: list[str] = []
    territory_id, name, executor = props.get("id"), props.get("name"), props.get("executor_id")
    if not isinstance(territory_id, str) or not territory_id:
        problems.append("no `id`")
    elif territory_id in seen:
        problems.append(f"id {territory_id!r} appears twice")
    try:
        kind: TerritoryKind | None = TerritoryKind(str(props.get("kind")))
    except ValueError:
        kind = None
        problems.append(
            f"kind {props.get('kind')!r} is not one of {', '.join(k.value for k in TerritoryKind)}"
        )
    if not isinstance(name, str) or not name:
        problems.append("no `name`")
    if executor is not None and executor not in executors:
        problems.append(f"unknown executor {executor!r}")
    if executor is None and kind in NEEDS_EXECUTOR:
        problems.append(f"a {kind} needs an `executor_id`")
    geometry = feature.get("geometry") if isinstance(feature, dict) else None
    if not isinstance(geometry, dict) or geometry.get("type") not in {"Polygon", "MultiPolygon"}:
        problems.append("geometry is not a Polygon or MultiPolygon")
    else:
        try:
            polygon = shape(geometry)
        except (ValueError, TypeError, IndexError, AttributeError) as error:
            problems.append(f"unreadable geometry ({error})")
        else:
            if polygon.is_empty:
                problems.append("empty polygon")
            elif not polygon.is_valid:
                problems.append(f"invalid polygon: {explain_validity(polygon)}")
    if problems:
        return None, [f"{label}: {p}" for p in problems]
    assert isinstance(territory_id, str)
    assert isinstance(name, str)
    assert kind is not None
    seen.add(territory_id)
    return (
        TerritoryRow(
            id=territory_id,
            kind=kind,
            name=name,
            executor_id=executor,
            geometry=json.dumps(geometry),
        ),
        [],
    )


def read_features(path: Path) -> list[Any]:
    try:
        features = json.loads(path.read_text())["features"]
    except (ValueError, KeyError, TypeError) as error:
        raise TerritoryImportError(
            [f"{path}: not a GeoJSON FeatureCollection ({error!r})"]
        ) from error
    if not isinstance(features, list):
        raise TerritoryImportError([f"{path}: `features` is not a list"])
    return features


async def import_territories(
    settings: RouterSettings, features: list[Any], source: str, progress: Progress[Any]
) -> int:
    """Import every feature or none; returns how many were imported."""
    db = Database(settings.database_url, declaration=SERVICE)
    try:
        async with db.session() as session:
            executors = set((await session.exec(select(ExecutorRow.id))).all())
        rows: list[TerritoryRow] = []
        problems: list[str] = []
        seen: set[str] = set()
        for number, feature in enumerate(progress(features, "checking", len(features)), 1):
            row, wrong = check_feature(number, feature, executors, seen)
            problems += wrong
            if row is not None:
                rows.append(row)
        if problems:
            raise TerritoryImportError(problems)
        batches = [rows[i : i + BATCH] for i in range(0, len(rows), BATCH)]
        async with db.transaction() as session:
            for batch in progress(batches, "importing", len(batches)):
                statement = insert(TerritoryRow).values([r.model_dump() for r in batch])
                await session.exec(
                    statement.on_conflict_do_update(
                        index_elements=["id"],
                        set_={
                            c: statement.excluded[c]
                            for c in ("kind", "name", "executor_id", "geometry")
                        },
                    )
                )
            total = len((await session.exec(select(TerritoryRow.id))).all())
            changed = TerritoriesChanged(
                producer=SERVICE.name,
                correlation_id=new_event_id(),
                payload=TerritoriesChangedPayload(territories=total, source=source),
            )
            stage(session, changed, ROUTING_CHANGES)  # the routers' relays publish it
    except ValidationError as error:
        raise TerritoryImportError([str(error)]) from error
    finally:
        await db.dispose()
    return len(rows)

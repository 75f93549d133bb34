"""Load intake's part of a city description: the municipality boundary, categories, the
channels (`channels.json`) and the moderation lists (`moderation.json`); without either
optional file, the defaults."""

import json
from pathlib import Path
from typing import Any

from shapely.geometry import shape

from contracts.channels import read_channels
from intake.domain.catalogue import Category
from intake.domain.moderation import ModerationRules
from intake.settings import IntakeSettings
from intake.store import repository
from services.db import Database
from services.kafka import TopicAdmin


def read_city(directory: Path) -> tuple[dict[str, Any], list[Category]]:
    territories = json.loads((directory / "territories.geojson").read_text())
    municipalities = [
        f for f in territories["features"] if f["properties"]["kind"] == "municipality"
    ]
    if len(municipalities) != 1:
        raise ValueError(f"expected one municipality feature, found {len(municipalities)}")
    boundary = municipalities[0]
    if not shape(boundary["geometry"]).is_valid:
        raise ValueError(f"municipality {boundary['properties']['id']} has an invalid polygon")
    categories = [
        Category(id=c["id"], name=c["name"], group=c["group"])
        for c in json.loads((directory / "categories.json").read_text())
    ]
    return boundary, categories


def read_moderation(directory: Path) -> ModerationRules | None:
    """The city's moderation lists; None when it has none (the defaults apply)."""
    path = directory / "moderation.json"
    if not path.exists():
        return None
    return ModerationRules.model_validate_json(path.read_text())


async def load_city(
    settings: IntakeSettings, db: Database, directory: Path, topics: TopicAdmin
) -> str:
    boundary, categories = read_city(directory)
    channels = read_channels(directory)
    moderation = read_moderation(directory)
    props = boundary["properties"]
    async with db.transaction() as session:
        await repository.replace_catalogue(
            session,
            props["id"],
            props["name"],
            boundary["geometry"],
            categories,
            channels,
        )
        await repository.replace_moderation_rules(session, moderation)
    lists = "the city's moderation lists" if moderation else "the default moderation lists"
    return (
        f"served area {props['name']}, {len(categories)} categories,"
        f" channels {', '.join(c.id for c in channels)}, {lists}"
    )

"""Load executor-gateway's part of a city directory: the executor organisations."""

import json
from pathlib import Path

from executor_gateway.settings import GatewaySettings
from executor_gateway.store import repository
from executor_gateway.store.tables import ExecutorRow
from services.db import Database
from services.kafka import TopicAdmin


async def load_city(
    settings: GatewaySettings, db: Database, directory: Path, topics: TopicAdmin
) -> str:
    executors = [
        ExecutorRow(id=e["id"], name=e["name"], kind=e["kind"])
        for e in json.loads((directory / "executors.json").read_text())
    ]
    async with db.transaction() as session:
        await repository.replace_executors(session, executors)
    return f"{len(executors)} executors"

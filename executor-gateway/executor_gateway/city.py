"""Load executor-gateway's part of a city directory: the executor organisations and the
city's list of reasons an executor may reject an appeal for."""

import json
from pathlib import Path

from executor_gateway.settings import GatewaySettings
from executor_gateway.store import repository
from executor_gateway.store.tables import ExecutorRow, RejectionReasonRow
from services.db import Database
from services.kafka import TopicAdmin


async def load_city(
    settings: GatewaySettings, db: Database, directory: Path, topics: TopicAdmin
) -> str:
    executors = [
        ExecutorRow(id=e["id"], name=e["name"], kind=e["kind"])
        for e in json.loads((directory / "executors.json").read_text())
    ]
    reasons = [
        RejectionReasonRow(code=r["code"], title=r["title"], position=position)
        for position, r in enumerate(json.loads((directory / "rejection_reasons.json").read_text()))
    ]
    async with db.transaction() as session:
        await repository.replace_executors(session, executors)
        await repository.replace_rejection_reasons(session, reasons)
    return f"{len(executors)} executors, {len(reasons)} rejection reasons"

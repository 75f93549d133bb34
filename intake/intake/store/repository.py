"""Reads and writes of intake's tables; callers own the transaction."""

import json
from datetime import datetime
from typing import Any
from uuid import UUID

from shapely.geometry import shape
from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.status import AppealStatus
from intake.domain.catalogue import Catalogue, Category
from intake.domain.errors import AppealNotFound
from intake.domain.lifecycle import CitizenView
from intake.store.tables import AppealRow, CategoryRow, HistoryRow, ServedAreaRow


async def load_catalogue(session: AsyncSession) -> Catalogue:
    categories = [
        Category(id=r.id, name=r.name, group=r.group)
        for r in (await session.exec(select(CategoryRow).order_by(col(CategoryRow.id)))).all()
    ]
    area = (await session.exec(select(ServedAreaRow))).first()
    if area is None:
        return Catalogue("nobody", None, categories)
    return Catalogue(area.name, shape(json.loads(area.geometry)), categories)


async def replace_catalogue(
    session: AsyncSession,
    area_id: str,
    area_name: str,
    geometry: dict[str, Any],
    categories: list[Category],
) -> None:
    await session.exec(delete(ServedAreaRow))
    session.add(ServedAreaRow(id=area_id, name=area_name, geometry=json.dumps(geometry)))
    await session.exec(delete(CategoryRow))
    session.add_all(CategoryRow(id=c.id, name=c.name, group=c.group) for c in categories)


async def find_by_idempotency_key(session: AsyncSession, key: str) -> AppealRow | None:
    return (await session.exec(select(AppealRow).where(AppealRow.idempotency_key == key))).first()


async def get(session: AsyncSession, appeal_id: UUID, *, for_update: bool = False) -> AppealRow:
    statement = select(AppealRow).where(AppealRow.id == appeal_id)
    if for_update:
        statement = statement.with_for_update()
    row = (await session.exec(statement)).first()
    if row is None:
        raise AppealNotFound(f"no appeal {appeal_id}")
    return row


async def history(session: AsyncSession, appeal_id: UUID) -> list[HistoryRow]:
    statement = (
        select(HistoryRow).where(HistoryRow.appeal_id == appeal_id).order_by(col(HistoryRow.id))
    )
    return list((await session.exec(statement)).all())


def view_of(row: AppealRow) -> CitizenView:
    return CitizenView(
        status=AppealStatus(row.status),
        executor_id=row.executor_id,
        executor_name=row.executor_name,
        answer=row.answer,
        status_note=row.status_note,
        duplicate_of=row.duplicate_of,
    )


def store_view(
    session: AsyncSession,
    row: AppealRow,
    view: CitizenView,
    *,
    event_id: UUID,
    event_type: str,
    occurred_at: datetime,
) -> None:
    row.status = view.status.value
    row.executor_id, row.executor_name = view.executor_id, view.executor_name
    row.answer, row.status_note = view.answer, view.status_note
    row.duplicate_of = view.duplicate_of
    row.updated_at = occurred_at
    session.add(row)
    session.add(
        HistoryRow(
            appeal_id=row.id,
            event_id=event_id,
            event_type=event_type,
            status=row.status,
            occurred_at=occurred_at,
        )
    )

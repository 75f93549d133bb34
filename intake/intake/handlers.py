"""Intake's subscribers: keep the citizen's view in step with `appeal.events`."""

from typing import get_args

from sqlmodel.ext.asyncio.session import AsyncSession

from intake.domain.lifecycle import LifecycleEvent
from intake.store import repository


async def follow_lifecycle(event: LifecycleEvent, session: AsyncSession) -> None:
    row = await repository.get(session, event.appeal_id, for_update=True)
    view = repository.view_of(row)
    step = view.apply(event)
    repository.store_view(
        session,
        row,
        view,
        step,
        event_id=event.event_id,
        event_type=event.type,
        occurred_at=event.occurred_at,
    )


HANDLERS = dict.fromkeys(get_args(LifecycleEvent), follow_lifecycle)
"""Every lifecycle event the citizen's view follows (the `LifecycleEvent` union)."""

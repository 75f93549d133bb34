"""Intake's subscribers: keep the citizen's view in step with `appeal.events`."""

from typing import Any, get_args

from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.envelope import Event
from contracts.events import DeadlineSet
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


async def deadline_set(event: DeadlineSet, session: AsyncSession) -> None:
    """The sla-tracker set or moved the answer deadline: the view shows it (no status
    change, no history step of its own)."""
    row = await repository.get(session, event.appeal_id, for_update=True)
    row.due_at = event.payload.due_at
    session.add(row)


HANDLERS: dict[type[Event], Any] = {
    **dict.fromkeys(get_args(LifecycleEvent), follow_lifecycle),
    DeadlineSet: deadline_set,
}
"""Every lifecycle event the citizen's view follows (the `LifecycleEvent` union), and the
answer deadline."""

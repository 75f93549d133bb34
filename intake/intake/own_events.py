"""Intake's own lifecycle events (the citizen's steps, closing unconfirmed answers,
moderation).

Each is applied to the citizen's view in the very transaction that stages it, so the
citizen sees the new status at once; the event id is claimed in the chassis inbox of
intake's `appeal.events` consumer in that transaction too, so when the event comes back
from Kafka its delivery is a duplicate, never applied twice nor dead-lettered.
"""

from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.topics import APPEAL_EVENTS
from intake.declaration import SERVICE
from intake.domain.lifecycle import LifecycleEvent, ModerationEvent
from intake.store import repository
from intake.store.tables import AppealRow
from services import inbox
from services.outbox import stage

CONSUMER = SERVICE.name
"""The name intake's event consumer claims event ids under (the service's name)."""

PRODUCER = SERVICE.name


async def take_step(
    session: AsyncSession, row: AppealRow, event: LifecycleEvent | ModerationEvent
) -> None:
    """Apply `event` to the appeal in `row` (locked by the caller), record it, mark it
    applied, and stage it on `appeal.events`; raises IllegalTransition if it cannot happen."""
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
    await inbox.claim(session, CONSUMER, event.event_id)
    stage(session, event, APPEAL_EVENTS)

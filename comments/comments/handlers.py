"""The comments service's subscribers: they keep who may speak on each appeal — its
citizen, and the executor holding it (an answer keeps it, so it may still comment).
Each is idempotent: applying an event twice leaves the row as once."""

from sqlmodel.ext.asyncio.session import AsyncSession

from comments.store import repository
from contracts.events import (
    AppealForwarded,
    AppealRedirected,
    AppealRouted,
    AppealSubmitted,
    NeedsManualRouting,
)
from services.consumers import Handlers


async def appeal_submitted(event: AppealSubmitted, session: AsyncSession) -> None:
    await repository.heard_citizen(
        session, event.appeal_id, event.payload.citizen_id, event.correlation_id
    )


async def appeal_routed(event: AppealRouted | AppealForwarded, session: AsyncSession) -> None:
    """A problem routed, or a suggestion or thanks forwarded: its organisation may speak."""
    await repository.holder_is(
        session, event.appeal_id, event.payload.executor_id, event.correlation_id
    )


async def appeal_redirected(event: AppealRedirected, session: AsyncSession) -> None:
    await repository.holder_left(session, event.appeal_id, event.payload.executor_id)


async def needs_manual_routing(event: NeedsManualRouting, session: AsyncSession) -> None:
    await repository.holder_is(session, event.appeal_id, None, event.correlation_id)


SUBMITTED_HANDLERS: Handlers = {AppealSubmitted: appeal_submitted}
APPEAL_HANDLERS: Handlers = {
    AppealRouted: appeal_routed,
    AppealForwarded: appeal_routed,
    AppealRedirected: appeal_redirected,
    NeedsManualRouting: needs_manual_routing,
}

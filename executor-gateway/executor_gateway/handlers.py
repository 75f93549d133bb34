"""Executor-gateway's subscribers: assignments land in the executor's inbox."""

from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.events import AssignmentIssued
from executor_gateway.store import repository


async def receive_assignment(event: AssignmentIssued, session: AsyncSession) -> None:
    await repository.add_assignment(session, event)


HANDLERS = {AssignmentIssued: receive_assignment}

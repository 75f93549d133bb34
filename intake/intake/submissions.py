"""The submit use case: check, store, and stage `AppealSubmitted` in one transaction."""

from uuid import UUID

from sqlalchemy.exc import IntegrityError

from contracts.envelope import new_event_id
from contracts.events import AppealSubmitted, AppealSubmittedPayload
from contracts.status import AppealStatus, status_after
from contracts.topics import APPEAL_SUBMITTED
from intake.domain.catalogue import Catalogue
from intake.store import repository
from intake.store.tables import AppealRow, HistoryRow
from services.clock import Clock
from services.db import Database
from services.outbox import stage


class Submissions:
    def __init__(self, db: Database, catalogue: Catalogue, clock: Clock) -> None:
        self.db = db
        self.catalogue = catalogue
        self._clock = clock

    async def reload_catalogue(self) -> None:
        async with self.db.session() as session:
            self.catalogue = await repository.load_catalogue(session)

    async def submit(
        self, appeal: AppealSubmittedPayload, idempotency_key: str | None = None
    ) -> tuple[UUID, bool]:
        """Accept an appeal; returns its id and whether it is new (False: a retried POST)."""
        self.catalogue.check_submission(appeal.category, appeal.location)
        if idempotency_key:
            async with self.db.session() as session:
                seen = await repository.find_by_idempotency_key(session, idempotency_key)
            if seen:
                return seen.id, False
        try:
            return await self._store(appeal, idempotency_key), True
        except IntegrityError:
            if idempotency_key is None:
                raise
            return await self.submit(appeal, idempotency_key)  # lost a race with a twin

    async def _store(self, appeal: AppealSubmittedPayload, idempotency_key: str | None) -> UUID:
        appeal_id = new_event_id()
        now = self._clock.now()
        event = AppealSubmitted(
            appeal_id=appeal_id,
            producer="intake",
            correlation_id=appeal_id,
            occurred_at=now,
            payload=appeal,
        )
        status = status_after(None, event.type)
        async with self.db.transaction() as session:
            session.add(
                AppealRow(
                    id=appeal_id,
                    citizen_id=appeal.citizen_id,
                    category=appeal.category,
                    lat=appeal.location.lat,
                    lon=appeal.location.lon,
                    address=appeal.address,
                    building_id=appeal.building_id,
                    text=appeal.text,
                    channel=appeal.channel,
                    status=status,
                    idempotency_key=idempotency_key,
                    submitted_at=now,
                    updated_at=now,
                )
            )
            await session.flush()
            session.add(
                HistoryRow(
                    appeal_id=appeal_id,
                    event_id=event.event_id,
                    event_type=event.type,
                    status=AppealStatus.NEW,
                    occurred_at=now,
                )
            )
            stage(session, event, APPEAL_SUBMITTED)
        return appeal_id

"""The submit use case: check, store, and stage `AppealSubmitted` in one transaction.

The moderation checks mask personal data in the public text and may hold the appeal for a
moderator: then `AppealSubmitted(held_for_moderation=True)` and `AppealHeld` (applied to
the view: status `moderation`) are staged together. A citizen over the filing limits is
refused (`FilingLimited`), counted under a per-citizen lock so twins cannot both slip in.
"""

import json
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.envelope import new_event_id
from contracts.events import AppealHeld, AppealHeldPayload, AppealSubmitted, AppealSubmittedPayload
from contracts.status import AppealStatus, status_after
from contracts.topics import APPEAL_SUBMITTED
from intake.domain.catalogue import Catalogue
from intake.domain.filing_limits import FilingLimits
from intake.domain.moderation import Checks, Screening
from intake.own_events import PRODUCER, take_step
from intake.store import repository
from intake.store.tables import AppealRow, HistoryRow
from services.clock import Clock
from services.db import Database
from services.outbox import stage


class Submissions:
    def __init__(
        self,
        db: Database,
        catalogue: Catalogue,
        clock: Clock,
        limits: FilingLimits | None = None,
    ) -> None:
        self.db = db
        self.catalogue = catalogue
        self._clock = clock
        self.checks = Checks()
        self.limits = limits or FilingLimits()

    async def reload_catalogue(self) -> None:
        """Read the city's catalogue and moderation lists (at start)."""
        async with self.db.session() as session:
            self.catalogue = await repository.load_catalogue(session)
            self.checks = Checks(await repository.load_moderation_rules(session))

    async def submit(
        self, appeal: AppealSubmittedPayload, idempotency_key: str | None = None
    ) -> tuple[UUID, bool, AppealStatus]:
        """Accept an appeal; returns its id, whether it is new (False: a retried POST) and
        its status. Raises IntakeError (not acceptable) or FilingLimited (too many from the
        citizen)."""
        self.catalogue.check_submission(appeal.category, appeal.location, appeal.channel)
        if idempotency_key:
            async with self.db.session() as session:
                seen = await repository.find_by_idempotency_key(session, idempotency_key)
            if seen:
                return seen.id, False, AppealStatus(seen.status)
        try:
            appeal_id, status = await self._store(appeal, idempotency_key)
            return appeal_id, True, status
        except IntegrityError:
            if idempotency_key is None:
                raise
            return await self.submit(appeal, idempotency_key)  # lost a race with a twin

    async def _store(
        self, appeal: AppealSubmittedPayload, idempotency_key: str | None
    ) -> tuple[UUID, AppealStatus]:
        appeal_id = new_event_id()
        now = self._clock.now()
        screening = self.checks.screen(appeal.text, appeal.address)
        appeal = appeal.model_copy(update={"held_for_moderation": screening.held})
        event = AppealSubmitted(
            appeal_id=appeal_id,
            producer="intake",
            correlation_id=appeal_id,
            occurred_at=now,
            payload=appeal,
        )
        status = status_after(None, event.type)
        async with self.db.transaction() as session:
            if appeal.citizen_id is not None:
                await self._check_limits(session, appeal.citizen_id)
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
                    kind=appeal.kind,
                    status=status,
                    public_text=screening.public_text,
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
            if screening.held:
                status = await self._hold(session, appeal_id, screening)
        return appeal_id, AppealStatus(status)

    async def _check_limits(self, session: AsyncSession, citizen_id: UUID) -> None:
        """Raise FilingLimited if the citizen filed too many appeals lately; holds a lock
        on the citizen until the transaction ends, so their concurrent filings queue."""
        key = func.hashtextextended(str(citizen_id), 0)
        await session.exec(select(func.pg_advisory_xact_lock(key)))  # type: ignore[call-overload]
        now = self._clock.now()
        filed = await repository.filed_since(
            session, citizen_id, now - self.limits.remembered_for, self.limits.most
        )
        self.limits.check(filed, now)

    async def _hold(
        self, session: AsyncSession, appeal_id: UUID, screening: Screening
    ) -> AppealStatus:
        """Put the new appeal in the moderators' queue: `AppealHeld`, applied and staged."""
        row = await repository.get(session, appeal_id, for_update=True)
        row.moderation_reasons = json.dumps(screening.hold_reasons, ensure_ascii=False)
        held = AppealHeld(
            appeal_id=appeal_id,
            producer=PRODUCER,
            correlation_id=appeal_id,
            occurred_at=self._clock.now(),
            payload=AppealHeldPayload(reasons=list(screening.hold_reasons[:20])),
        )
        await take_step(session, row, held)
        return AppealStatus(row.status)

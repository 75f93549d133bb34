"""The submit use case: check, store, and stage `AppealSubmitted` in one transaction.

The moderation checks mask personal data in the public text and may hold the appeal for a
moderator: then `AppealSubmitted(held_for_moderation=True)` and `AppealHeld` (applied to
the view: status `moderation`) are staged together. A citizen over the filing limits is
refused (`FilingLimited`), counted under a per-citizen lock so twins cannot both slip in.

Concurrent submissions are written together (`services.group_commit`): one transaction
locks the batch's citizens, counts their filings and inserts every appeal, its history
row and its outbox row with one statement each. A submission refused in a batch (over
the limits, a retried key) is refused alone; a batch the database refuses (a twin key
filed by another instance in between) is written again one submission at a time.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.envelope import new_event_id
from contracts.events import AppealHeld, AppealHeldPayload, AppealSubmitted, AppealSubmittedPayload
from contracts.status import AppealStatus, status_after
from contracts.topics import APPEAL_SUBMITTED
from intake.domain.catalogue import Catalogue
from intake.domain.filing_limits import FilingLimited, FilingLimits
from intake.domain.moderation import Checks, Screening
from intake.own_events import PRODUCER, take_step
from intake.store import repository
from services.clock import Clock
from services.db import Database
from services.group_commit import GroupCommit
from services.outbox import stage_all

Filed = tuple[UUID, bool, AppealStatus]
"""The appeal's id, whether it is new (False: a retried POST) and its status."""


@dataclass(frozen=True)
class _Filing:
    appeal: AppealSubmittedPayload
    idempotency_key: str | None


@dataclass(frozen=True)
class _Prepared:
    """A new appeal ready to be written: its event and what the checks found."""

    filing: _Filing
    event: AppealSubmitted
    screening: Screening

    @property
    def citizen_id(self) -> UUID | None:
        return self.event.payload.citizen_id


@dataclass(frozen=True)
class _Twin:
    """A filing with the same idempotency key as an earlier one of its batch."""

    first: _Prepared


def _outcome(
    step: "Filed | _Prepared | _Twin", outcomes: dict[int, "Filed | Exception"]
) -> "Filed | Exception":
    if isinstance(step, _Prepared):
        return outcomes[id(step)]
    if isinstance(step, _Twin):
        first = outcomes[id(step.first)]
        return first if isinstance(first, Exception) else (first[0], False, first[2])
    return step


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
        self._filings: GroupCommit[_Filing, Filed] = GroupCommit(self._write)

    async def reload_catalogue(self) -> None:
        """Read the city's catalogue and moderation lists (at start)."""
        async with self.db.session() as session:
            self.catalogue = await repository.load_catalogue(session)
            self.checks = Checks(await repository.load_moderation_rules(session))

    async def submit(
        self, appeal: AppealSubmittedPayload, idempotency_key: str | None = None
    ) -> Filed:
        """Accept an appeal. Raises IntakeError (not acceptable) or FilingLimited (too
        many from the citizen)."""
        self.catalogue.check_submission(appeal.category, appeal.location, appeal.channel)
        return await self._filings.submit(_Filing(appeal, idempotency_key))

    async def _write(self, filings: Sequence[_Filing]) -> list[Filed | Exception]:
        """Write a batch in one transaction, or one by one when the database refuses it."""
        try:
            return await self._write_together(filings)
        except IntegrityError:
            if len(filings) == 1 and filings[0].idempotency_key is None:
                raise
            return [await self._write_alone(filing) for filing in filings]

    async def _write_alone(self, filing: _Filing) -> Filed | Exception:
        try:
            (outcome,) = await self._write_together([filing])
            return outcome
        except IntegrityError as error:
            if filing.idempotency_key is None:
                return error
            return await self._write_alone(filing)  # lost a race with a twin: found now
        except Exception as error:
            return error

    async def _write_together(self, filings: Sequence[_Filing]) -> list[Filed | Exception]:
        now = self._clock.now()
        keys = [f.idempotency_key for f in filings if f.idempotency_key]
        async with self.db.transaction() as session:
            seen = await repository.by_idempotency_keys(session, keys)
            firsts: dict[str, _Prepared] = {}  # a key's first filing in this batch
            plan: list[Filed | _Prepared | _Twin] = []
            for filing in filings:
                key = filing.idempotency_key
                if key in seen:
                    appeal_id, status = seen[key]
                    plan.append((appeal_id, False, AppealStatus(status)))
                elif key in firsts:
                    plan.append(_Twin(firsts[key]))
                else:
                    new = self._prepare(filing, now)
                    plan.append(new)
                    if key:
                        firsts[key] = new
            new_ones = [p for p in plan if isinstance(p, _Prepared)]
            refused = await self._within_limits(session, new_ones, now)
            accepted = [p for p in new_ones if id(p) not in refused]
            await self._insert(session, accepted)
            outcomes: dict[int, Filed | Exception] = dict(refused)
            for p in accepted:
                outcomes[id(p)] = await self._stored(session, p)
        return [_outcome(step, outcomes) for step in plan]

    async def _stored(self, session: AsyncSession, prepared: _Prepared) -> Filed:
        """The outcome of a new appeal, held for a moderator when the checks say so."""
        appeal_id = prepared.event.appeal_id
        status = status_after(None, prepared.event.type)
        if prepared.screening.held:
            status = await self._hold(session, appeal_id, prepared.screening)
        return appeal_id, True, AppealStatus(status)

    def _prepare(self, filing: _Filing, now: datetime) -> _Prepared:
        screening = self.checks.screen(filing.appeal.text, filing.appeal.address)
        appeal_id = new_event_id()
        event = AppealSubmitted(
            appeal_id=appeal_id,
            producer="intake",
            correlation_id=appeal_id,
            occurred_at=now,
            payload=filing.appeal.model_copy(update={"held_for_moderation": screening.held}),
        )
        return _Prepared(filing, event, screening)

    async def _within_limits(
        self, session: AsyncSession, prepared: Sequence[_Prepared], now: datetime
    ) -> dict[int, FilingLimited]:
        """Lock the citizens and count their filings; the refused: id(prepared) → why."""
        citizens = sorted({p.citizen_id for p in prepared if p.citizen_id is not None})
        await repository.lock_citizens(session, citizens)
        filed = await repository.filed_since_each(
            session, citizens, now - self.limits.remembered_for, self.limits.most
        )
        refused: dict[int, FilingLimited] = {}
        for p in prepared:
            if p.citizen_id is None:
                continue
            try:
                self.limits.check(filed[p.citizen_id], now)
                filed[p.citizen_id].insert(0, now)  # the next one of the batch counts it
            except FilingLimited as limited:
                refused[id(p)] = limited
        return refused

    async def _insert(self, session: AsyncSession, prepared: Sequence[_Prepared]) -> None:
        appeals: list[dict[str, Any]] = []
        history: list[dict[str, Any]] = []
        for p in prepared:
            appeal, event = p.event.payload, p.event
            appeals.append(
                {
                    "id": event.appeal_id,
                    "citizen_id": appeal.citizen_id,
                    "category": appeal.category,
                    "lat": appeal.location.lat,
                    "lon": appeal.location.lon,
                    "address": appeal.address,
                    "building_id": appeal.building_id,
                    "text": appeal.text,
                    "channel": appeal.channel,
                    "kind": appeal.kind,
                    "status": status_after(None, event.type).value,
                    "public_text": p.screening.public_text,
                    "idempotency_key": p.filing.idempotency_key,
                    "submitted_at": event.occurred_at,
                    "updated_at": event.occurred_at,
                }
            )
            history.append(
                {
                    "appeal_id": event.appeal_id,
                    "event_id": event.event_id,
                    "event_type": event.type,
                    "status": AppealStatus.NEW.value,
                    "occurred_at": event.occurred_at,
                }
            )
        await repository.insert_appeals(session, appeals, history)
        stage_all(session, [(p.event, APPEAL_SUBMITTED) for p in prepared])

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

"""The photos of an executor's answer: added by its staff, kept clean by the chassis
(`services.photo_store`) under `answers/<appeal>/<executor>/`, shown as
`executor_gateway.domain.answer_photos` rules."""

from collections.abc import Sequence
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.envelope import new_event_id
from executor_gateway.domain.answer_photos import check_may_add, check_may_see, is_public
from executor_gateway.store import photos as store
from executor_gateway.store import repository
from executor_gateway.store.tables import AnswerPhotoRow
from services.clock import Clock
from services.db import Database
from services.identity import Principal
from services.photo_store import KeptPhoto, PhotoStore, StoredPhoto


class AnswerPhotos:
    def __init__(self, db: Database, clock: Clock, files: PhotoStore, per_answer: int) -> None:
        self.db = db
        self._clock = clock
        self._files = files
        self._per_answer = per_answer

    async def add(self, executor_id: str, appeal_id: UUID, data: bytes) -> AnswerPhotoRow:
        """Add the photo in `data` to the executor's assignment (its staff asks); raises
        `AssignmentNotFound`, `NotAllowed` (checked before any image work) or `ImageRefused`."""

        async def check(session: AsyncSession) -> None:
            row = await repository.assignment(session, executor_id, appeal_id, for_update=True)
            photos = await store.count(session, appeal_id, executor_id)
            check_may_add(store.answered_by(row), photos, self._per_answer)

        def row(kept: KeptPhoto) -> AnswerPhotoRow:
            return AnswerPhotoRow(
                photo_id=new_event_id(),
                appeal_id=appeal_id,
                executor_id=executor_id,
                added_at=self._clock.now(),
                **kept.columns(),
            )

        folder = f"answers/{appeal_id}/{executor_id}"
        return await self._files.attach(self.db, folder, data, check, row)

    async def of_assignment(self, executor_id: str, appeal_id: UUID) -> Sequence[AnswerPhotoRow]:
        """Every photo of the assignment (for its staff and the city's); raises
        `AssignmentNotFound`."""
        async with self.db.session() as session:
            await repository.assignment(session, executor_id, appeal_id)
            return [p for p, _a in await store.photos(session, appeal_id, executor_id)]

    async def public(self, appeal_id: UUID) -> Sequence[AnswerPhotoRow]:
        """The photos of the appeal's answers given (none before an answer)."""
        async with self.db.session() as session:
            found = await store.photos(session, appeal_id)
        return [p for p, a in found if is_public(store.answered_by(a))]

    async def open(
        self, photo_id: UUID, caller: Principal | None, *, thumbnail: bool = False
    ) -> StoredPhoto:
        """The photo (or its thumbnail); raises `PhotoNotFound`, `NotAllowedToSee`."""
        async with self.db.session() as session:
            row, assignment = await store.photo(session, photo_id)
        check_may_see(caller, assignment)
        return await self._files.read(row, thumbnail=thumbnail, public=is_public(assignment))

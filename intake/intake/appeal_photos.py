"""The citizen's photos of an appeal: added by the citizen who filed it, kept clean by the
chassis (`services.photo_store`) under `appeals/<appeal>/`, shown as
`intake.domain.photo_access` rules."""

from collections.abc import Sequence
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.envelope import new_event_id
from intake.domain.photo_access import check_may_add, check_may_see, is_public, may_see
from intake.store import photos as store
from intake.store.tables import AppealPhotoRow
from services.clock import Clock
from services.db import Database
from services.identity import Principal
from services.photo_store import KeptPhoto, PhotoStore, StoredPhoto


class AppealPhotos:
    def __init__(self, db: Database, clock: Clock, files: PhotoStore, per_appeal: int) -> None:
        self.db = db
        self._clock = clock
        self._files = files
        self._per_appeal = per_appeal

    async def add(self, appeal_id: UUID, caller: Principal, data: bytes) -> AppealPhotoRow:
        """Add the photo in `data` to the appeal; raises `AppealNotFound`, `NotYourAppeal`,
        `StepRefused` (checked before any image work is done) or `ImageRefused`."""

        async def check(session: AsyncSession) -> None:
            appeal = await store.owner(session, appeal_id, for_update=True)
            check_may_add(caller, appeal, await store.count(session, appeal_id), self._per_appeal)

        def row(kept: KeptPhoto) -> AppealPhotoRow:
            return AppealPhotoRow(
                photo_id=new_event_id(),
                appeal_id=appeal_id,
                added_at=self._clock.now(),
                **kept.columns(),
            )

        return await self._files.attach(self.db, f"appeals/{appeal_id}", data, check, row)

    async def list(self, appeal_id: UUID, caller: Principal | None) -> Sequence[AppealPhotoRow]:
        """The appeal's photos `caller` may see; raises `AppealNotFound`."""
        async with self.db.session() as session:
            appeal = await store.owner(session, appeal_id)
            rows = await store.photos(session, appeal_id)
        return [r for r in rows if may_see(caller, appeal, r.published)]

    async def open(
        self, photo_id: UUID, caller: Principal | None, *, thumbnail: bool = False
    ) -> StoredPhoto:
        """The photo (or its thumbnail); raises `PhotoNotFound`, `NotAllowedToSee`."""
        async with self.db.session() as session:
            row, appeal = await store.photo(session, photo_id)
        check_may_see(caller, appeal, row.published)
        public = is_public(appeal, row.published)
        return await self._files.read(row, thumbnail=thumbnail, public=public)

    async def publish(self, photo_id: UUID, published: bool) -> AppealPhotoRow:
        """A moderator shows the photo to the public (or hides it again)."""
        async with self.db.transaction() as session:
            row, _appeal = await store.photo(session, photo_id, for_update=True)
            row.published = published
            session.add(row)
        return row

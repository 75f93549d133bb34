"""Posting and reading an appeal's comments. A comment and its `CommentPosted` event are
written in one transaction; photos are added to a posted comment afterwards (see
`comments.photos`), so the event carries no photo ids."""

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID, uuid4

from comments.declaration import SERVICE
from comments.domain.speakers import check_may_post, readable
from comments.store import repository
from comments.store.tables import CommentRow, PhotoRow
from contracts.envelope import new_event_id
from contracts.events import CommentAuthor, CommentPosted, CommentPostedPayload, CommentVisibility
from contracts.topics import APPEAL_EVENTS
from services.clock import Clock
from services.db import Database
from services.identity import Principal
from services.outbox import stage


@dataclass(frozen=True)
class Page:
    """Comments as one reader may see them."""

    comments: Sequence[tuple[CommentRow, Sequence[PhotoRow]]]
    staff_view: bool
    """The reader sees internal comments (and who among the staff wrote each)."""


class Discussion:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self._clock = clock

    async def post(
        self, appeal_id: UUID, caller: Principal, text: str, visibility: CommentVisibility
    ) -> CommentRow:
        """Post the comment; raises `NotFound` (an unknown appeal) or `NotASpeaker`."""
        async with self.db.transaction() as session:
            speakers = await repository.speakers(session, appeal_id)
            author = check_may_post(caller, repository.speakers_of(speakers), visibility)
            staff = author is not CommentAuthor.CITIZEN
            row = CommentRow(
                comment_id=new_event_id(),  # a UUIDv7: same-instant comments keep order
                appeal_id=appeal_id,
                visibility=visibility.value,
                author=author.value,
                author_id=caller.pseudonym,
                executor_id=speakers.executor_id if author is CommentAuthor.EXECUTOR else None,
                by=caller.label if staff else None,
                text=text,
                posted_at=self._clock.now(),
            )
            session.add(row)
            stage(session, _posted(row, speakers.correlation_id), APPEAL_EVENTS)
        return row

    async def read(
        self, appeal_id: UUID, caller: Principal | None, *, limit: int, offset: int
    ) -> Page:
        """The comments `caller` may read, oldest first; raises `NotFound`."""
        async with self.db.session() as session:
            speakers = repository.speakers_of(await repository.speakers(session, appeal_id))
            visible = readable(caller, speakers)
            rows = await repository.comments(
                session, appeal_id, visible, limit=limit, offset=offset
            )
            photos = await repository.photos_of(session, [r.comment_id for r in rows])
        by_comment: dict[UUID, list[PhotoRow]] = {}
        for photo in photos:
            by_comment.setdefault(photo.comment_id, []).append(photo)
        return Page(
            comments=[(r, by_comment.get(r.comment_id, [])) for r in rows],
            staff_view=CommentVisibility.INTERNAL in visible,
        )


def _posted(row: CommentRow, correlation_id: UUID | None) -> CommentPosted:
    return CommentPosted(
        producer=SERVICE.name,
        appeal_id=row.appeal_id,
        occurred_at=row.posted_at,
        correlation_id=correlation_id or uuid4(),
        payload=CommentPostedPayload(
            comment_id=row.comment_id,
            visibility=CommentVisibility(row.visibility),
            author=CommentAuthor(row.author),
            executor_id=row.executor_id,
            by=row.by,
            text=row.text,
        ),
    )

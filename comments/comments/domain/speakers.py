"""Who may speak on an appeal and who may read what is said there (pure).

An appeal's speakers are its citizen (known by the pseudonymous `citizen_id` intake put on
`AppealSubmitted`) and the staff of the executor holding it (the last one routed to it; a
redirect or a wait for manual routing leaves it with none, an answer keeps it, so the
executor can still comment on its answer). The city's staff — operators, moderators,
curators, administrators — may speak on every appeal.

- The citizen writes and reads public comments only.
- The executor's staff and the city's write and read public and internal comments.
- Anyone, signed in or not, reads public comments (and their photos).
- Photos are added to a comment by its author alone, up to a limit per comment.
"""

from dataclasses import dataclass
from uuid import UUID

from contracts.events import CommentAuthor, CommentVisibility
from contracts.roles import CITY_STAFF
from services.identity import Principal

PUBLIC_ONLY = frozenset({CommentVisibility.PUBLIC})
EVERYTHING = frozenset(CommentVisibility)


class NotASpeaker(PermissionError):
    """The caller may not do this on this appeal (HTTP 403)."""


class TooManyPhotos(ValueError):
    """The comment already carries as many photos as allowed (HTTP 409)."""


@dataclass(frozen=True)
class Speakers:
    """Who speaks for the appeal's two sides, as far as this service has heard."""

    citizen_id: UUID | None = None
    executor_id: str | None = None


def standing(caller: Principal | None, speakers: Speakers) -> CommentAuthor | None:
    """As whom `caller` speaks on the appeal; None: a stranger (or nobody signed in)."""
    if caller is None:
        return None
    if speakers.executor_id is not None and caller.works_for(speakers.executor_id):
        return CommentAuthor.EXECUTOR
    if caller.has_any(CITY_STAFF):
        return CommentAuthor.CITY
    if speakers.citizen_id is not None and caller.pseudonym == speakers.citizen_id:
        return CommentAuthor.CITIZEN
    return None


def readable(caller: Principal | None, speakers: Speakers) -> frozenset[CommentVisibility]:
    """The comments `caller` may read on the appeal (and see the photos of)."""
    author = standing(caller, speakers)
    if author in (CommentAuthor.EXECUTOR, CommentAuthor.CITY):
        return EVERYTHING
    return PUBLIC_ONLY


def check_may_post(
    caller: Principal, speakers: Speakers, visibility: CommentVisibility
) -> CommentAuthor:
    """As whom `caller` posts a comment of `visibility`; raises `NotASpeaker`."""
    author = standing(caller, speakers)
    if author is None:
        raise NotASpeaker(
            "only the appeal's citizen, the staff of the executor holding it and the city's"
            " staff comment on it"
        )
    if visibility is CommentVisibility.INTERNAL and author is CommentAuthor.CITIZEN:
        raise NotASpeaker("internal comments are for staff; the citizen's are public")
    return author


@dataclass(frozen=True)
class PostedComment:
    """What the rules need to know of a comment to take a photo for it."""

    author_id: UUID
    """The pseudonym of whoever wrote it."""
    visibility: CommentVisibility
    photos: int


def check_may_attach(
    caller: Principal, speakers: Speakers, comment: PostedComment, limit: int
) -> None:
    """Raise `NotASpeaker` unless `caller` wrote the comment and may still speak there, or
    `TooManyPhotos` when it already carries `limit` photos."""
    if caller.pseudonym != comment.author_id:
        raise NotASpeaker("only the comment's author adds photos to it")
    check_may_post(caller, speakers, comment.visibility)
    if comment.photos >= limit:
        raise TooManyPhotos(f"a comment carries at most {limit} photos")


def check_may_see(
    caller: Principal | None, speakers: Speakers, visibility: CommentVisibility
) -> None:
    """Raise `NotASpeaker` unless `caller` may read a comment of `visibility` (and see its
    photos)."""
    if visibility not in readable(caller, speakers):
        raise NotASpeaker("internal comments and their photos are for the appeal's staff")

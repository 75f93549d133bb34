"""Who may add and who may see the photos of an appeal (pure).

- The citizen who filed the appeal adds photos (up to a limit) until it is answered or
  closed: they show the problem, so they belong to the appeal while it waits for work.
- The citizen, the city's staff (operators, moderators, curators, administrators) and the
  staff of the executor holding the appeal now see them; an executor it was redirected
  away from no longer does.
- The public sees only the photos a moderator published, and not while the appeal is held
  for moderation. A photo may show faces, car plates, documents or the inside of a home —
  personal data no automatic check can mask in a picture (the text is masked by
  moderation) — so a citizen's photo is private until a person has looked at it.
"""

from dataclasses import dataclass
from uuid import UUID

from contracts.roles import CITY_STAFF
from contracts.status import AppealStatus
from intake.domain.errors import NotYourAppeal, StepRefused
from services.identity import Principal, Role

S = AppealStatus
NO_MORE_PHOTOS = frozenset({S.RESOLVED, S.CLARIFIED, S.REJECTED, S.DUPLICATE, S.CLOSED})
"""Once answered or closed, the appeal takes no more of the citizen's photos."""
HIDDEN = frozenset({S.MODERATION})
"""While held for moderation, even published photos are not public."""


class NotAllowedToSee(PermissionError):
    """The caller may not see this photo (HTTP 401 for nobody signed in, else 403)."""


class TooManyPhotos(StepRefused):
    """The appeal already has as many photos as allowed (HTTP 409)."""


@dataclass(frozen=True)
class PhotoOwner:
    """What the rules need to know of the appeal a photo belongs to."""

    citizen_id: UUID | None
    executor_id: str | None
    status: AppealStatus


def is_filer(caller: Principal | None, appeal: PhotoOwner) -> bool:
    return (
        caller is not None
        and Role.CITIZEN in caller.roles
        and appeal.citizen_id is not None
        and caller.pseudonym == appeal.citizen_id
    )


def sees_all(caller: Principal | None, appeal: PhotoOwner) -> bool:
    """The filer, the city's staff and the holding executor's staff see every photo."""
    if caller is None:
        return False
    holder = appeal.executor_id is not None and caller.works_for(appeal.executor_id)
    return holder or caller.has_any(CITY_STAFF) or is_filer(caller, appeal)


def is_public(appeal: PhotoOwner, published: bool) -> bool:
    """Anyone may see a published photo of an appeal not held for moderation."""
    return published and appeal.status not in HIDDEN


def may_see(caller: Principal | None, appeal: PhotoOwner, published: bool) -> bool:
    return is_public(appeal, published) or sees_all(caller, appeal)


def check_may_see(caller: Principal | None, appeal: PhotoOwner, published: bool) -> None:
    if not may_see(caller, appeal, published):
        raise NotAllowedToSee(
            "the appeal's photos are for its citizen, the city's staff and the executor"
            " holding it (and for everyone once a moderator publishes them)"
        )


def check_may_add(caller: Principal, appeal: PhotoOwner, photos: int, limit: int) -> None:
    """Raise `NotYourAppeal`, `StepRefused` (answered or closed) or `TooManyPhotos`."""
    if not is_filer(caller, appeal):
        raise NotYourAppeal()
    if appeal.status in NO_MORE_PHOTOS:
        raise StepRefused(f"the appeal is {appeal.status}: it takes no more photos")
    if photos >= limit:
        raise TooManyPhotos(f"an appeal carries at most {limit} photos")

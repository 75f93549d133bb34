"""Who may add and who may see the photos of an executor's answer (pure).

- The executor's own staff add photos to its assignment (up to a limit) while they work on
  it and after answering ("answer with photos"), but not once it was redirected away or
  closed.
- The executor's staff and the city's staff overseeing executors see them always.
- Everybody sees them once the executor has answered (resolved, clarified or rejected, or
  later: closed, reopened): they show the work done, not the citizen.
"""

from dataclasses import dataclass

from contracts.status import ANSWERED, AppealStatus
from executor_gateway.domain.assignment import NotAllowed
from services.identity import Principal, Role

S = AppealStatus
OVERSIGHT = frozenset({Role.OPERATOR, Role.CURATOR, Role.ADMIN})
NO_MORE_PHOTOS = frozenset({S.REDIRECTED, S.CLOSED})
AFTER_ANSWER = ANSWERED | {S.CLOSED, S.REOPENED}


class NotAllowedToSee(PermissionError):
    """The answer is not given yet and the caller is not its staff (HTTP 401 / 403)."""


class TooManyPhotos(NotAllowed):
    """The assignment already has as many photos as allowed (HTTP 409)."""


@dataclass(frozen=True)
class AnsweredBy:
    """What the rules need to know of the assignment a photo belongs to."""

    executor_id: str
    status: AppealStatus
    answered: bool
    """An answer was given (a closing for want of the citizen's details is none)."""


def is_public(assignment: AnsweredBy) -> bool:
    return assignment.answered and assignment.status in AFTER_ANSWER


def may_see(caller: Principal | None, assignment: AnsweredBy) -> bool:
    if is_public(assignment):
        return True
    if caller is None:
        return False
    return caller.works_for(assignment.executor_id) or caller.has_any(OVERSIGHT)


def check_may_see(caller: Principal | None, assignment: AnsweredBy) -> None:
    if not may_see(caller, assignment):
        raise NotAllowedToSee(
            "an answer's photos are public once it is given; before, for the executor's"
            " and the city's staff"
        )


def check_may_add(assignment: AnsweredBy, photos: int, limit: int) -> None:
    """Raise `NotAllowed` once the assignment is over, `TooManyPhotos` at the limit (the
    caller is the executor's staff: the route checks it)."""
    if assignment.status in NO_MORE_PHOTOS:
        raise NotAllowed(f"the assignment is {assignment.status}: it takes no more photos")
    if photos >= limit:
        raise TooManyPhotos(f"an answer carries at most {limit} photos")

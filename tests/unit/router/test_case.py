"""The router's case: every step from every state, allowed or refused."""

from collections.abc import Callable
from uuid import uuid4

import pytest

from router.domain.case import (
    OPEN_STATES,
    AlreadyDecided,
    Case,
    CaseError,
    CaseState,
    ExcludedExecutor,
    NotHeld,
    NotWaitingForOperator,
    NotWithExecutor,
)

ORIGINAL = uuid4()
HOLDER = "uk-north"


def in_state(state: CaseState) -> Case:
    """A case brought to `state` by the steps that lead there (routed ones are with HOLDER)."""
    case = Case(uuid4())
    match state:
        case CaseState.ROUTED:
            case.route(HOLDER)
        case CaseState.MANUAL:
            case.send_to_manual()
        case CaseState.DUPLICATE:
            case.mark_duplicate(ORIGINAL)
        case CaseState.CLOSED:
            case.route(HOLDER)
            case.close()
        case CaseState.FORWARDED:
            case.forward(HOLDER)
        case CaseState.HELD:
            case.hold()
    assert case.state is state
    return case


Step = Callable[[Case], None]
STEPS: dict[str, Step] = {
    "route": lambda c: c.route("roads-dept"),
    "send_to_manual": lambda c: c.send_to_manual(),
    "mark_duplicate": lambda c: c.mark_duplicate(ORIGINAL),
    "redirected_by": lambda c: c.redirected_by(HOLDER),
    "route_manually": lambda c: c.route_manually("roads-dept"),
    "close": lambda c: c.close(),
    "reopen": lambda c: c.reopen(HOLDER),
    "forward": lambda c: c.forward("roads-dept"),
    "hold": lambda c: c.hold(),
    "release": lambda c: c.release(),
}

S = CaseState
ALLOWED: dict[tuple[CaseState, str], CaseState] = {
    (S.NEW, "route"): S.ROUTED,
    (S.NEW, "send_to_manual"): S.MANUAL,
    (S.NEW, "mark_duplicate"): S.DUPLICATE,
    (S.ROUTED, "redirected_by"): S.NEW,
    (S.ROUTED, "close"): S.CLOSED,
    (S.MANUAL, "route_manually"): S.ROUTED,
    (S.CLOSED, "close"): S.CLOSED,
    (S.CLOSED, "reopen"): S.ROUTED,
    (S.ROUTED, "reopen"): S.ROUTED,
    (S.NEW, "forward"): S.FORWARDED,
    (S.NEW, "hold"): S.HELD,
    (S.HELD, "release"): S.NEW,
    (S.HELD, "close"): S.CLOSED,  # a moderator rejected it
}
REFUSED_WITH: dict[str, type[CaseError]] = {
    "route": AlreadyDecided,
    "send_to_manual": AlreadyDecided,
    "mark_duplicate": AlreadyDecided,
    "redirected_by": NotWithExecutor,
    "route_manually": NotWaitingForOperator,
    "close": NotWithExecutor,
    "reopen": NotWithExecutor,
    "forward": AlreadyDecided,
    "hold": AlreadyDecided,
    "release": NotHeld,
}
EVERY_STEP = [(state, step) for state in CaseState for step in STEPS]


def cases(allowed: bool) -> list[object]:
    return [
        pytest.param(state, step, id=f"{state}-{step}")
        for state, step in EVERY_STEP
        if ((state, step) in ALLOWED) is allowed
    ]


@pytest.mark.parametrize(("state", "step"), cases(allowed=True))
def test_allowed_steps_lead_to_their_state(state: CaseState, step: str) -> None:
    case = in_state(state)
    STEPS[step](case)
    assert case.state is ALLOWED[state, step]


@pytest.mark.parametrize(("state", "step"), cases(allowed=False))
def test_refused_steps_raise_and_change_nothing(state: CaseState, step: str) -> None:
    case = in_state(state)
    before = Case(**vars(case))
    with pytest.raises(REFUSED_WITH[step]):
        STEPS[step](case)
    assert case == before


def test_a_routed_case_holds_its_executor_and_manual_or_duplicate_ones_none() -> None:
    assert in_state(S.ROUTED).executor_id == HOLDER
    assert in_state(S.MANUAL).executor_id is None
    duplicate = in_state(S.DUPLICATE)
    assert (duplicate.executor_id, duplicate.duplicate_of) == (None, ORIGINAL)


def test_a_redirect_excludes_the_executor_and_starts_a_new_attempt() -> None:
    case = in_state(S.ROUTED)
    case.redirected_by(HOLDER)
    assert (case.state, case.executor_id) == (S.NEW, None)
    assert (case.attempt, case.excluded_executor_ids, case.redirects) == (2, (HOLDER,), 1)
    case.route("roads-dept")
    case.redirected_by("roads-dept")
    assert (case.attempt, case.excluded_executor_ids) == (3, (HOLDER, "roads-dept"))


def test_only_the_executor_holding_the_case_may_redirect_it() -> None:
    case = in_state(S.ROUTED)
    with pytest.raises(NotWithExecutor, match="not with 'roads-dept'"):
        case.redirected_by("roads-dept")
    assert (case.state, case.executor_id, case.attempt) == (S.ROUTED, HOLDER, 1)


def test_the_rules_never_send_a_case_back_to_an_executor_that_redirected_it() -> None:
    case = in_state(S.ROUTED)
    case.redirected_by(HOLDER)
    with pytest.raises(ExcludedExecutor):
        case.route(HOLDER)
    assert case.state is S.NEW


def test_an_operator_may_choose_even_an_executor_that_redirected_it() -> None:
    case = in_state(S.ROUTED)
    case.redirected_by(HOLDER)
    case.send_to_manual()
    case.route_manually(HOLDER)
    assert (case.state, case.executor_id, case.attempt) == (S.ROUTED, HOLDER, 3)


def test_a_case_cannot_duplicate_itself() -> None:
    case = Case(uuid4())
    with pytest.raises(CaseError, match="itself"):
        case.mark_duplicate(case.appeal_id)
    assert case.state is S.NEW


def test_closing_a_closed_case_changes_nothing() -> None:
    case = in_state(S.CLOSED)
    case.close()
    assert (case.state, case.executor_id) == (S.CLOSED, HOLDER)


def test_open_cases_are_the_routed_and_the_queued() -> None:
    assert {S.ROUTED, S.MANUAL} == OPEN_STATES


def test_the_states_keep_the_strings_stored_in_the_database() -> None:
    stored = ["new", "routed", "forwarded", "manual", "held", "duplicate", "closed"]
    assert [s.value for s in CaseState] == stored


def test_a_reopened_case_goes_back_to_its_executor_and_is_an_original_again() -> None:
    case = in_state(S.CLOSED)
    assert case.state not in OPEN_STATES
    with pytest.raises(NotWithExecutor):
        case.reopen("roads-dept")
    case.reopen(HOLDER)
    assert (case.state, case.executor_id) == (S.ROUTED, HOLDER)
    assert case.state in OPEN_STATES

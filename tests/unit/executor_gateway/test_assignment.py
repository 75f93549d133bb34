import pytest

from contracts.status import AppealStatus
from executor_gateway.domain.assignment import Assignment, NotAllowed


def test_accept_then_resolve() -> None:
    assignment = Assignment(executor_id="uk-1", status=AppealStatus.ROUTED)
    assignment.accept()
    assignment.resolve("Done")
    assert (assignment.status, assignment.answer) == (AppealStatus.RESOLVED, "Done")


def test_a_resolved_assignment_cannot_be_accepted_again() -> None:
    assignment = Assignment(executor_id="uk-1", status=AppealStatus.RESOLVED)
    with pytest.raises(NotAllowed, match="not allowed when the appeal is resolved"):
        assignment.accept()


def test_only_the_assigned_executor_may_act() -> None:
    assignment = Assignment(executor_id="uk-1", status=AppealStatus.ROUTED)
    with pytest.raises(NotAllowed, match="assigned to 'uk-1', not 'uk-2'"):
        assignment.check_acting_executor("uk-2")

import pytest

from contracts.status import (
    ALLOWED,
    STATUS_AFTER_EVENT,
    AppealStatus,
    IllegalTransition,
    is_open,
    status_after,
)

S = AppealStatus


def test_an_appeal_is_born_new_and_only_by_submission() -> None:
    assert status_after(None, "AppealSubmitted") is S.NEW
    with pytest.raises(IllegalTransition):
        status_after(None, "AppealRouted")


@pytest.mark.parametrize(
    ("events", "final"),
    [
        (["AppealRouted", "AppealAccepted", "AppealResolved"], S.RESOLVED),
        (["NeedsManualRouting"], S.MANUAL_ROUTING),
        (["AppealRouted", "AppealResolved"], S.RESOLVED),
    ],
)
def test_the_happy_paths(events: list[str], final: AppealStatus) -> None:
    status = status_after(None, "AppealSubmitted")
    for event in events:
        status = status_after(status, event)
    assert status is final


@pytest.mark.parametrize(
    ("current", "event"),
    [
        (S.NEW, "AppealAccepted"),
        (S.NEW, "AppealResolved"),
        (S.RESOLVED, "AppealAccepted"),
        (S.CLOSED, "AppealRouted"),
        (S.MANUAL_ROUTING, "AppealAccepted"),
        (S.ACCEPTED, "AppealAccepted"),
        (S.ROUTED, "AppealSubmitted"),
    ],
)
def test_illegal_transitions_are_rejected_with_a_reason(current: AppealStatus, event: str) -> None:
    with pytest.raises(IllegalTransition, match=f"{event} is not allowed when the appeal is"):
        status_after(current, event)


def test_events_without_a_status_leave_it_alone() -> None:
    assert status_after(S.ACCEPTED, "AssignmentIssued") is S.ACCEPTED


def test_every_status_has_a_row_and_closed_is_final() -> None:
    assert set(ALLOWED) == set(AppealStatus)
    assert ALLOWED[S.CLOSED] == frozenset()
    assert set(STATUS_AFTER_EVENT.values()) <= set(AppealStatus)


def test_open_and_finished_statuses() -> None:
    assert is_open(S.ROUTED)
    assert is_open(S.MANUAL_ROUTING)
    assert not is_open(S.RESOLVED)
    assert not is_open(S.DUPLICATE)

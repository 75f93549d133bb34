import pytest

from contracts.status import (
    ALLOWED,
    TRANSITIONS,
    AppealStatus,
    IllegalTransition,
    Lifecycle,
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
    assert all(ALLOWED[status] for status in AppealStatus if status is not S.CLOSED)


def test_open_and_finished_statuses() -> None:
    assert is_open(S.ROUTED)
    assert is_open(S.MANUAL_ROUTING)
    assert not is_open(S.RESOLVED)
    assert not is_open(S.DUPLICATE)


# Every step of an appeal's life, written out as the issue describes it (status, event) →
# status; any pair not here must be refused. Checked against the machine both ways.
LIFE: dict[tuple[AppealStatus, str], AppealStatus] = {
    (S.NEW, "AppealHeld"): S.MODERATION,  # intake's checks flagged it
    (S.MODERATION, "AppealApproved"): S.NEW,
    (S.NEW, "AppealForwarded"): S.FORWARDED,  # a suggestion or thanks
    (S.MANUAL_ROUTING, "AppealForwarded"): S.FORWARDED,
    (S.FORWARDED, "AppealAcknowledged"): S.CLOSED,
    (S.NEW, "AppealRouted"): S.ROUTED,
    (S.NEW, "NeedsManualRouting"): S.MANUAL_ROUTING,
    (S.NEW, "AppealDuplicate"): S.DUPLICATE,
    (S.NEW, "AppealRejected"): S.REJECTED,  # a moderator refuses it
    (S.MODERATION, "AppealRejected"): S.REJECTED,
    (S.MANUAL_ROUTING, "AppealRouted"): S.ROUTED,
    (S.MANUAL_ROUTING, "AppealDuplicate"): S.DUPLICATE,
    (S.MANUAL_ROUTING, "AppealRejected"): S.REJECTED,
    (S.REDIRECTED, "AppealRouted"): S.ROUTED,
    (S.REDIRECTED, "NeedsManualRouting"): S.MANUAL_ROUTING,
    **{
        (status, event): target
        for status in (S.ROUTED, S.ACCEPTED, S.REOPENED)
        for event, target in {
            "AppealResolved": S.RESOLVED,
            "AppealClarified": S.CLARIFIED,
            "AppealRejected": S.REJECTED,
            "AppealRedirected": S.REDIRECTED,
            "ClarificationRequested": S.NEEDS_CLARIFICATION,
        }.items()
    },
    (S.ROUTED, "AppealAccepted"): S.ACCEPTED,
    (S.REOPENED, "AppealAccepted"): S.ACCEPTED,
    (S.REOPENED, "AppealRouted"): S.ROUTED,
    (S.NEEDS_CLARIFICATION, "AppealClosed"): S.CLOSED,  # the question went unanswered
    **{
        (status, event): target
        for status in (S.RESOLVED, S.CLARIFIED, S.REJECTED)
        for event, target in {
            "AppealConfirmed": S.CLOSED,
            "AppealClosed": S.CLOSED,  # no verdict in time
            "AppealReopened": S.REOPENED,
            "AnswerRejected": S.REOPENED,
        }.items()
    },
    (S.DUPLICATE, "AppealClosed"): S.CLOSED,
}
STATUS_EVENTS = sorted(TRANSITIONS)


@pytest.mark.parametrize("status", list(AppealStatus))
@pytest.mark.parametrize("event", STATUS_EVENTS)
def test_every_transition_is_allowed_or_refused_as_the_life_says(
    status: AppealStatus, event: str
) -> None:
    expected = LIFE.get((status, event))
    if expected is not None:
        assert status_after(status, event) is expected
    else:
        with pytest.raises(IllegalTransition):
            status_after(status, event)


def test_a_question_pauses_the_appeal_and_the_answer_resumes_it_where_it_was() -> None:
    for where in (S.ROUTED, S.ACCEPTED, S.REOPENED):
        paused = Lifecycle(where).after("ClarificationRequested")
        assert paused == Lifecycle(S.NEEDS_CLARIFICATION, paused_from=where)
        assert paused.after("ClarificationProvided") == Lifecycle(where)


def test_an_answer_nobody_asked_for_is_refused() -> None:
    for status in AppealStatus:
        if status is not S.NEEDS_CLARIFICATION:
            with pytest.raises(IllegalTransition):
                Lifecycle(status).after("ClarificationProvided")
    with pytest.raises(IllegalTransition):
        status_after(S.NEEDS_CLARIFICATION, "ClarificationProvided")


def test_one_question_at_a_time() -> None:
    paused = Lifecycle(S.ACCEPTED).after("ClarificationRequested")
    with pytest.raises(IllegalTransition):
        paused.after("ClarificationRequested")


def test_the_citizen_reopens_an_answer_and_the_executor_answers_again() -> None:
    life = Lifecycle(S.NEW)
    for event in (
        "AppealRouted",
        "AppealAccepted",
        "AppealClarified",
        "AppealReopened",
        "AppealAccepted",
        "AppealResolved",
        "AppealConfirmed",
    ):
        life = life.after(event)
    assert life == Lifecycle(S.CLOSED)
    assert not is_open(S.CLARIFIED)
    assert is_open(S.REOPENED)


def test_a_held_appeal_is_routed_only_after_a_moderator_approves_it() -> None:
    held = Lifecycle(S.NEW).after("AppealHeld")
    with pytest.raises(IllegalTransition):
        held.after("AppealRouted")
    assert held.after("AppealApproved").after("AppealRouted") == Lifecycle(S.ROUTED)
    assert held.after("AppealRejected") == Lifecycle(S.REJECTED)


def test_a_suggestion_is_forwarded_and_ends_when_acknowledged() -> None:
    forwarded = Lifecycle(S.NEW).after("AppealForwarded")
    assert not is_open(forwarded.status)
    for answer in ("AppealResolved", "AppealAccepted", "AppealReopened", "AppealConfirmed"):
        with pytest.raises(IllegalTransition):
            forwarded.after(answer)
    assert forwarded.after("AppealAcknowledged") == Lifecycle(S.CLOSED)

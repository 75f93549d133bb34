"""The citizen's view through the whole life of an appeal: which steps can happen in which
status, what each one shows the citizen, and the window for the citizen's verdict."""

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from contracts.events import (
    AnswerRejected,
    AnswerRejectedPayload,
    AppealAccepted,
    AppealAcceptedPayload,
    AppealClarified,
    AppealClarifiedPayload,
    AppealClosed,
    AppealClosedPayload,
    AppealConfirmed,
    AppealConfirmedPayload,
    AppealRejected,
    AppealRejectedPayload,
    AppealReopened,
    AppealReopenedPayload,
    AppealResolved,
    AppealResolvedPayload,
    ClarificationProvided,
    ClarificationProvidedPayload,
    ClarificationRequested,
    ClarificationRequestedPayload,
    CloseReason,
)
from contracts.status import AppealStatus, IllegalTransition, Lifecycle
from intake.domain.errors import StepRefused
from intake.domain.lifecycle import Actor, AnswerKind, CitizenView, LifecycleEvent

S = AppealStatus
ANSWERED_AT = datetime(2026, 3, 1, 12, tzinfo=UTC)
WEEK = timedelta(days=7)
EXECUTOR = "uk-1"


def envelope() -> dict[str, object]:
    return {
        "appeal_id": uuid4(),
        "producer": "test",
        "correlation_id": uuid4(),
        "occurred_at": ANSWERED_AT,
    }


def clarified() -> AppealClarified:
    return AppealClarified(
        **envelope(),
        payload=AppealClarifiedPayload(
            executor_id=EXECUTOR, answer="Ремонт в мае", planned_date=date(2026, 5, 15)
        ),
    )


def rejected() -> AppealRejected:
    return AppealRejected(
        **envelope(),
        payload=AppealRejectedPayload(
            executor_id=EXECUTOR, reason_code="not_ours", reason="Не наша территория"
        ),
    )


def asked() -> ClarificationRequested:
    return ClarificationRequested(
        **envelope(),
        payload=ClarificationRequestedPayload(
            question="Какой подъезд?", executor_id=EXECUTOR, by="Иван (ivan)"
        ),
    )


def answered_question() -> ClarificationProvided:
    return ClarificationProvided(
        **envelope(), payload=ClarificationProvidedPayload(answer="Второй")
    )


def confirmed() -> AppealConfirmed:
    return AppealConfirmed(**envelope(), payload=AppealConfirmedPayload(rating=5, comment="Ок"))


def reopened() -> AppealReopened:
    return AppealReopened(
        **envelope(),
        payload=AppealReopenedPayload(executor_id=EXECUTOR, reason="Яма на месте", rating=1),
    )


def answer_rejected() -> AnswerRejected:
    return AnswerRejected(
        **envelope(),
        payload=AnswerRejectedPayload(executor_id=EXECUTOR, reason="Отписка", by="Анна (anna)"),
    )


def closed_unjudged() -> AppealClosed:
    return AppealClosed(**envelope(), payload=AppealClosedPayload(reason=CloseReason.NO_VERDICT))


ANSWERED = {S.RESOLVED, S.CLARIFIED, S.REJECTED}
WITH_EXECUTOR = {S.ROUTED, S.ACCEPTED, S.REOPENED}

CAN_HAPPEN: dict[str, tuple[Callable[[], LifecycleEvent], dict[AppealStatus, AppealStatus]]] = {
    "clarified": (clarified, dict.fromkeys(WITH_EXECUTOR, S.CLARIFIED)),
    "rejected": (
        rejected,
        dict.fromkeys(WITH_EXECUTOR | {S.NEW, S.MODERATION, S.MANUAL_ROUTING}, S.REJECTED),
    ),
    "asked": (asked, dict.fromkeys(WITH_EXECUTOR, S.NEEDS_CLARIFICATION)),
    "answered the question": (answered_question, {S.NEEDS_CLARIFICATION: S.ACCEPTED}),
    "confirmed": (confirmed, dict.fromkeys(ANSWERED, S.CLOSED)),
    "reopened": (reopened, dict.fromkeys(ANSWERED, S.REOPENED)),
    "answer rejected": (answer_rejected, dict.fromkeys(ANSWERED, S.REOPENED)),
    "closed": (
        closed_unjudged,
        dict.fromkeys(ANSWERED | {S.NEEDS_CLARIFICATION, S.DUPLICATE}, S.CLOSED),
    ),
}
"""Each new step → {status it can happen in: status it leads to}; refused in any other."""


def view_in(status: AppealStatus) -> CitizenView:
    """A view in `status` with an executor (paused from `accepted` if waiting)."""
    paused = S.ACCEPTED if status is S.NEEDS_CLARIFICATION else None
    view = CitizenView(Lifecycle(status, paused), executor_id=EXECUTOR, executor_name="УК 1")
    if status in ANSWERED:
        view.answered_at = ANSWERED_AT
    return view


@pytest.mark.parametrize("status", list(S), ids=str)
@pytest.mark.parametrize("step", list(CAN_HAPPEN))
def test_each_step_happens_only_where_the_life_allows(step: str, status: AppealStatus) -> None:
    make, allowed = CAN_HAPPEN[step]
    view = view_in(status)
    if status in allowed:
        view.apply(make())
        assert view.status is allowed[status]
    else:
        with pytest.raises(IllegalTransition):
            view.apply(make())
        assert view.status is status, "a refused step changes nothing"


def test_a_question_pauses_the_appeal_and_the_answer_resumes_it_where_it_was() -> None:
    for before in (S.ROUTED, S.ACCEPTED, S.REOPENED):
        view = view_in(before)
        step = view.apply(asked())
        assert (view.status, view.lifecycle.paused_from) == (S.NEEDS_CLARIFICATION, before)
        assert view.question == "Какой подъезд?"
        assert (step.actor, step.by, step.note) == (Actor.EXECUTOR, "Иван (ivan)", "Какой подъезд?")
        step = view.apply(answered_question())
        assert (view.status, view.lifecycle.paused_from) == (before, None)
        assert view.question is None
        assert (step.actor, step.by, step.note) == (Actor.CITIZEN, None, "Второй")


def test_an_explanation_is_an_answer_with_a_planned_date() -> None:
    view = view_in(S.ACCEPTED)
    step = view.apply(clarified())
    assert view.answer_kind is AnswerKind.CLARIFIED
    assert (view.answer, view.planned_date) == ("Ремонт в мае", date(2026, 5, 15))
    assert view.answered_at == ANSWERED_AT
    assert (step.actor, step.by) == (Actor.EXECUTOR, "executor УК 1"), "no staff name: the org"


def test_a_planned_date_set_on_accepting_is_shown() -> None:
    view = view_in(S.ROUTED)
    view.apply(
        AppealAccepted(
            **envelope(),
            payload=AppealAcceptedPayload(executor_id=EXECUTOR, planned_date=date(2026, 6, 1)),
        )
    )
    assert view.planned_date == date(2026, 6, 1)


def test_a_rejection_shows_its_reason_and_a_moderators_is_the_staffs_step() -> None:
    view = view_in(S.ACCEPTED)
    view.apply(rejected())
    assert (view.answer_kind, view.rejection_code) == (AnswerKind.REJECTED, "not_ours")
    assert view.answer == "Не наша территория"
    moderated = view_in(S.NEW)
    step = moderated.apply(
        AppealRejected(
            **envelope(),
            payload=AppealRejectedPayload(reason_code="abuse", reason="Оскорбления"),
        )
    )
    assert (step.actor, step.by) == (Actor.STAFF, "a moderator")
    assert moderated.verdict_ends(WEEK) is None, "a moderator's refusal is final: no verdict"
    assert view.verdict_ends(WEEK) == ANSWERED_AT + WEEK


def test_confirming_closes_with_the_rating() -> None:
    view = view_in(S.RESOLVED)
    view.answer, view.answer_kind = "Заделали", AnswerKind.RESOLVED
    step = view.apply(confirmed())
    assert (view.status, view.rating, view.answer) == (S.CLOSED, 5, "Заделали")
    assert (step.actor, step.note) == (Actor.CITIZEN, "Ок")


@pytest.mark.parametrize("judge", [reopened, answer_rejected], ids=["citizen", "operator"])
def test_a_disputed_answer_no_longer_stands(judge: Callable[[], LifecycleEvent]) -> None:
    view = view_in(S.RESOLVED)
    view.answer_kind = AnswerKind.RESOLVED
    view.apply(judge())
    assert view.status is S.REOPENED
    assert [view.answer, view.answer_kind, view.answered_at] == [None, None, None]
    assert view.executor_id == EXECUTOR, "back to the same executor"
    assert view.verdict_ends(WEEK) is None


def test_the_citizens_rating_of_a_disputed_answer_is_kept() -> None:
    view = view_in(S.CLARIFIED)
    view.apply(reopened())
    assert view.rating == 1


def test_an_unjudged_answer_closes_by_the_platform() -> None:
    view = view_in(S.CLARIFIED)
    step = view.apply(closed_unjudged())
    assert view.status is S.CLOSED
    assert step.actor is Actor.PLATFORM
    assert "in time" in (view.status_note or "")


class TestVerdictWindow:
    def test_is_open_for_the_configured_days_after_the_answer(self) -> None:
        view = view_in(S.RESOLVED)
        assert view.verdict_ends(WEEK) == ANSWERED_AT + WEEK
        view.check_verdict(ANSWERED_AT + WEEK, WEEK)  # the last moment still counts

    def test_is_closed_after_them_with_the_reason(self) -> None:
        view = view_in(S.REJECTED)
        with pytest.raises(StepRefused, match="ended at 2026-03-08"):
            view.check_verdict(ANSWERED_AT + WEEK + timedelta(seconds=1), WEEK)

    @pytest.mark.parametrize("status", sorted(set(S) - ANSWERED), ids=str)
    def test_there_is_none_without_an_answer(self, status: AppealStatus) -> None:
        view = view_in(status)
        assert view.verdict_ends(WEEK) is None
        with pytest.raises(StepRefused, match="no answer to judge"):
            view.check_verdict(ANSWERED_AT, WEEK)


def test_an_appeal_no_executor_answered_cannot_be_reopened() -> None:
    view = CitizenView(Lifecycle(S.REJECTED), answered_at=ANSWERED_AT)
    with pytest.raises(StepRefused, match="no one to reopen it to"):
        view.check_reopenable()
    assert view_in(S.RESOLVED).check_reopenable() == EXECUTOR


def test_resolving_clears_an_unanswered_question_and_records_the_answer_time() -> None:
    view = view_in(S.REOPENED)
    view.apply(
        AppealResolved(
            **envelope(), payload=AppealResolvedPayload(executor_id=EXECUTOR, answer="Готово")
        )
    )
    assert (view.answer_kind, view.answered_at) == (AnswerKind.RESOLVED, ANSWERED_AT)


def test_a_question_is_answered_only_until_its_deadline() -> None:
    """The deadline travels with the question, so the citizen cannot answer once the
    executor may close the appeal for want of an answer."""
    deadline = ANSWERED_AT + timedelta(days=10)
    question = ClarificationRequested(
        **envelope(),
        payload=ClarificationRequestedPayload(
            question="Какой подъезд?", executor_id=EXECUTOR, answer_by=deadline
        ),
    )
    view = view_in(S.ACCEPTED)
    view.apply(question)
    assert view.answer_by == deadline
    view.check_answer_in_time(deadline)
    with pytest.raises(StepRefused, match="ended at"):
        view.check_answer_in_time(deadline + timedelta(seconds=1))
    view.apply(answered_question())
    assert view.answer_by is None

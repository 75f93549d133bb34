from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from contracts.events import (
    AppealClosed,
    AppealClosedPayload,
    AppealConfirmed,
    AppealConfirmedPayload,
    AppealReopened,
    AppealReopenedPayload,
    ClarificationProvided,
    ClarificationProvidedPayload,
    ClarificationRequested,
    ClarificationRequestedPayload,
    CloseReason,
)
from contracts.status import AppealStatus
from executor_gateway.domain.assignment import (
    Assignment,
    InvalidInput,
    NotAllowed,
    Step,
    TooEarly,
)

S = AppealStatus
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TODAY = NOW.date()
WAIT = timedelta(days=10)
REASONS = {"not_a_problem", "private_property"}
ME = "Анна (anna)"

STEPS: dict[str, Callable[[Assignment], Step]] = {
    "accept": lambda a: a.accept(ME, NOW, today=TODAY, planned_date=None, comment=None),
    "resolve": lambda a: a.resolve(ME, NOW, "Заделали"),
    "clarify": lambda a: a.clarify(ME, NOW, "Ремонт в мае", today=TODAY, planned_date=None),
    "reject": lambda a: a.reject(
        ME, NOW, reason_code="private_property", reason="Частный двор", known=REASONS
    ),
    "redirect": lambda a: a.redirect(ME, NOW, "не наше"),
    "ask": lambda a: a.ask(ME, NOW, "Какой подъезд?"),
    "close": lambda a: a.close_unanswered(ME, NOW + WAIT, WAIT),
    "reject_answer": lambda a: a.reject_answer("Оператор (op)", NOW, "Это не ответ"),
    "acknowledge": lambda a: a.acknowledge(ME, NOW, "Спасибо, передали бригаде"),
}
IN_WORK = {S.ROUTED, S.ACCEPTED, S.REOPENED}
ANSWERED = {S.RESOLVED, S.CLARIFIED, S.REJECTED}
ALLOWED_FROM: dict[str, tuple[set[AppealStatus], AppealStatus | None]] = {
    "accept": ({S.ROUTED, S.REOPENED}, S.ACCEPTED),
    "resolve": (IN_WORK, S.RESOLVED),
    "clarify": (IN_WORK, S.CLARIFIED),
    "reject": (IN_WORK, S.REJECTED),
    "redirect": (IN_WORK, S.REDIRECTED),
    "ask": (IN_WORK, S.NEEDS_CLARIFICATION),
    "close": ({S.NEEDS_CLARIFICATION}, S.CLOSED),
    "reject_answer": (ANSWERED, S.REOPENED),
    "acknowledge": ({S.FORWARDED}, S.CLOSED),  # a suggestion or thanks, read
}
"""Each step: the statuses it may be taken from, and the status after it."""


def in_status(status: AppealStatus) -> Assignment:
    if status is S.NEEDS_CLARIFICATION:
        return Assignment("uk-1", status, paused_from=S.ACCEPTED, question="?", asked_at=NOW)
    return Assignment("uk-1", status)


@pytest.mark.parametrize("status", list(S))
@pytest.mark.parametrize("name", list(STEPS))
def test_each_step_is_allowed_exactly_from_its_statuses(name: str, status: AppealStatus) -> None:
    allowed_from, after = ALLOWED_FROM[name]
    assignment = in_status(status)
    if status in allowed_from:
        step = STEPS[name](assignment)
        assert assignment.status is after
        assert (step.status, step.by) == (after, assignment_by(name))
    else:
        with pytest.raises(NotAllowed):
            STEPS[name](assignment)
        assert assignment.status is status


def assignment_by(name: str) -> str:
    return "Оператор (op)" if name == "reject_answer" else ME


def test_a_step_refused_by_the_status_machine_says_why() -> None:
    with pytest.raises(
        NotAllowed, match="AppealAccepted is not allowed when the appeal is resolved"
    ):
        STEPS["accept"](in_status(S.RESOLVED))


def test_accept_keeps_the_planned_date_and_comment() -> None:
    assignment = Assignment("uk-1", S.ROUTED)
    step = assignment.accept(ME, NOW, today=TODAY, planned_date=TODAY, comment="Выедем утром")
    assert assignment.planned_date == TODAY
    assert (step.step, step.text, step.planned_date, step.at) == (
        "accepted",
        "Выедем утром",
        TODAY,
        NOW,
    )


YESTERDAY = TODAY - timedelta(days=1)
PLANNING: dict[str, Callable[[Assignment], Step]] = {
    "accept": lambda a: a.accept(ME, NOW, today=TODAY, planned_date=YESTERDAY, comment=None),
    "clarify": lambda a: a.clarify(ME, NOW, "Весной", today=TODAY, planned_date=YESTERDAY),
}


@pytest.mark.parametrize("name", list(PLANNING))
def test_a_planned_date_before_today_is_refused(name: str) -> None:
    assignment = Assignment("uk-1", S.ROUTED)
    with pytest.raises(InvalidInput, match="in the past") as refused:
        PLANNING[name](assignment)
    assert refused.value.field == "planned_date"
    assert assignment.status is S.ROUTED


def test_an_unknown_rejection_reason_is_refused_listing_the_known_ones() -> None:
    assignment = Assignment("uk-1", S.ACCEPTED)
    with pytest.raises(InvalidInput, match="known: not_a_problem, private_property"):
        assignment.reject(ME, NOW, reason_code="lazy", reason="Не хочется", known=REASONS)
    assert assignment.status is S.ACCEPTED


def test_a_rejection_keeps_its_code_and_reason() -> None:
    assignment = Assignment("uk-1", S.ACCEPTED)
    step = STEPS["reject"](assignment)
    assert (assignment.reason_code, assignment.answer) == ("private_property", "Частный двор")
    assert (step.reason_code, step.text) == ("private_property", "Частный двор")


def provided(answer: str = "Третий подъезд") -> ClarificationProvided:
    return ClarificationProvided(
        appeal_id=uuid4(),
        producer="intake",
        correlation_id=uuid4(),
        occurred_at=NOW + timedelta(days=1),
        payload=ClarificationProvidedPayload(answer=answer),
    )


@pytest.mark.parametrize("paused_in", sorted(IN_WORK))
def test_the_citizens_answer_resumes_where_the_question_paused(paused_in: AppealStatus) -> None:
    assignment = Assignment("uk-1", paused_in)
    assignment.ask(ME, NOW, "Какой подъезд?")
    assert (assignment.status, assignment.paused_from) == (S.NEEDS_CLARIFICATION, paused_in)
    step = assignment.follow(provided())
    assert (assignment.status, assignment.paused_from) == (paused_in, None)
    assert assignment.clarification == "Третий подъезд"
    assert step is not None
    assert (step.step, step.by, step.status) == ("clarification_provided", "citizen", paused_in)


def test_an_answer_to_a_question_the_executor_did_not_ask_is_kept_without_a_move() -> None:
    assignment = Assignment("uk-1", S.ACCEPTED)
    step = assignment.follow(provided("Подробности"))
    assert assignment.status is S.ACCEPTED
    assert assignment.clarification == "Подробности"
    assert step is not None
    assert step.status is S.ACCEPTED


def test_closing_an_unanswered_question_waits_for_its_time() -> None:
    assignment = Assignment("uk-1", S.ACCEPTED)
    assignment.ask(ME, NOW, "Какой подъезд?")
    assert assignment.closable_at(WAIT) == NOW + WAIT
    with pytest.raises(TooEarly) as early:
        assignment.close_unanswered(ME, NOW + WAIT - timedelta(seconds=1), WAIT)
    assert early.value.possible_at == NOW + WAIT
    assert (NOW + WAIT).isoformat() in str(early.value)
    step = assignment.close_unanswered(ME, NOW + WAIT, WAIT)
    assert assignment.status is S.CLOSED
    assert (step.step, step.text) == ("closed", "no_clarification")


def test_an_answered_question_no_longer_lets_the_executor_close() -> None:
    assignment = Assignment("uk-1", S.ACCEPTED)
    assignment.ask(ME, NOW, "Какой подъезд?")
    assignment.follow(provided())
    assert assignment.closable_at(WAIT) is None
    with pytest.raises(NotAllowed, match="waiting for the citizen's answer"):
        assignment.close_unanswered(ME, NOW + WAIT, WAIT)


def reopened(rating: int | None = 2) -> AppealReopened:
    return AppealReopened(
        appeal_id=uuid4(),
        producer="intake",
        correlation_id=uuid4(),
        occurred_at=NOW,
        payload=AppealReopenedPayload(executor_id="uk-1", reason="Яма на месте", rating=rating),
    )


@pytest.mark.parametrize("answered", sorted(ANSWERED))
def test_the_citizen_reopens_an_answer_with_a_reason_and_a_rating(answered: AppealStatus) -> None:
    assignment = Assignment("uk-1", answered)
    step = assignment.follow(reopened())
    assert assignment.status is S.REOPENED
    assert (assignment.citizen_reason, assignment.rating) == ("Яма на месте", 2)
    assert step is not None
    assert (step.step, step.by, step.rating) == ("reopened", "citizen", 2)


def test_a_citizens_reopening_after_the_operators_keeps_the_reason() -> None:
    assignment = Assignment("uk-1", S.RESOLVED)
    assignment.reject_answer("op", NOW, "Не ответ")
    assert assignment.follow(reopened()) is not None
    assert (assignment.status, assignment.citizen_reason) == (S.REOPENED, "Яма на месте")


@pytest.mark.parametrize("status", [S.ROUTED, S.ACCEPTED, S.CLOSED])
def test_a_reopening_of_an_appeal_not_answered_is_refused(status: AppealStatus) -> None:
    with pytest.raises(NotAllowed):
        Assignment("uk-1", status).follow(reopened())


def confirmed() -> AppealConfirmed:
    return AppealConfirmed(
        appeal_id=uuid4(),
        producer="intake",
        correlation_id=uuid4(),
        occurred_at=NOW,
        payload=AppealConfirmedPayload(rating=5, comment="Спасибо"),
    )


def closed(reason: CloseReason, producer: str) -> AppealClosed:
    return AppealClosed(
        appeal_id=uuid4(),
        producer=producer,
        correlation_id=uuid4(),
        occurred_at=NOW,
        payload=AppealClosedPayload(reason=reason),
    )


def test_a_confirmation_closes_and_keeps_the_rating() -> None:
    assignment = Assignment("uk-1", S.RESOLVED)
    step = assignment.follow(confirmed())
    assert (assignment.status, assignment.rating) == (S.CLOSED, 5)
    assert step is not None
    assert (step.step, step.text) == ("confirmed", "Спасибо")


def test_an_answer_without_a_verdict_closes() -> None:
    assignment = Assignment("uk-1", S.CLARIFIED)
    step = assignment.follow(closed(CloseReason.NO_VERDICT, "intake"))
    assert assignment.status is S.CLOSED
    assert step is not None
    assert (step.by, step.text) == ("intake", "no_verdict")


@pytest.mark.parametrize(
    "event",
    [confirmed(), closed(CloseReason.NO_CLARIFICATION, "executor-gateway")],
    ids=["confirmed", "closed"],
)
def test_a_closing_step_seen_again_changes_nothing(
    event: AppealConfirmed | AppealClosed,
) -> None:
    assignment = Assignment("uk-1", S.CLOSED, rating=4)
    assert assignment.follow(event) is None
    assert (assignment.status, assignment.rating) == (S.CLOSED, 4)


def test_closing_an_appeal_in_work_is_refused() -> None:
    with pytest.raises(NotAllowed):
        Assignment("uk-1", S.ACCEPTED).follow(closed(CloseReason.NO_VERDICT, "intake"))


def test_only_the_assigned_executor_may_act() -> None:
    assignment = Assignment(executor_id="uk-1", status=S.ROUTED)
    with pytest.raises(NotAllowed, match="assigned to 'uk-1', not 'uk-2'"):
        assignment.check_acting_executor("uk-2")


def test_today_is_a_planned_date_allowed() -> None:
    assignment = Assignment("uk-1", S.ROUTED)
    assignment.accept(ME, NOW, today=TODAY, planned_date=date(2026, 3, 2), comment=None)
    assert assignment.planned_date == TODAY


def moderators_question(executor_id: str | None = None) -> ClarificationRequested:
    return ClarificationRequested(
        appeal_id=uuid4(),
        producer="intake",
        correlation_id=uuid4(),
        occurred_at=NOW,
        payload=ClarificationRequestedPayload(
            question="Где именно?", executor_id=executor_id, by="Модератор (mod)"
        ),
    )


@pytest.mark.parametrize("working", sorted(IN_WORK))
def test_a_moderators_question_pauses_the_work_where_it_was(working: AppealStatus) -> None:
    assignment = in_status(working)
    step = assignment.follow(moderators_question())
    assert step is not None
    assert (assignment.status, assignment.paused_from) == (S.NEEDS_CLARIFICATION, working)
    assert (assignment.question, step.by) == ("Где именно?", "Модератор (mod)")
    assignment.follow(provided())
    assert assignment.status is working


def test_the_executors_own_question_coming_back_changes_nothing() -> None:
    assignment = in_status(S.ACCEPTED)
    assignment.ask(ME, NOW, "Какой подъезд?")
    assert assignment.follow(moderators_question(executor_id="uk-1")) is None
    assert assignment.question == "Какой подъезд?"

"""The sla-tracker, as the platform knows it (see `contracts.declarations`)."""

from contracts.declarations import Publication, ServiceDeclaration, Subscription
from contracts.events import (
    AnswerRejected,
    AppealAccepted,
    AppealClarified,
    AppealClosed,
    AppealConfirmed,
    AppealDuplicate,
    AppealForwarded,
    AppealRedirected,
    AppealRejected,
    AppealReopened,
    AppealResolved,
    AppealRouted,
    AppealSubmitted,
    ClarificationProvided,
    ClarificationRequested,
    DeadlineSet,
    Escalated,
    SlaBreached,
    SlaWarning,
)
from contracts.topics import APPEAL_EVENTS, APPEAL_SUBMITTED

CASE_EVENTS = (
    AppealRouted,
    AppealForwarded,
    AppealDuplicate,
    AppealAccepted,
    ClarificationRequested,
    ClarificationProvided,
    AppealRedirected,
    AppealResolved,
    AppealClarified,
    AppealRejected,
    AppealReopened,
    AnswerRejected,
    AppealConfirmed,
    AppealClosed,
)
"""What moves an appeal's clock (see `sla_tracker.tracker`)."""

SERVICE = ServiceDeclaration(
    name="sla-tracker",
    package="sla_tracker",
    folder="sla-tracker",
    env_prefix="SLA",
    port=8006,
    database="sla",
    summary="GET /sla/appeals/{id}, GET /sla/overdue; SlaWarning, SlaBreached, Escalated",
    consumes=(
        Subscription(APPEAL_SUBMITTED, (AppealSubmitted,)),
        Subscription(APPEAL_EVENTS, CASE_EVENTS),
    ),
    publishes=(Publication(APPEAL_EVENTS, (SlaWarning, SlaBreached, Escalated, DeadlineSet)),),
)

"""The executor gateway, as the platform knows it (see `contracts.declarations`)."""

from contracts.declarations import Publication, ServiceDeclaration, Subscription
from contracts.events import (
    AnswerRejected,
    AppealAccepted,
    AppealAcknowledged,
    AppealClarified,
    AppealClosed,
    AppealConfirmed,
    AppealRedirected,
    AppealRejected,
    AppealReopened,
    AppealResolved,
    AssignmentIssued,
    ClarificationProvided,
    ClarificationRequested,
    DeadlineSet,
)
from contracts.topics import APPEAL_EVENTS, EXECUTOR_ASSIGNMENTS

SERVICE = ServiceDeclaration(
    name="executor-gateway",
    package="executor_gateway",
    folder="executor-gateway",
    env_prefix="GATEWAY",
    port=8003,
    database="executor_gateway",
    summary="GET /executors/{id}/assignments",
    consumes=(
        Subscription(EXECUTOR_ASSIGNMENTS, (AssignmentIssued,), group="executor-assignments"),
        Subscription(
            APPEAL_EVENTS,
            (
                ClarificationRequested,
                ClarificationProvided,
                AppealConfirmed,
                AppealReopened,
                AppealClosed,
                DeadlineSet,
            ),
        ),
    ),
    publishes=(
        Publication(
            APPEAL_EVENTS,
            (
                AppealAccepted,
                AppealResolved,
                AppealClarified,
                AppealRejected,
                AppealRedirected,
                ClarificationRequested,
                AnswerRejected,
                AppealClosed,
                AppealAcknowledged,
            ),
        ),
    ),
)

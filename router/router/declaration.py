"""The router, as the platform knows it (see `contracts.declarations`)."""

from contracts.declarations import Publication, ServiceDeclaration, Subscription
from contracts.events import (
    AnswerRejected,
    AppealApproved,
    AppealClarified,
    AppealDuplicate,
    AppealForwarded,
    AppealRedirected,
    AppealRejected,
    AppealReopened,
    AppealResolved,
    AppealRouted,
    AppealSubmitted,
    AssignmentIssued,
    NeedsManualRouting,
    RuleSetPublished,
    TerritoriesChanged,
)
from contracts.topics import (
    APPEAL_EVENTS,
    APPEAL_SUBMITTED,
    EXECUTOR_ASSIGNMENTS,
    ROUTING_CHANGES,
)

SERVICE = ServiceDeclaration(
    name="router",
    package="router",
    folder="router",
    env_prefix="ROUTER",
    port=8002,
    database="router",
    summary="GET /routing/decisions/{appeal_id}, GET /routing/manual",
    consumes=(
        Subscription(APPEAL_SUBMITTED, (AppealSubmitted,)),
        Subscription(
            APPEAL_EVENTS,
            (
                AppealRedirected,
                AppealResolved,
                AppealClarified,
                AppealRejected,
                AppealReopened,
                AnswerRejected,
                AppealApproved,
            ),
        ),
        Subscription(ROUTING_CHANGES, (RuleSetPublished, TerritoriesChanged), broadcast=True),
    ),
    publishes=(
        Publication(
            APPEAL_EVENTS, (AppealRouted, AppealForwarded, NeedsManualRouting, AppealDuplicate)
        ),
        Publication(EXECUTOR_ASSIGNMENTS, (AssignmentIssued,)),
        # Operators' commands (rule publishing, territory import), in the router's name.
        Publication(ROUTING_CHANGES, (RuleSetPublished, TerritoriesChanged)),
    ),
    extra_topics=(ROUTING_CHANGES,),
)

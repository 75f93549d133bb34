"""The comments service, as the platform knows it (see `contracts.declarations`)."""

from contracts.declarations import Publication, ServiceDeclaration, Subscription
from contracts.events import (
    AppealForwarded,
    AppealRedirected,
    AppealRouted,
    AppealSubmitted,
    CommentPosted,
    NeedsManualRouting,
)
from contracts.topics import APPEAL_EVENTS, APPEAL_SUBMITTED

SERVICE = ServiceDeclaration(
    name="comments",
    package="comments",
    folder="comments",
    env_prefix="COMMENTS",
    port=8005,
    database="comments",
    summary="POST/GET /appeals/{id}/comments, photos on comments, GET /photos/{id}",
    consumes=(
        Subscription(APPEAL_SUBMITTED, (AppealSubmitted,)),
        Subscription(
            APPEAL_EVENTS, (AppealRouted, AppealForwarded, AppealRedirected, NeedsManualRouting)
        ),
    ),
    publishes=(Publication(APPEAL_EVENTS, (CommentPosted,)),),
)

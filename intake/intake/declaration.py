"""Intake, as the platform knows it (see `contracts.declarations`)."""

from typing import get_args

from contracts.declarations import Publication, ServiceDeclaration, Subscription
from contracts.events import (
    AppealApproved,
    AppealClosed,
    AppealConfirmed,
    AppealHeld,
    AppealRejected,
    AppealReopened,
    AppealSubmitted,
    ClarificationProvided,
    ClarificationRequested,
    DeadlineSet,
    PublicTextEdited,
)
from contracts.topics import APPEAL_EVENTS, APPEAL_SUBMITTED
from intake.domain.lifecycle import LifecycleEvent

SERVICE = ServiceDeclaration(
    name="intake",
    package="intake",
    folder="intake",
    env_prefix="INTAKE",
    port=8001,
    database="intake",
    summary="POST /appeals, GET /appeals/{id}",
    consumes=(Subscription(APPEAL_EVENTS, (*get_args(LifecycleEvent), DeadlineSet)),),
    publishes=(
        Publication(APPEAL_SUBMITTED, (AppealSubmitted,)),
        Publication(
            APPEAL_EVENTS,
            (
                ClarificationProvided,
                AppealConfirmed,
                AppealReopened,
                AppealClosed,
                # Moderation (its moderators' steps).
                AppealHeld,
                AppealApproved,
                PublicTextEdited,
                AppealRejected,
                ClarificationRequested,
            ),
        ),
    ),
)

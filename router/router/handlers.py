"""Router's subscribers: thin — decode, hand the event to the casework."""

from contracts.events import (
    AnswerRejected,
    AppealApproved,
    AppealClarified,
    AppealRedirected,
    AppealRejected,
    AppealReopened,
    AppealResolved,
    AppealSubmitted,
)
from router.decisions import Casework
from services.consumers import Handlers


def submitted_handlers(casework: Casework) -> Handlers:
    """On `appeal.submitted`: route every new appeal (or link it to its original)."""
    return {AppealSubmitted: casework.submitted}


def lifecycle_handlers(casework: Casework) -> Handlers:
    """On `appeal.events`: route again after a redirect; forget answered appeals as
    originals for duplicates, and remember them again when reopened."""
    return {
        AppealRedirected: casework.redirected,
        AppealResolved: casework.answered,
        AppealClarified: casework.answered,
        AppealRejected: casework.answered,
        AppealReopened: casework.reopened,
        AnswerRejected: casework.reopened,
        AppealApproved: casework.approved,
    }

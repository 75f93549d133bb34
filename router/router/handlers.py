"""Router's subscribers: thin — decode, hand the event to the casework."""

from contracts.events import AppealRedirected, AppealResolved, AppealSubmitted
from router.decisions import Casework
from services.consumers import Handlers


def submitted_handlers(casework: Casework) -> Handlers:
    """On `appeal.submitted`: route every new appeal (or link it to its original)."""
    return {AppealSubmitted: casework.submitted}


def lifecycle_handlers(casework: Casework) -> Handlers:
    """On `appeal.events`: route again after a redirect; forget resolved appeals as
    originals for duplicates."""
    return {AppealRedirected: casework.redirected, AppealResolved: casework.resolved}

"""The roles people hold on the platform: in token claims, in the staff directory's grants
(`StaffRolesSet`) and in every endpoint's access rule."""

from enum import StrEnum


class Role(StrEnum):
    CITIZEN = "citizen"
    OPERATOR = "operator"
    """Routes what the rules could not; watches the queues and deadlines."""
    MODERATOR = "moderator"
    """Keeps out fakes and abuse."""
    EXECUTOR_DISPATCHER = "executor_dispatcher"
    """Runs an executor organisation's inbox: accepts, answers, redirects."""
    EXECUTOR_WORKER = "executor_worker"
    """Works on an executor organisation's assignments."""
    CURATOR = "curator"
    """Oversees executors for the city."""
    ADMIN = "admin"
    """Manages roles and the city's configuration."""


EXECUTOR_STAFF = frozenset({Role.EXECUTOR_DISPATCHER, Role.EXECUTOR_WORKER})
"""Roles held for one executor organisation (the principal's `organisation`)."""
CITY_STAFF = frozenset({Role.OPERATOR, Role.MODERATOR, Role.CURATOR, Role.ADMIN})
STAFF = EXECUTOR_STAFF | CITY_STAFF
"""Every role but the citizen's: what an administrator may grant."""

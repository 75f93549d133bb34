"""Topic names: the only place they are spelled."""

import re

from contracts.identifiers import EXECUTOR_ID_PATTERN

APPEAL_SUBMITTED = "appeal.submitted"
"""New appeals from intake, keyed by appeal id."""

APPEAL_EVENTS = "appeal.events"
"""The lifecycle log of every appeal, keyed by appeal id; several producers."""

ROUTING_CHANGES = "routing.changes"
"""Compacted: published rule sets and territory changes."""

CORE_TOPICS = (APPEAL_SUBMITTED, APPEAL_EVENTS)

EXECUTOR_ASSIGNMENTS_PATTERN = r"^executor\.[a-z0-9][a-z0-9-]*\.assignments$"
"""Regex matching every per-executor assignment topic."""


def executor_assignments(executor_id: str) -> str:
    """The topic an executor organisation consumes its assignments from."""
    if not re.match(EXECUTOR_ID_PATTERN, executor_id):
        raise ValueError(f"not a valid executor id: {executor_id!r}")
    return f"executor.{executor_id}.assignments"


def dead_letter(topic: str, consumer: str) -> str:
    """Where `consumer` parks messages from `topic` that it cannot process."""
    return f"{topic}.dlq.{consumer}"

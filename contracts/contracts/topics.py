"""Topic names: the only place they are spelled."""

import re

from contracts.identifiers import EXECUTOR_ID_PATTERN

APPEAL_SUBMITTED = "appeal.submitted"
"""New appeals from intake, keyed by appeal id."""

APPEAL_EVENTS = "appeal.events"
"""The lifecycle log of every appeal, keyed by appeal id; several producers."""

ROUTING_CHANGES = "routing.changes"
"""Compacted: published rule sets and territory changes."""

STAFF_ROLES = "identity.staff-roles"
"""Compacted: the roles an administrator granted each staff member (the staff directory's
table), keyed by member; every service reads it to complete its callers' token roles."""

EXECUTOR_ASSIGNMENTS = "executor.{executor_id}.assignments"
"""The channel address of the per-executor assignment topics."""


def address_regex(address: str) -> str:
    """`executor.{executor_id}.assignments` → a regex matching the topics it stands for."""
    parts = re.split(r"\{[^}]+\}", address)
    return "^" + "[^.]+".join(re.escape(p) for p in parts) + "$"


EXECUTOR_ASSIGNMENTS_PATTERN = address_regex(EXECUTOR_ASSIGNMENTS)
"""Regex matching every per-executor assignment topic."""


def executor_assignments(executor_id: str) -> str:
    """The topic an executor organisation consumes its assignments from."""
    if not re.match(EXECUTOR_ID_PATTERN, executor_id):
        raise ValueError(f"not a valid executor id: {executor_id!r}")
    return f"executor.{executor_id}.assignments"


def dead_letter(topic: str, consumer: str) -> str:
    """Where `consumer` parks messages from `topic` that it cannot process:
    `dlq.<consumer>.<topic>`, so each consumer's dead letters share one prefix (its Kafka
    ACL) and never look like the topics it reads."""
    return f"{DEAD_LETTER_PREFIX}{consumer}.{topic}"


DEAD_LETTER_PREFIX = "dlq."

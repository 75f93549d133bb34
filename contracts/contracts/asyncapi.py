"""The AsyncAPI 3.0 document of the platform's topics, built from the contracts
(written to contracts/asyncapi.json by `python -m contracts.generate`)."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic.json_schema import models_json_schema

from contracts import topics
from contracts.declarations import ServiceDeclaration, declared_services
from contracts.envelope import Event
from contracts.events import (
    EVENT_TYPES,
    AnswerRejected,
    AppealAccepted,
    AppealAcknowledged,
    AppealApproved,
    AppealClarified,
    AppealClosed,
    AppealConfirmed,
    AppealDuplicate,
    AppealForwarded,
    AppealHeld,
    AppealRedirected,
    AppealRejected,
    AppealReopened,
    AppealResolved,
    AppealRouted,
    AppealSubmitted,
    AssignmentIssued,
    ClarificationProvided,
    ClarificationRequested,
    CommentPosted,
    DeadlineSet,
    Escalated,
    NeedsManualRouting,
    PublicTextEdited,
    RuleSetPublished,
    SlaBreached,
    SlaWarning,
    StaffRolesSet,
    TerritoriesChanged,
)


@dataclass(frozen=True)
class Channel:
    name: str
    address: str
    description: str
    messages: tuple[type[Event], ...]
    producers: tuple[str, ...] = ()
    """Who sends, besides the services that declare it (see `contracts.declarations`)."""
    consumers: tuple[str, ...] = ()
    """Who receives, besides the services that declare it."""


CHANNELS = (
    Channel(
        "appealSubmitted",
        topics.APPEAL_SUBMITTED,
        "New appeals, keyed by appeal id.",
        (AppealSubmitted,),
    ),
    Channel(
        "appealEvents",
        topics.APPEAL_EVENTS,
        "The lifecycle log of every appeal, keyed by appeal id; each producer writes only"
        " its own event types.",
        (
            AppealRouted,
            NeedsManualRouting,
            AppealDuplicate,
            AppealAccepted,
            AppealResolved,
            AppealClarified,
            AppealRejected,
            AppealRedirected,
            ClarificationRequested,
            ClarificationProvided,
            AppealConfirmed,
            AppealReopened,
            AnswerRejected,
            AppealClosed,
            AppealHeld,
            AppealApproved,
            PublicTextEdited,
            AppealForwarded,
            AppealAcknowledged,
            CommentPosted,
            SlaWarning,
            SlaBreached,
            Escalated,
            DeadlineSet,
        ),
    ),
    Channel(
        "executorAssignments",
        topics.EXECUTOR_ASSIGNMENTS,
        "One topic per executor organisation: its work, keyed by appeal id.",
        (AssignmentIssued,),
    ),
    Channel(
        "routingChanges",
        topics.ROUTING_CHANGES,
        "Compacted: the rule set in force (key `rules`) and territory reloads (key"
        " `territories`); every router instance reads it whole.",
        (RuleSetPublished, TerritoriesChanged),
    ),
    Channel(
        "staffRoles",
        topics.STAFF_ROLES,
        "Compacted: each staff member's roles as an administrator set them in the staff"
        " directory, keyed by member id (empty roles: revoked); every service applies them"
        " to its callers' tokens.",
        (StaffRolesSet,),
    ),
    Channel(
        "deadLetters",
        "dlq.{consumer}.{topic}",
        "Messages `consumer` could not process, byte for byte, with headers `dlq-reason`,"
        " `dlq-consumer`, `dlq-original-topic`, `dlq-original-partition`,"
        " `dlq-original-offset`, `dlq-at`.",
        (),
        ("every consumer",),
        ("operators",),
    ),
)


def parties(
    channel: Channel, services: Sequence[ServiceDeclaration]
) -> tuple[list[str], list[str]]:
    """Who sends on and who receives from `channel`, from the services' declarations."""
    producers = [s.name for s in services if any(p.address == channel.address for p in s.publishes)]
    producers += [f"{s.name} CLI" for s in services if channel.address in s.extra_topics]
    consumers = [
        s.name + (" (every instance)" if c.broadcast else "")
        for s in services
        for c in s.consumes
        if c.address == channel.address
    ]
    return [*producers, *channel.producers], [*consumers, *channel.consumers]


def document(services: Sequence[ServiceDeclaration] | None = None) -> dict[str, Any]:
    """The AsyncAPI document; who produces and consumes what comes from `services` (by
    default every installed service's declaration)."""
    services = declared_services() if services is None else services
    _, schemas = models_json_schema(
        [(event, "serialization") for event in EVENT_TYPES],
        ref_template="#/components/schemas/{model}",
    )
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for channel in CHANNELS:
        channels[channel.name] = {
            "address": channel.address,
            "description": channel.description,
            "messages": {
                m.__name__: {"$ref": f"#/components/messages/{m.__name__}"}
                for m in channel.messages
            },
        }
        params = [p.split("}")[0] for p in channel.address.split("{")[1:]]
        if params:
            channels[channel.name]["parameters"] = {p: {"description": p} for p in params}
        producers, consumers = parties(channel, services)
        for action, names in (("send", producers), ("receive", consumers)):
            operations[f"{action}_{channel.name}"] = {
                "action": action,
                "channel": {"$ref": f"#/channels/{channel.name}"},
                "summary": f"{', '.join(names) or 'nobody yet'} {action}s",
            }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Appeals platform events",
            "version": "1.0.0",
            "description": "Every message is a JSON envelope (event_id UUIDv7, type, "
            "schema_version, occurred_at, appeal_id, producer, correlation_id, causation_id)"
            " with a typed payload.",
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {
            "messages": {
                e.__name__: {
                    "name": e.__name__,
                    "payload": {"$ref": f"#/components/schemas/{e.__name__}"},
                }
                for e in EVENT_TYPES
            },
            "schemas": schemas["$defs"],
        },
    }

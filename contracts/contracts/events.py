"""Event types of the appeal lifecycle (past tense), each an envelope with a typed payload.

Producers: intake → AppealSubmitted and the citizen's steps (ClarificationProvided,
AppealConfirmed, AppealReopened, AppealClosed when no verdict came in time); router →
AppealRouted, NeedsManualRouting, AppealDuplicate, AssignmentIssued, and (its operators'
commands) RuleSetPublished, TerritoriesChanged; executor-gateway → the executor's steps
(AppealAccepted, AppealResolved, AppealClarified, AppealRejected, AppealRedirected,
ClarificationRequested, AppealClosed when the question went unanswered) and the
operator's AnswerRejected; staff-directory → StaffRolesSet.
The services' declarations say so, and consumers refuse an event from anyone else
(`contracts.declarations.allowed_producers`).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter

from contracts.envelope import Event
from contracts.geo import GeoPoint
from contracts.identifiers import CategoryId, ChannelId, ExecutorId
from contracts.roles import Role
from contracts.text import SafeText

MAX_TEXT_LENGTH = 5000
MAX_ANSWER_LENGTH = 10000


class Channel(StrEnum):
    """The channels every city has unless its catalogue declares its own (`channels.json`);
    an appeal's channel is any `ChannelId` the city declares."""

    WEB = "web"
    MOBILE = "mobile"
    OPEN311 = "open311"
    BOT = "bot"
    OPERATOR = "operator"
    API = "api"


DEFAULT_CHANNELS: tuple[str, ...] = tuple(Channel)


class Priority(StrEnum):
    """How urgently an executor must act (set by the routing rule)."""

    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    EMERGENCY = "emergency"


class Payload(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class AppealKind(StrEnum):
    """What the citizen brings (Kuzbass Online's three kinds)."""

    PROBLEM = "problem"
    """Something to fix: routed to an executor, answered, judged by the citizen."""
    SUGGESTION = "suggestion"
    """An idea: forwarded to the organisation (or the city) for information."""
    GRATITUDE = "gratitude"
    """Thanks: forwarded to whom they are for."""


class AppealSubmittedPayload(Payload):
    citizen_id: UUID | None = Field(
        default=None, description="pseudonymous citizen id; personal data never travels here"
    )
    category: CategoryId
    location: GeoPoint
    address: SafeText | None = None
    building_id: SafeText | None = None
    text: SafeText = Field(min_length=1, max_length=MAX_TEXT_LENGTH)
    channel: ChannelId = Field(
        default=Channel.WEB.value, description="one of the channels the city declares"
    )
    kind: AppealKind = AppealKind.PROBLEM
    held_for_moderation: bool = Field(
        default=False,
        description="intake's checks flagged it: a moderator decides before it is routed"
        " (AppealApproved, or AppealRejected with no executor)",
    )


class AppealSubmitted(Event):
    type: Literal["AppealSubmitted"] = "AppealSubmitted"
    appeal_id: UUID
    payload: AppealSubmittedPayload


class AppealRoutedPayload(Payload):
    executor_id: ExecutorId
    executor_name: SafeText
    rule_id: SafeText = Field(description="the rule that decided")
    rule_set_version: int
    territory_ids: list[SafeText] = Field(description="territories containing the appeal's point")
    explanation: SafeText = Field(description="why this executor, in words an operator reads")
    attempt: int = Field(default=1, ge=1, description="routing attempt (redirects add one)")
    priority: Priority = Priority.NORMAL
    sla_policy: SafeText | None = Field(default=None, description="deadline policy the rule names")
    decided_by: SafeText | None = Field(
        default=None, description="the operator who routed it by hand; None: the rules did"
    )


class AppealRouted(Event):
    type: Literal["AppealRouted"] = "AppealRouted"
    appeal_id: UUID
    payload: AppealRoutedPayload


class NeedsManualRoutingPayload(Payload):
    reason: SafeText
    rule_set_version: int
    territory_ids: list[SafeText]
    attempt: int = Field(default=1, ge=1)
    excluded_executor_ids: list[SafeText] = Field(
        default_factory=list, description="executors that redirected the appeal"
    )


class NeedsManualRouting(Event):
    type: Literal["NeedsManualRouting"] = "NeedsManualRouting"
    appeal_id: UUID
    payload: NeedsManualRoutingPayload


class AppealDuplicatePayload(Payload):
    original_appeal_id: UUID = Field(description="the open appeal this one repeats")
    distance_m: float = Field(ge=0, allow_inf_nan=False)
    explanation: SafeText


class AppealDuplicate(Event):
    type: Literal["AppealDuplicate"] = "AppealDuplicate"
    appeal_id: UUID
    payload: AppealDuplicatePayload


class AssignmentIssuedPayload(Payload):
    """Everything an executor needs to do the work (no personal data)."""

    executor_id: ExecutorId
    category: CategoryId
    location: GeoPoint
    address: SafeText | None = None
    text: SafeText
    rule_id: SafeText
    submitted_at: Annotated[SafeText, Field(description="ISO 8601 time the citizen submitted")]
    priority: Priority = Priority.NORMAL
    sla_policy: SafeText | None = None
    kind: AppealKind = Field(
        default=AppealKind.PROBLEM,
        description="suggestions and thanks are for information: acknowledged, not answered",
    )


class AssignmentIssued(Event):
    type: Literal["AssignmentIssued"] = "AssignmentIssued"
    appeal_id: UUID
    payload: AssignmentIssuedPayload


MAX_REASON_LENGTH = 2000

By = Annotated[
    SafeText | None,
    Field(default=None, max_length=200, description="the staff member who took the step"),
]
"""Who among the staff took a step ("Name (subject)"); never a citizen's identity."""


class AppealAcceptedPayload(Payload):
    executor_id: ExecutorId
    comment: SafeText | None = Field(default=None, max_length=MAX_ANSWER_LENGTH)
    planned_date: date | None = Field(
        default=None, description="when the executor plans the work (the citizen sees it)"
    )
    by: By = None


class AppealAccepted(Event):
    type: Literal["AppealAccepted"] = "AppealAccepted"
    appeal_id: UUID
    payload: AppealAcceptedPayload


class AppealResolvedPayload(Payload):
    """Fixed: the executor says what was done."""

    executor_id: ExecutorId
    answer: SafeText = Field(min_length=1, max_length=MAX_ANSWER_LENGTH)
    by: By = None


class AppealResolved(Event):
    type: Literal["AppealResolved"] = "AppealResolved"
    appeal_id: UUID
    payload: AppealResolvedPayload


class AppealRedirectedPayload(Payload):
    """An executor says the appeal is not theirs; the router tries again without them."""

    executor_id: ExecutorId
    reason: SafeText = Field(min_length=1, max_length=MAX_ANSWER_LENGTH)
    by: By = None


class AppealRedirected(Event):
    type: Literal["AppealRedirected"] = "AppealRedirected"
    appeal_id: UUID
    payload: AppealRedirectedPayload


class AppealClarifiedPayload(Payload):
    """Explained instead of fixed ("repairs are planned for May")."""

    executor_id: ExecutorId
    answer: SafeText = Field(min_length=1, max_length=MAX_ANSWER_LENGTH)
    planned_date: date | None = None
    by: By = None


class AppealClarified(Event):
    type: Literal["AppealClarified"] = "AppealClarified"
    appeal_id: UUID
    payload: AppealClarifiedPayload


class AppealRejectedPayload(Payload):
    """Refused with a reason from the city's list (an executor's answer, or a moderator's
    refusal of an appeal that breaks the rules)."""

    executor_id: ExecutorId | None = Field(default=None, description="None: a moderator")
    reason_code: CategoryId = Field(description="an entry of the configured list of reasons")
    reason: SafeText = Field(min_length=1, max_length=MAX_REASON_LENGTH)
    by: By = None


class AppealRejected(Event):
    type: Literal["AppealRejected"] = "AppealRejected"
    appeal_id: UUID
    payload: AppealRejectedPayload


class ClarificationRequestedPayload(Payload):
    """The executor or a moderator asks the citizen for details; deadlines pause."""

    question: SafeText = Field(min_length=1, max_length=MAX_REASON_LENGTH)
    executor_id: ExecutorId | None = Field(default=None, description="None: a moderator asks")
    by: By = None
    answer_by: AwareDatetime | None = Field(
        default=None,
        description="until when the citizen may answer; after it the asker may close the"
        " appeal for want of an answer (one deadline both sides keep, so they never race)",
    )


class ClarificationRequested(Event):
    type: Literal["ClarificationRequested"] = "ClarificationRequested"
    appeal_id: UUID
    payload: ClarificationRequestedPayload


class ClarificationProvidedPayload(Payload):
    """The citizen's answer: the appeal returns to where it was."""

    answer: SafeText = Field(min_length=1, max_length=MAX_TEXT_LENGTH)


class ClarificationProvided(Event):
    type: Literal["ClarificationProvided"] = "ClarificationProvided"
    appeal_id: UUID
    payload: ClarificationProvidedPayload


Rating = Annotated[int, Field(ge=1, le=5, description="the citizen's mark of the answer")]


class AppealConfirmedPayload(Payload):
    """The citizen accepts the answer: the appeal closes."""

    rating: Rating
    comment: SafeText | None = Field(default=None, max_length=MAX_REASON_LENGTH)


class AppealConfirmed(Event):
    type: Literal["AppealConfirmed"] = "AppealConfirmed"
    appeal_id: UUID
    payload: AppealConfirmedPayload


class AppealReopenedPayload(Payload):
    """The citizen does not accept the answer: back to the same executor."""

    executor_id: ExecutorId
    reason: SafeText = Field(min_length=1, max_length=MAX_REASON_LENGTH)
    rating: Rating | None = None


class AppealReopened(Event):
    type: Literal["AppealReopened"] = "AppealReopened"
    appeal_id: UUID
    payload: AppealReopenedPayload


class AnswerRejectedPayload(Payload):
    """An operator finds the executor's answer a non-answer: back to the executor."""

    executor_id: ExecutorId
    reason: SafeText = Field(min_length=1, max_length=MAX_REASON_LENGTH)
    by: By = None


class AnswerRejected(Event):
    type: Literal["AnswerRejected"] = "AnswerRejected"
    appeal_id: UUID
    payload: AnswerRejectedPayload


class AppealHeldPayload(Payload):
    """Intake's automatic checks flagged the appeal: it waits for a moderator."""

    reasons: list[SafeText] = Field(min_length=1, max_length=20)


class AppealHeld(Event):
    type: Literal["AppealHeld"] = "AppealHeld"
    appeal_id: UUID
    payload: AppealHeldPayload


class AppealApprovedPayload(Payload):
    """A moderator let a held appeal through (its public text possibly edited)."""

    public_text_edited: bool = False
    by: By = None


class AppealApproved(Event):
    type: Literal["AppealApproved"] = "AppealApproved"
    appeal_id: UUID
    payload: AppealApprovedPayload


class PublicTextEditedPayload(Payload):
    """A moderator changed what the public sees of the appeal (never what the executor
    reads: that stays as the citizen wrote it)."""

    by: By = None


class PublicTextEdited(Event):
    type: Literal["PublicTextEdited"] = "PublicTextEdited"
    appeal_id: UUID
    payload: PublicTextEditedPayload


class AppealForwardedPayload(Payload):
    """A suggestion or thanks passed to the organisation it concerns, for information."""

    executor_id: ExecutorId
    executor_name: SafeText
    kind: AppealKind
    rule_id: SafeText
    decided_by: SafeText | None = Field(default=None, description="an operator; None: rules")


class AppealForwarded(Event):
    type: Literal["AppealForwarded"] = "AppealForwarded"
    appeal_id: UUID
    payload: AppealForwardedPayload


class AppealAcknowledgedPayload(Payload):
    """The organisation read the suggestion or thanks (its short life ends)."""

    executor_id: ExecutorId
    comment: SafeText | None = Field(default=None, max_length=MAX_REASON_LENGTH)
    by: By = None


class AppealAcknowledged(Event):
    type: Literal["AppealAcknowledged"] = "AppealAcknowledged"
    appeal_id: UUID
    payload: AppealAcknowledgedPayload


class CommentVisibility(StrEnum):
    PUBLIC = "public"
    """The citizen, the staff and the appeal's public page see it."""
    INTERNAL = "internal"
    """Staff only: the executor's and the city's."""


class CommentAuthor(StrEnum):
    CITIZEN = "citizen"
    EXECUTOR = "executor"
    CITY = "city"
    """An operator, moderator, curator or administrator."""


class CommentPostedPayload(Payload):
    comment_id: UUID
    visibility: CommentVisibility
    author: CommentAuthor
    executor_id: ExecutorId | None = Field(default=None, description="the executor's staff")
    by: By = Field(default=None, description="staff only; a citizen is never named")
    text: SafeText = Field(min_length=1, max_length=MAX_REASON_LENGTH)
    photo_ids: list[UUID] = Field(default_factory=list, max_length=10)


class CommentPosted(Event):
    """Someone wrote on an appeal (in its log, beside its steps; no status change)."""

    type: Literal["CommentPosted"] = "CommentPosted"
    appeal_id: UUID
    payload: CommentPostedPayload


class CloseReason(StrEnum):
    NO_VERDICT = "no_verdict"
    """The citizen neither confirmed nor reopened the answer in time."""
    NO_CLARIFICATION = "no_clarification"
    """The citizen did not answer the question in time; the executor closed it."""


class AppealClosedPayload(Payload):
    reason: CloseReason
    executor_id: ExecutorId | None = None
    by: By = None


class AppealClosed(Event):
    type: Literal["AppealClosed"] = "AppealClosed"
    appeal_id: UUID
    payload: AppealClosedPayload


class SlaStage(StrEnum):
    """A stage of an appeal's legal clock (sla-tracker's policies)."""

    REGISTRATION = "registration"
    REDIRECT = "redirect"
    ANSWER = "answer"


class SlaRung(StrEnum):
    """Who is answerable once an escalation reaches them."""

    EXECUTOR_DISPATCHER = "executor_dispatcher"
    EXECUTOR_HEAD = "executor_head"
    CITY_CURATOR = "city_curator"
    CITY_HEAD = "city_head"


class SlaMarkPayload(Payload):
    policy_id: SafeText
    stage: SlaStage
    executor_id: ExecutorId | None = Field(
        default=None, description="whose stage it is (None: registration, the city's)"
    )
    due_at: datetime = Field(description="when the stage is due (pauses included)")


class SlaWarningPayload(SlaMarkPayload):
    share: float = Field(gt=0, lt=1, description="how much of the stage's time has passed")


class SlaWarning(Event):
    """A stage's deadline is near (at a share of its time the policy names)."""

    type: Literal["SlaWarning"] = "SlaWarning"
    appeal_id: UUID
    payload: SlaWarningPayload


class SlaBreached(Event):
    """A stage's deadline passed before the stage ended."""

    type: Literal["SlaBreached"] = "SlaBreached"
    appeal_id: UUID
    payload: SlaMarkPayload


class DeadlineReason(StrEnum):
    STARTED = "started"
    """The executor has the appeal: its answer stage runs from now."""
    RESUMED = "resumed"
    """The citizen answered a question: the deadline moved by the time it waited."""
    EXTENDED = "extended"
    """The one extension the policy allows."""


class DeadlineSetPayload(SlaMarkPayload):
    reason: DeadlineReason


class DeadlineSet(Event):
    """When the executor must answer by, set or moved (the citizen's view and the
    executor's inbox show it)."""

    type: Literal["DeadlineSet"] = "DeadlineSet"
    appeal_id: UUID
    payload: DeadlineSetPayload


class EscalatedPayload(SlaMarkPayload):
    rung: SlaRung = Field(description="who is answerable from now on")
    share: float = Field(gt=0, description="when, as a share of the stage's time (≥ 1: late)")


class Escalated(Event):
    """The escalation ladder reached a rung: that person now answers for the appeal."""

    type: Literal["Escalated"] = "Escalated"
    appeal_id: UUID
    payload: EscalatedPayload


class RuleSetPublishedPayload(Payload):
    version: int = Field(ge=1)
    rules: dict[str, Any] = Field(description="the rule-set document (router's schema)")
    published_by: SafeText | None = None


class RuleSetPublished(Event):
    """A new rule set for every router instance (on the compacted `routing.changes`)."""

    type: Literal["RuleSetPublished"] = "RuleSetPublished"
    payload: RuleSetPublishedPayload
    compaction_key: ClassVar[bytes | None] = b"rules"


class TerritoriesChangedPayload(Payload):
    territories: int = Field(ge=0, description="how many territories the router now has")
    source: SafeText | None = None


class TerritoriesChanged(Event):
    """Territories or buildings were replaced in the router's store: instances reload."""

    type: Literal["TerritoriesChanged"] = "TerritoriesChanged"
    payload: TerritoriesChangedPayload
    compaction_key: ClassVar[bytes | None] = b"territories"


class StaffRolesSetPayload(Payload):
    member_id: UUID = Field(description="the person's pseudonym: uuid5 of issuer and subject")
    issuer: SafeText = Field(min_length=1, max_length=500)
    subject: SafeText = Field(min_length=1, max_length=255)
    roles: frozenset[Role] = Field(
        description="every role the directory grants the member now (empty: all revoked)"
    )
    organisation: ExecutorId | None = Field(
        default=None, description="the executor organisation of executor staff"
    )
    set_by: SafeText | None = Field(default=None, max_length=200)


class StaffRolesSet(Event):
    """An administrator set a staff member's roles in the staff directory (on the
    compacted `identity.staff-roles`, keyed by member): the whole grant, not a change."""

    type: Literal["StaffRolesSet"] = "StaffRolesSet"
    payload: StaffRolesSetPayload
    compacted: ClassVar[bool] = True

    @property
    def key(self) -> bytes:
        return str(self.payload.member_id).encode()


EVENT_TYPES: tuple[type[Event], ...] = (
    AppealSubmitted,
    AppealRouted,
    NeedsManualRouting,
    AppealDuplicate,
    AssignmentIssued,
    AppealAccepted,
    AppealResolved,
    AppealRedirected,
    AppealClarified,
    AppealRejected,
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
    RuleSetPublished,
    TerritoriesChanged,
    StaffRolesSet,
)

AnyEvent = Annotated[
    AppealSubmitted
    | AppealRouted
    | NeedsManualRouting
    | AppealDuplicate
    | AssignmentIssued
    | AppealAccepted
    | AppealResolved
    | AppealRedirected
    | AppealClarified
    | AppealRejected
    | ClarificationRequested
    | ClarificationProvided
    | AppealConfirmed
    | AppealReopened
    | AnswerRejected
    | AppealClosed
    | AppealHeld
    | AppealApproved
    | PublicTextEdited
    | AppealForwarded
    | AppealAcknowledged
    | CommentPosted
    | SlaWarning
    | SlaBreached
    | Escalated
    | DeadlineSet
    | RuleSetPublished
    | TerritoriesChanged
    | StaffRolesSet,
    Field(discriminator="type"),
]

_any_event: TypeAdapter[AnyEvent] = TypeAdapter(AnyEvent)


def decode_event(raw: bytes | str) -> AnyEvent:
    """Parse any platform event from JSON; raises pydantic.ValidationError if malformed,
    `UnsupportedSchemaVersion` if its type does not understand its `schema_version`."""
    event = _any_event.validate_json(raw)
    event.check_schema_version()
    return event

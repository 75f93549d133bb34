"""What a service talks to outside its own code, chosen at the composition root: the real
adapters by default, fakes in tests (cosmicpython's `bootstrap`). A new kind of adapter
is added here once, not to every service's `create_app`."""

from dataclasses import dataclass

from faststream.kafka import KafkaBroker

from services.clock import Clock
from services.identity import TokenVerifier
from services.kafka import TopicAdmin
from services.sms import SmsGateway
from services.staff_roles import StaffGrants


@dataclass(frozen=True)
class Adapters:
    broker: KafkaBroker | None = None
    """None: a Kafka broker on the settings' bootstrap servers."""
    clock: Clock | None = None
    """None: the system clock."""
    topics: TopicAdmin | None = None
    """None: topics are created on that Kafka."""
    identity: TokenVerifier | None = None
    """None: tokens of the issuers in the settings (`IDENTITY_ISSUERS`)."""
    staff_grants: StaffGrants | None = None
    """None: the roles granted in the staff directory, as this service's table keeps them."""
    sms: SmsGateway | None = None
    """None: the SMS gateway in the settings of a service that texts (intake's
    `INTAKE_SMS_BASE_URL`)."""


REAL = Adapters()
"""Every adapter the real one."""

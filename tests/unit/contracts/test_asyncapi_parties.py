"""The AsyncAPI document names who sends and receives from the services' declarations."""

import pytest

from contracts.asyncapi import CHANNELS, document
from contracts.declarations import (
    Publication,
    ServiceDeclaration,
    Subscription,
    declared_services,
)
from contracts.events import AppealRouted, AppealSubmitted
from contracts.topics import APPEAL_EVENTS, APPEAL_SUBMITTED

CHANNEL_OF = {c.address: c for c in CHANNELS}


@pytest.mark.parametrize("service", declared_services(), ids=lambda s: s.name)
def test_every_declared_address_is_a_channel_carrying_those_events(
    service: ServiceDeclaration,
) -> None:
    declared: list[Subscription | Publication] = [*service.consumes, *service.publishes]
    for traffic in declared:
        channel = CHANNEL_OF.get(traffic.address)
        assert channel is not None, f"{service.name}: no AsyncAPI channel {traffic.address!r}"
        assert set(traffic.events) <= set(channel.messages), traffic


def test_a_new_service_appears_in_the_document_by_declaring_itself() -> None:
    newcomer = ServiceDeclaration(
        name="analytics",
        package="analytics",
        folder="analytics",
        env_prefix="ANALYTICS",
        port=8099,
        database="analytics",
        summary="",
        consumes=(Subscription(APPEAL_SUBMITTED, (AppealSubmitted,)),),
        publishes=(Publication(APPEAL_EVENTS, (AppealRouted,)),),
    )
    operations = document([*declared_services(), newcomer])["operations"]
    assert "analytics" in operations["receive_appealSubmitted"]["summary"]
    assert "analytics" in operations["send_appealEvents"]["summary"]
    assert "analytics" not in document()["operations"]["send_appealEvents"]["summary"]

"""The city's own channels: the demo city takes telephone-hotline appeals (intake accepts
them, the router routes them and keeps the channel), and refuses a channel it does not
declare, naming the ones it has."""

from uuid import UUID

import pytest

from router.domain.routing import RuleSetError
from router.domain.rules import RuleSet
from router.store import repository
from services.identity import Role
from services.testing import InProcessPlatform

ROAD_MARKING = {
    "category": "road_marking",
    "location": {"lat": 62.0301, "lon": 129.7013},
    "text": "Стёрлась разметка на перекрёстке (звонок на горячую линию)",
}


async def test_the_city_lists_its_channels(platform: InProcessPlatform) -> None:
    listed = await platform.client("intake").get("/channels")
    assert listed.status_code == 200, listed.text
    channels = {c["id"]: c["name"] for c in listed.json()}
    assert channels["phone"] == "Телефон горячей линии"
    assert {"web", "mobile", "open311", "bot", "operator", "api"} <= set(channels)


async def test_a_hotline_appeal_is_accepted_and_routed(platform: InProcessPlatform) -> None:
    citizen = platform.auth(Role.CITIZEN, subject="citizen-on-the-hotline")
    created = await platform.client("intake").post(
        "/appeals", json={**ROAD_MARKING, "channel": "phone"}, headers=citizen
    )
    assert created.status_code == 201, created.text
    appeal_id = created.json()["id"]
    await platform.settled()
    seen = (await platform.client("intake").get(f"/appeals/{appeal_id}", headers=citizen)).json()
    assert seen["status"] == "routed", seen
    assert seen["executor"] is not None
    async with platform.service("router").runtime.db.session() as session:
        case = await repository.get_appeal(session, UUID(appeal_id))
    assert case is not None
    assert case.channel == "phone"


async def test_a_channel_the_city_does_not_declare_is_refused(
    platform: InProcessPlatform,
) -> None:
    citizen = platform.auth(Role.CITIZEN, subject="citizen-by-fax")
    refused = await platform.client("intake").post(
        "/appeals", json={**ROAD_MARKING, "channel": "fax"}, headers=citizen
    )
    assert refused.status_code == 422, refused.text
    (problem,) = refused.json()["detail"]
    assert problem["loc"] == ["body", "channel"]
    assert "'fax'" in problem["msg"]
    assert "web, mobile, open311, bot, operator, api, phone" in problem["msg"]


async def test_the_stored_city_takes_rules_only_for_its_channels(
    platform: InProcessPlatform,
) -> None:
    """What `router rules check` and `rules publish` start from: the city in the database."""
    async with platform.service("router").runtime.db.session() as session:
        stored = await repository.load_router(session)
    assert stored is not None

    def draft(channel: str) -> RuleSet:
        rule = {"id": "by-channel", "categories": ["pothole"], "channels": [channel]}
        return RuleSet.model_validate(
            {"version": stored.rules.version + 1, "rules": [{**rule, "executor": "roads-dept"}]}
        )

    assert stored.with_rules(draft("phone")).rules.version == stored.rules.version + 1
    with pytest.raises(RuleSetError, match="declares no channel 'fax'"):
        stored.with_rules(draft("fax"))

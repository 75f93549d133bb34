"""The demo city's rules in the running services: a duplicate never crosses a routing
boundary, an owner-managed house goes to its district, a rule sends appeals to the manual
queue with its reason."""

from services.identity import Role
from services.testing import InProcessPlatform
from tests.usecases.test_appeal_lifecycle import citizen_sees, submit

# The western edge of Park Pobedy runs between these two points, 21 m apart.
OUTSIDE_PARK = {"lat": 62.0350, "lon": 129.6988}
INSIDE_PARK = {"lat": 62.0350, "lon": 129.6992}
INSIDE_PARK_TOO = {"lat": 62.0350, "lon": 129.6996}


def tree(location: dict[str, float], text: str = "Упало дерево") -> dict[str, object]:
    return {"category": "fallen_tree", "location": location, "text": text}


async def test_reports_on_both_sides_of_the_park_edge_stay_apart(
    platform: InProcessPlatform,
) -> None:
    outside = await submit(platform, tree(OUTSIDE_PARK))
    inside = await submit(platform, tree(INSIDE_PARK, "Упало дерево у входа в парк"))
    seen_outside, seen_inside = (
        await citizen_sees(platform, outside),
        await citizen_sees(platform, inside),
    )
    assert (seen_outside["status"], seen_outside["executor"]["id"]) == ("routed", "adm-centre")  # type: ignore[index]
    assert (seen_inside["status"], seen_inside["executor"]["id"]) == ("routed", "parks-dept")  # type: ignore[index]
    # A third report inside the park, 21 m from the second, is its duplicate.
    third = await submit(platform, tree(INSIDE_PARK_TOO, "То же дерево"))
    seen = await citizen_sees(platform, third)
    assert seen["status"] == "duplicate"
    assert seen["duplicate_of"]["id"] == inside  # type: ignore[index]
    assert platform.published_types("appeal.events").count("AppealDuplicate") == 1


async def test_an_owner_managed_house_goes_to_its_district_administration(
    platform: InProcessPlatform,
) -> None:
    # The point lies in a management company's territory; the registry says no company
    # manages this house.
    appeal = {
        "category": "roof_leak",
        "location": {"lat": 62.0262, "lon": 129.6915},
        "address": "Садовая ул., дом 3",
        "text": "Протекает крыша",
    }
    appeal_id = await submit(platform, appeal)
    seen = await citizen_sees(platform, appeal_id)
    assert seen["executor"]["id"] == "adm-centre"  # type: ignore[index]
    staff = platform.auth(Role.OPERATOR)
    decision = (
        await platform.client("router").get(f"/routing/decisions/{appeal_id}", headers=staff)
    ).json()
    assert decision[0]["rule_id"] == "housing-owner-managed", decision
    assert "no management company serves" in decision[0]["explanation"], decision


async def test_a_rule_sends_yards_outside_every_company_to_the_manual_queue(
    platform: InProcessPlatform,
) -> None:
    appeal = {
        "category": "yard_cleaning",
        "location": {"lat": 62.0120, "lon": 129.7800},  # the industrial zone
        "text": "Не убран двор",
    }
    appeal_id = await submit(platform, appeal)
    assert (await citizen_sees(platform, appeal_id))["status"] == "manual_routing"
    queue = (
        await platform.client("router").get("/routing/manual", headers=platform.auth(Role.OPERATOR))
    ).json()
    assert [q["appeal_id"] for q in queue] == [appeal_id]
    assert "оператор выбирает исполнителя" in queue[0]["reason"], queue

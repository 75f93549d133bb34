"""Kill the router with SIGKILL mid-stream: every appeal is still routed exactly once."""

import json
import random
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from router.city import read_city
from router.domain.appeal import AppealToRoute
from router.domain.duplicates import distance_m
from router.domain.routing import Routed
from router.store.repository import build_router
from services.identity import Role
from tests.integration.kafka_io import read_all, rows, scalar
from tests.integration.platform import CITY, Platform, auth_headers, eventually

APPEALS = 200


def routable_cases(
    count: int, seed: int = 7, avoiding: Iterable[tuple[str, float, float]] = ()
) -> list[tuple[str, dict[str, float], str]]:
    """(category, point, expected executor) for `count` routable appeals spread over the
    demo city, each more than 120 m from the others, from the fixed test points and from
    the appeals `avoiding` (category, lat, lon) of its category, so none is a duplicate of
    another. The expected executor comes from the router's own (unit-tested) decision:
    this test is about delivery, not about routing."""
    city, rules = read_city(CITY)
    router = build_router(rules, city)
    categories = sorted(c.id for c in city.categories)
    taken = [(p["lat"], p["lon"]) for p in json.loads((CITY / "test_points.json").read_text())]
    earlier: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for category, lat, lon in avoiding:
        earlier[category].append((lat, lon))
    rng = random.Random(seed)
    cases: list[tuple[str, dict[str, float], str]] = []
    while len(cases) < count:
        lat, lon = rng.uniform(62.004, 62.056), rng.uniform(129.661, 129.799)
        if any(distance_m(lat, lon, a, b) < 120 for a, b in taken):
            continue
        category = rng.choice(categories)
        if any(distance_m(lat, lon, a, b) < 120 for a, b in earlier[category]):
            continue
        decision = router.decide(AppealToRoute(category, lon, lat))
        if isinstance(decision, Routed):
            taken.append((lat, lon))
            cases.append((category, {"lat": lat, "lon": lon}, decision.executor_id))
    return cases


def appeals_in_router(platform: Platform) -> list[tuple[str, float, float]]:
    """(category, lat, lon) of every appeal the router holds: what earlier tests of the
    session filed, which new cases must keep clear of (`routable_cases(avoiding=…)`)."""
    held = rows(platform.router.database_url, "SELECT category, lat, lon FROM appeals")
    return [(category, lat, lon) for category, lat, lon in held]


def all_assignments(platform: Platform, executor: str) -> list[dict[str, Any]]:
    url = f"{platform.gateway.url}/executors/{executor}/assignments"
    pages: list[dict[str, Any]] = []
    staff = auth_headers(Role.EXECUTOR_DISPATCHER, organisation=executor)
    while page := httpx.get(url, params={"limit": 500, "offset": len(pages)}, headers=staff).json():
        pages.extend(page)
    return pages


def test_appeals_submitted_while_the_router_is_killed_are_routed_once(platform: Platform) -> None:
    cases = routable_cases(APPEALS)
    expected: dict[str, str] = {}
    citizen = auth_headers(Role.CITIZEN, subject="citizen-of-the-router-crash")

    def submit(case: tuple[str, dict[str, float], str]) -> None:
        category, location, executor = case
        response = httpx.post(
            f"{platform.intake.url}/appeals",
            json={"category": category, "location": location, "text": f"crash test {category}"},
            headers=citizen,
            timeout=30,
        )
        assert response.status_code == 201, response.text
        expected[response.json()["id"]] = executor

    decided = "SELECT count(*) FROM routing_decisions"
    before = scalar(platform.router.database_url, decided)
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(submit, cases[: APPEALS // 2]))
        eventually(
            lambda: scalar(platform.router.database_url, decided) >= before + 10,
            timeout_s=60,
            what="the router to be mid-stream",
        )
        platform.router.kill()
        killed_at = scalar(platform.router.database_url, decided) - before
        list(pool.map(submit, cases[APPEALS // 2 :]))  # while the router is dead
    assert killed_at < APPEALS, "the router must die before it has routed everything"
    platform.router.start()
    platform.router.wait_ready()

    ids = ", ".join(f"'{i}'" for i in expected)
    eventually(
        lambda: (
            scalar(
                platform.router.database_url,
                f"SELECT count(*) FROM routing_decisions WHERE appeal_id IN ({ids})",
            )
            == APPEALS
        ),
        timeout_s=120,
        what="every appeal to be routed",
    )
    eventually(
        lambda: (
            scalar(
                platform.gateway.database_url,
                f"SELECT count(*) FROM assignments WHERE appeal_id IN ({ids})",
            )
            == APPEALS
        ),
        timeout_s=60,
        what="every assignment to reach the executor gateway",
    )
    eventually(
        lambda: (
            scalar(
                platform.intake.database_url,
                f"SELECT count(*) FROM appeals WHERE status = 'routed' AND id IN ({ids})",
            )
            == APPEALS
        ),
        timeout_s=60,
        what="intake to see every appeal routed",
    )

    # Exactly one assignment per appeal, at the right executor, as executors see them ...
    for executor in set(expected.values()):
        listed = all_assignments(platform, executor)
        mine = [a["appeal_id"] for a in listed if a["appeal_id"] in expected]
        assert len(mine) == len(set(mine))
        assert {a for a in mine} == {a for a, e in expected.items() if e == executor}

    # ... and on the wire: one AssignmentIssued event per appeal (a re-send after a crash
    # repeats the same event id, which consumers' inboxes ignore; never a second decision).
    event_ids: dict[str, set[str]] = defaultdict(set)
    for record in read_all(platform.kafka, r"^executor\..*\.assignments$"):
        event = json.loads(record.value)
        if event["appeal_id"] in expected:
            event_ids[event["appeal_id"]].add(event["event_id"])
            assert record.topic == f"executor.{expected[event['appeal_id']]}.assignments"
    assert set(event_ids) == set(expected)
    assert all(len(ids) == 1 for ids in event_ids.values())

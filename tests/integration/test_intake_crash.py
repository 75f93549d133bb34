"""Kill intake with SIGKILL while citizens submit: every appeal it acknowledged (201) is
routed exactly once — the outbox holds what Kafka has not acknowledged yet."""

import random
from concurrent.futures import ThreadPoolExecutor

import httpx

from services.identity import Role
from tests.integration.kafka_io import scalar
from tests.integration.platform import Platform, auth_headers, eventually

SUBMISSIONS = 120


def test_every_acknowledged_appeal_survives_an_intake_crash(platform: Platform) -> None:
    rng = random.Random(5)
    points = [
        {"lat": rng.uniform(62.040, 62.056), "lon": rng.uniform(129.661, 129.790)}
        for _ in range(SUBMISSIONS)
    ]
    acknowledged: list[str] = []
    citizen = auth_headers(Role.CITIZEN, subject="citizen-of-the-intake-crash")

    def submit(location: dict[str, float]) -> None:
        try:
            response = httpx.post(
                f"{platform.intake.url}/appeals",
                json={"category": "hot_water_outage", "location": location, "text": "Нет воды"},
                headers=citizen,
                timeout=10,
            )
        except httpx.HTTPError:
            return  # not acknowledged: the citizen's app would retry
        if response.status_code == 201:
            acknowledged.append(response.json()["id"])

    with ThreadPoolExecutor(max_workers=6) as pool:
        futures = [pool.submit(submit, p) for p in points]
        eventually(lambda: len(acknowledged) >= 30, what="intake to be mid-stream")
        platform.intake.kill()
        for future in futures:
            future.result()
    platform.intake.start()
    platform.intake.wait_ready()
    assert 30 <= len(acknowledged) < SUBMISSIONS, "intake must die mid-stream"

    ids = ", ".join(f"'{i}'" for i in acknowledged)
    eventually(
        lambda: (
            scalar(
                platform.router.database_url,
                f"SELECT count(*) FROM routing_decisions WHERE appeal_id IN ({ids})",
            )
            == len(acknowledged)
        ),
        timeout_s=90,
        what="every acknowledged appeal to be routed",
    )
    eventually(
        lambda: (
            scalar(
                platform.intake.database_url,
                f"SELECT count(*) FROM appeals WHERE status IN ('routed', 'duplicate') AND id IN ({ids})",
            )
            == len(acknowledged)
        ),
        what="intake to show every acknowledged appeal routed (or linked to an original)",
    )
    assert scalar(platform.intake.database_url, "SELECT count(*) FROM outbox_messages") == 0

"""Two router instances share the load: one consumer group, the partitions of
`appeal.submitted` split between them. Every appeal is decided once; two reports of one
problem filed together — on partitions the two instances own — still make one original
and one duplicate (the instances take turns on the area's advisory locks), and a
deadlock between two batches' locks is retried, never parked."""

from collections.abc import Callable, Iterator

import httpx
from prometheus_client.parser import text_string_to_metric_families

from contracts.topics import APPEAL_SUBMITTED
from tests.integration.delivery import (
    Case,
    check_routed_once,
    file_at_rate,
    in_list,
    wait_until_assigned,
    wait_until_decided,
)
from tests.integration.kafka_io import rows, scalar
from tests.integration.platform import Platform, ServiceProcess
from tests.integration.test_router_crash import appeals_in_router, routable_cases

WAVE = 120
"""Problems filed at a time (a quarter of them twice), until both instances applied some."""
WAVES = 4
RATE = 100.0


def applied(instance: ServiceProcess) -> float:
    """Events of `appeal.submitted` this instance applied (its /metrics)."""
    page = httpx.get(f"{instance.url}/metrics").text
    return sum(
        sample.value
        for family in text_string_to_metric_families(page)
        for sample in family.samples
        if sample.name == "appeals_messages_total"
        and sample.labels.get("topic") == APPEAL_SUBMITTED
        and sample.labels.get("outcome") == "applied"
    )


def with_twins(cases: list[Case]) -> Iterator[Case]:
    """Each case, every fourth one twice in a row (the same problem reported twice)."""
    for n, case in enumerate(cases):
        yield case
        if n % 4 == 0:
            yield case


def test_two_router_instances_share_the_load_and_decide_each_appeal_once(
    platform: Platform, another_instance: Callable[[ServiceProcess], ServiceProcess]
) -> None:
    first = platform.router
    second = another_instance(first)  # stopped when the test ends: one router again
    started = applied(first)
    cases = routable_cases(WAVE * WAVES, seed=2, avoiding=appeals_in_router(platform))
    filed: dict[str, Case] = {}
    for wave in range(WAVES):
        filed |= file_at_rate(
            platform, list(with_twins(cases[wave * WAVE : (wave + 1) * WAVE])), RATE
        )
        wait_until_decided(platform, set(filed))
        if applied(first) > started and applied(second) > 0:
            break
    shares = (applied(first) - started, applied(second))
    assert all(shares), f"both instances apply appeals, not {shares}"

    decided = rows(
        first.database_url,
        "SELECT d.appeal_id::text, d.outcome, a.duplicate_of::text, d.decided_at"
        " FROM routing_decisions d JOIN appeals a USING (appeal_id)"
        f" WHERE d.appeal_id IN ({in_list(filed)})",
    )
    assert len(decided) == len(filed), "one decision per appeal"
    outcome = {appeal_id: (result, original) for appeal_id, result, original, _ in decided}
    decided_at = {appeal_id: at for appeal_id, _, _, at in decided}
    reports: dict[tuple[str, float, float], list[str]] = {}
    for appeal_id, (category, location, _) in filed.items():
        reports.setdefault((category, location["lat"], location["lon"]), []).append(appeal_id)
    for same in reports.values():
        earlier, *later = sorted(same, key=decided_at.__getitem__)
        assert outcome[earlier] == ("routed", None)
        for twin in later:
            # The instances took turns on the area's locks: the twin decided later saw the
            # other and repeats it, even when it was reported first.
            assert outcome[twin] == ("duplicate", earlier)

    routed = {a: filed[a][2] for a, (result, _) in outcome.items() if result == "routed"}
    wait_until_assigned(platform, set(routed))
    check_routed_once(platform, routed)
    duplicates = in_list(set(filed) - set(routed))
    assert (
        scalar(
            platform.gateway.database_url,
            f"SELECT count(*) FROM assignments WHERE appeal_id IN ({duplicates})",
        )
        == 0
    ), "a duplicate creates no work"

"""Kill the router with SIGKILL while it applies batches of appeals arriving at 300 a
second: every appeal is still routed exactly once, to the right executor, its events in
causal order. The router consumes in batches (one transaction, one inbox insert, offsets
committed after), so the kill lands between a batch's commit and its offsets' or in the
middle of one; either way the batch is applied whole once."""

from concurrent.futures import ThreadPoolExecutor

from tests.integration.delivery import (
    check_routed_once,
    file_at_rate,
    wait_until_assigned,
    wait_until_decided,
)
from tests.integration.kafka_io import scalar
from tests.integration.platform import Platform, eventually
from tests.integration.test_router_crash import appeals_in_router, routable_cases

APPEALS = 900
RATE = 300.0
"""Appeals a second, open loop: about three seconds of load."""
APPLYING = """
    SELECT count(*) FROM pg_stat_activity
    WHERE datname = current_database() AND pid <> pg_backend_pid()
      AND xact_start IS NOT NULL AND state <> 'idle' AND query NOT ILIKE '%outbox%'
"""
"""The router's transactions in progress other than its outbox relay's: a consumer's
batch (or, rarely, a periodic job's)."""


def test_the_router_killed_mid_batch_at_300_a_second_routes_every_appeal_once(
    platform: Platform,
) -> None:
    cases = routable_cases(APPEALS, seed=300, avoiding=appeals_in_router(platform))
    decided = "SELECT count(*) FROM routing_decisions"
    before = scalar(platform.router.database_url, decided)

    with ThreadPoolExecutor(max_workers=1) as client:
        filing = client.submit(file_at_rate, platform, cases, RATE)
        # Batches in flight: some appeals decided, the stream still coming (if the
        # pipeline cannot keep up at this rate, the backlog waits for the restart), and
        # a transaction of the router's consumers open right now.
        eventually(
            lambda: scalar(platform.router.database_url, decided) >= before + APPEALS // 6,
            timeout_s=60,
            what="the router to be applying batches",
            diagnose=lambda: platform.router.log_tail(20),
        )
        eventually(
            lambda: scalar(platform.router.database_url, APPLYING) > 0,
            timeout_s=60,
            what="a batch transaction of the router's to be open",
        )
        platform.router.kill()
        killed_at = scalar(platform.router.database_url, decided) - before
        filed = filing.result()
    assert 0 < killed_at < APPEALS, "the router must die with appeals left to route"
    platform.router.start()
    platform.router.wait_ready()

    expected = {appeal_id: executor for appeal_id, (_, _, executor) in filed.items()}
    assert len(expected) == APPEALS
    wait_until_decided(platform, set(expected))
    wait_until_assigned(platform, set(expected))
    check_routed_once(platform, expected)

"""What the platform costs at rest: CPU of each service and commits in its database.

    uv run python -m bench.idle_bench [--seconds 20]   (from the repository root)

Starts Kafka and PostgreSQL (or uses `KAFKA_BOOTSTRAP_SERVERS` / `POSTGRES_URL`) and every
declared service as the integration tests do, lets them settle, then reads each service's
CPU time from /proc, and from PostgreSQL which of its connections ran a statement and how
many commits its database saw (autovacuum's included) over the interval. Figures are
printed, never asserted (tests/integration/test_quiet_at_rest.py asserts the quiet).
Before issue 6 each service used about half a core and each database saw 70-85 commits a
second.
"""

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from sqlalchemy import make_url

from tests.infrastructure import kafka, postgres
from tests.integration.idle import Watched, measure_idle
from tests.integration.platform import build_platform, provision


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="length of the idle window")
    parser.add_argument(
        "--settle", type=float, default=30.0, help="wait this long after start before measuring"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="idle-bench-") as tmp:
        workdir = Path(tmp)
        with kafka(workdir) as broker, postgres(workdir) as server_url:
            platform = build_platform(broker, server_url, workdir)
            provision(platform)
            with platform.started():
                services = {}
                for service in platform.services:
                    assert service.process is not None
                    database = str(make_url(service.database_url).database)
                    services[service.module] = Watched(service.process.pid, database)
                print(f"{len(services)} services ready; settling for {args.settle:.0f} s")
                time.sleep(args.settle)
                figures = asyncio.run(measure_idle(server_url, services, args.seconds))
    print(f"at rest for {figures.seconds:.0f} s:\n{figures.report()}")


if __name__ == "__main__":
    main()

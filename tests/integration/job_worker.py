"""A process that runs one periodic job under the chassis's leadership, for the takeover
test: `python -m tests.integration.job_worker DATABASE_URL INSTANCE`. The job records each
run as a row (instance, time) in `job_runs`."""

import asyncio
import sys

from sqlalchemy import text

from services.clock import SystemClock
from services.db import Database
from services.jobs import JobRunner


async def main(url: str, instance: str) -> None:
    db = Database(url)
    runner = JobRunner(db, SystemClock(), service="job-test", takeover_s=0.3)

    async def record() -> None:
        async with db.transaction() as session:
            sql = await session.connection()
            await sql.execute(
                text("INSERT INTO job_runs (instance, at) VALUES (:instance, clock_timestamp())"),
                {"instance": instance},
            )

    runner.add("record", 0.1, record)
    await runner.run()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))

"""The inbox forgets applied events past its retention, and only those."""

from datetime import timedelta
from uuid import uuid4

from sqlalchemy import text

from contracts.envelope import new_event_id, utcnow
from services import inbox
from services.db import Database
from services.metrics import INBOX_SIZE
from services.migrations import create_database_if_missing
from services.schema import chassis_metadata


async def test_pruning_forgets_only_entries_past_the_retention(postgres_url: str) -> None:
    url = f"{postgres_url}/inbox_{uuid4().hex[:8]}"
    await create_database_if_missing(url)
    db = Database(url)
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(chassis_metadata().create_all)
        old, recent, other = new_event_id(), new_event_id(), new_event_id()
        async with db.transaction() as session:
            assert await inbox.claim(session, "svc", old)
            assert await inbox.claim(session, "svc", recent)
            assert await inbox.claim(session, "another", other)
            sql = await session.connection()
            await sql.execute(
                text(
                    "UPDATE inbox_events SET processed_at = now() - interval '8 days'"
                    " WHERE event_id IN (:old, :other)"
                ),
                {"old": old, "other": other},
            )

        removed = await inbox.prune(db, "svc", utcnow() - timedelta(days=7), batch=1)

        assert removed == 1
        assert INBOX_SIZE.labels("svc")._value.get() == 1
        async with db.transaction() as session:
            assert not await inbox.claim(session, "svc", recent), "a redelivery inside the window"
            assert await inbox.claim(session, "svc", old), "forgotten past the retention"
            assert not await inbox.claim(session, "another", other), "another consumer's entry"
    finally:
        await db.dispose()

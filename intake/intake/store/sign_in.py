"""Reads and writes of phone sign-in: challenges (also the log of sent codes the limits
count) and citizens. Callers own the transaction."""

from datetime import datetime
from uuid import UUID, uuid4

from sqlalchemy import delete, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from intake.domain.phone_sign_in import Challenge, Quota, Scope
from intake.store.tables import CitizenRow, SignInChallengeRow

SEND_LOCK = 0x1A7A_5E4D
"""Advisory lock serialising code sends, so concurrent requests cannot overrun a limit."""


async def lock_sends(session: AsyncSession) -> None:
    """Hold the send lock until the transaction ends."""
    lock = text("SELECT pg_advisory_xact_lock(:key)").bindparams(key=SEND_LOCK)
    await session.exec(lock)  # type: ignore[call-overload]


async def limit_th_newest_send(
    session: AsyncSession, quota: Quota, phone: str, client: str, now: datetime
) -> datetime | None:
    """The `quota.limit`-th newest send counted by `quota` within its window, if any."""
    sent_at = col(SignInChallengeRow.sent_at)
    statement = select(sent_at).where(sent_at > now - quota.window)
    if quota.scope is Scope.PHONE:
        statement = statement.where(SignInChallengeRow.phone == phone)
    elif quota.scope is Scope.CLIENT:
        statement = statement.where(SignInChallengeRow.client == client)
    statement = statement.order_by(sent_at.desc()).offset(quota.limit - 1).limit(1)
    return (await session.exec(statement)).first()


async def open_challenge(
    session: AsyncSession, challenge: Challenge, client: str, now: datetime
) -> None:
    """Store `challenge`; the phone's older codes stop working."""
    await session.exec(
        update(SignInChallengeRow)
        .where(col(SignInChallengeRow.phone) == challenge.phone)
        .where(col(SignInChallengeRow.used).is_(False))
        .values(used=True)
    )
    session.add(
        SignInChallengeRow(
            id=challenge.id,
            phone=challenge.phone,
            client=client,
            code_digest=challenge.digest,
            sent_at=now,
            expires_at=challenge.expires_at,
        )
    )


async def forget_challenge(session: AsyncSession, challenge_id: UUID) -> None:
    """Drop a challenge whose code never went out (it counts against no limit)."""
    await session.exec(delete(SignInChallengeRow).where(col(SignInChallengeRow.id) == challenge_id))


async def challenge_for_update(
    session: AsyncSession, challenge_id: UUID
) -> tuple[SignInChallengeRow, Challenge] | None:
    statement = (
        select(SignInChallengeRow).where(SignInChallengeRow.id == challenge_id).with_for_update()
    )
    row = (await session.exec(statement)).first()
    if row is None:
        return None
    challenge = Challenge(
        id=row.id,
        phone=row.phone,
        digest=row.code_digest,
        expires_at=row.expires_at,
        tries=row.tries,
        used=row.used,
    )
    return row, challenge


def save_challenge(session: AsyncSession, row: SignInChallengeRow, challenge: Challenge) -> None:
    row.tries, row.used = challenge.tries, challenge.used
    session.add(row)


async def citizen_with_phone(session: AsyncSession, phone: str, now: datetime) -> UUID:
    """The id of the citizen with `phone`, made on their first sign-in."""
    await session.exec(
        insert(CitizenRow)
        .values(id=uuid4(), phone=phone, created_at=now, last_signed_in_at=now)
        .on_conflict_do_update(index_elements=["phone"], set_={"last_signed_in_at": now})
    )
    statement = select(CitizenRow.id).where(CitizenRow.phone == phone)
    return (await session.exec(statement)).one()


async def prune_challenges(session: AsyncSession, sent_before: datetime) -> int:
    """Forget codes sent before `sent_before`; returns how many."""
    result = await session.exec(
        delete(SignInChallengeRow).where(col(SignInChallengeRow.sent_at) < sent_before)
    )
    return int(result.rowcount)

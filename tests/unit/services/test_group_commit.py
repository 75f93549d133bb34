"""Group commit: what arrives while a write is in progress is written together, and each
caller hears only its own outcome."""

import asyncio
from collections.abc import Sequence

import pytest

from services.group_commit import GroupCommit


class Writer:
    """Records the batches; the first write waits until `release` is set."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.release = asyncio.Event()
        self.fail_batch = False

    async def write(self, items: Sequence[int]) -> list[int | Exception]:
        self.batches.append(list(items))
        if len(self.batches) == 1:
            await self.release.wait()
        if self.fail_batch:
            raise ConnectionError("the database went away")
        return [ValueError(f"odd {i}") if i % 2 else i * 10 for i in items]


async def test_a_lone_item_is_written_at_once_alone() -> None:
    writer = Writer()
    writer.release.set()
    group = GroupCommit(writer.write)
    assert await group.submit(4) == 40
    assert writer.batches == [[4]]


async def test_items_arriving_during_a_write_are_written_together_in_order() -> None:
    writer = Writer()
    group = GroupCommit(writer.write)
    first = asyncio.create_task(group.submit(2))
    await asyncio.sleep(0)
    others = [asyncio.create_task(group.submit(i)) for i in (4, 6, 8)]
    await asyncio.sleep(0)
    writer.release.set()
    assert await first == 20
    assert [await o for o in others] == [40, 60, 80]
    assert writer.batches == [[2], [4, 6, 8]]
    assert group.batches == 2


async def test_an_items_own_failure_reaches_only_its_caller() -> None:
    writer = Writer()
    writer.release.set()
    group = GroupCommit(writer.write)
    results = await asyncio.gather(*(group.submit(i) for i in (2, 3, 4)), return_exceptions=True)
    assert results[0] == 20
    assert results[2] == 40
    assert isinstance(results[1], ValueError)
    assert str(results[1]) == "odd 3"


async def test_a_failed_batch_fails_every_caller_in_it_and_the_next_batch_is_written() -> None:
    writer = Writer()
    group = GroupCommit(writer.write)
    first = asyncio.create_task(group.submit(2))
    await asyncio.sleep(0)
    writer.fail_batch = True
    writer.release.set()
    with pytest.raises(ConnectionError):
        await first
    writer.fail_batch = False
    assert await group.submit(6) == 60, "the writer goes on after a failed batch"


async def test_batches_are_capped() -> None:
    writer = Writer()
    group = GroupCommit(writer.write, max_batch=2)
    tasks = [asyncio.create_task(group.submit(i)) for i in (2, 4, 6, 8, 10)]
    await asyncio.sleep(0)
    writer.release.set()
    assert [await t for t in tasks] == [20, 40, 60, 80, 100]
    assert writer.batches == [[2, 4], [6, 8], [10]]


async def test_a_write_that_loses_outcomes_fails_its_callers() -> None:
    async def short(items: Sequence[int]) -> list[int | Exception]:
        return []

    group: GroupCommit[int, int] = GroupCommit(short)
    with pytest.raises(RuntimeError, match="0 outcomes for a batch of 1"):
        await group.submit(1)

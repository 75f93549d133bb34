"""Group commit: concurrent requests written together, one transaction for many.

A request handler calls `await group.submit(item)`. When no write is in progress the item
is written at once, alone (no added latency when traffic is light); items that arrive
while a write is in progress wait for it and are then written together, up to
`max_batch` at a time. Under load a batch therefore holds what arrived during one
transaction, and the database sees one transaction (and one round trip per statement)
for the lot instead of one per request.

`write(items)` returns one outcome per item, in order: a result, or an exception that
belongs to that item alone (it is raised to that item's caller). An exception raised by
`write` itself fails the whole batch: every caller of it gets that exception.
"""

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


@dataclass
class _Waiting(Generic[Item, Result]):
    item: Item
    future: "asyncio.Future[Result]" = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class GroupCommit(Generic[Item, Result]):
    def __init__(
        self,
        write: Callable[[Sequence[Item]], Awaitable[Sequence[Result | BaseException]]],
        *,
        max_batch: int = 100,
    ) -> None:
        self._write = write
        self.max_batch = max_batch
        self._waiting: list[_Waiting[Item, Result]] = []
        self._writing = False
        self._writer: asyncio.Task[None] | None = None
        self.batches = 0
        """Batches written so far (for metrics and tests)."""

    async def submit(self, item: Item) -> Result:
        """Write `item` with whatever else is waiting; its own result or exception."""
        waiting: _Waiting[Item, Result] = _Waiting(item)
        self._waiting.append(waiting)
        if not self._writing:
            self._writing = True
            self._writer = asyncio.get_running_loop().create_task(self._drain())
        return await waiting.future

    async def _drain(self) -> None:
        """Write batches until nothing waits; the one writer at a time."""
        try:
            while self._waiting:
                batch = self._waiting[: self.max_batch]
                del self._waiting[: self.max_batch]
                await self._write_batch(batch)
        finally:
            self._writing = False
            stranded, self._waiting = self._waiting, []  # only when the writer was stopped
            for waiting in stranded:
                if not waiting.future.done():
                    waiting.future.set_exception(RuntimeError("the writer stopped"))

    async def _write_batch(self, batch: list[_Waiting[Item, Result]]) -> None:
        self.batches += 1
        try:
            outcomes = await self._write([w.item for w in batch])
            if len(outcomes) != len(batch):
                raise RuntimeError(f"{len(outcomes)} outcomes for a batch of {len(batch)}")
        except BaseException as failure:
            for waiting in batch:
                if not waiting.future.done():
                    waiting.future.set_exception(failure)
            if not isinstance(failure, Exception):
                raise  # cancellation, KeyboardInterrupt: stop writing
            return
        for waiting, outcome in zip(batch, outcomes, strict=True):
            if waiting.future.done():  # the caller was cancelled (client went away)
                continue
            if isinstance(outcome, BaseException):
                waiting.future.set_exception(outcome)
            else:
                waiting.future.set_result(outcome)

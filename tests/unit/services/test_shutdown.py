"""A service's shutdown never hangs on one stuck step: it is abandoned after a bound."""

import asyncio

import pytest

from services import runtime


async def test_a_step_that_never_ends_is_abandoned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runtime, "SHUTDOWN_STEP_S", 0.05)
    release = asyncio.Event()

    async def stuck() -> None:
        while not release.is_set():  # ignores cancellation, as a stuck client may
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                continue

    await asyncio.wait_for(runtime._bounded("stuck", stuck()), timeout=5)
    release.set()


async def test_a_step_that_fails_still_fails() -> None:
    async def broken() -> None:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await runtime._bounded("broken", broken())

"""Waiting in tests on a slow, shared host: every time-out is a base figure times a scale.

`TEST_TIMEOUT_SCALE` sets the scale (e.g. `3` on a crowded CI runner); by default it is
the machine's load per CPU at the time of the wait, never below 1, so a test waits longer
when the host is busy instead of failing at a fixed figure.
"""

import os
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
SCALE_VARIABLE = "TEST_TIMEOUT_SCALE"
MAX_DEFAULT_SCALE = 10.0


def timeout_scale() -> float:
    """`$TEST_TIMEOUT_SCALE`, else the 1-minute load per CPU (1 to 10)."""
    if given := os.environ.get(SCALE_VARIABLE):
        scale = float(given)
        if scale <= 0:
            raise ValueError(f"{SCALE_VARIABLE} must be positive, got {given!r}")
        return scale
    load_per_cpu = os.getloadavg()[0] / (os.cpu_count() or 1)
    return min(MAX_DEFAULT_SCALE, max(1.0, load_per_cpu))


def scaled(base_s: float) -> float:
    """`base_s` seconds stretched for this host (see `timeout_scale`)."""
    return base_s * timeout_scale()


def describe(base_s: float, waited_s: float) -> str:
    return f"{waited_s:.0f}s ({base_s:g}s × {SCALE_VARIABLE} {waited_s / base_s:.2g})"


def eventually(
    probe: Callable[[], T | None],
    *,
    timeout_s: float = 60.0,
    what: str = "",
    diagnose: Callable[[], str] | None = None,
) -> T:
    """Poll `probe` until it returns something truthy, for `timeout_s` scaled to the host;
    on time-out, say what it waited for and what `diagnose` sees."""
    limit = scaled(timeout_s)
    deadline = time.monotonic() + limit
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() > deadline:
            seen = f"\n{diagnose()}" if diagnose else ""
            raise AssertionError(
                f"timed out after {describe(timeout_s, limit)} waiting for {what or probe}{seen}"
            )
        time.sleep(0.2)

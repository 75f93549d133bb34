"""An example custom matcher, installed as an entry point by the test that uses it.

In a real plugin package, `pyproject.toml` declares:

    [project.entry-points."appeals.router.matchers"]
    address_contains = "my_plugin:address_contains"
"""

from collections.abc import Mapping, Sequence
from typing import Any

from router.domain.appeal import AppealToRoute
from router.domain.matchers import Matcher
from router.domain.territories import Territory


def address_contains(config: Mapping[str, Any]) -> Matcher:
    """Matches appeals whose address mentions `config["text"]` (case-insensitive)."""
    needle = str(config["text"]).lower()

    def matches(appeal: AppealToRoute, territories: Sequence[Territory]) -> bool:
        return needle in (appeal.address or "").lower()

    return matches

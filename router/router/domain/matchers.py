"""Custom matchers: conditions developers add to rules without touching the router.

A plugin is an entry point in the group `appeals.router.matchers` whose object is a
factory: called with the rule's config for it (the mapping under `when: {name: …}`), it
returns a predicate over the appeal and the territories containing it.
"""

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from router.domain.appeal import AppealToRoute
from router.domain.territories import Territory

ENTRY_POINT_GROUP = "appeals.router.matchers"


class Matcher(Protocol):
    def __call__(self, appeal: AppealToRoute, territories: Sequence[Territory]) -> bool: ...


MatcherFactory = Callable[[Mapping[str, Any]], Matcher]

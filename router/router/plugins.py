"""Custom matchers installed as entry points (see router/README.md, "Extending routing")."""

from importlib.metadata import entry_points

from router.domain.matchers import ENTRY_POINT_GROUP, MatcherFactory


def installed_matchers() -> dict[str, MatcherFactory]:
    """Every matcher factory registered under `appeals.router.matchers`, by name."""
    return {ep.name: ep.load() for ep in entry_points(group=ENTRY_POINT_GROUP)}

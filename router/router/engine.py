"""Holds the router in force; swapped whole, so no decision sees a half-loaded city."""

from router.domain.routing import Router
from router.domain.rules import RuleSet
from router.plugins import installed_matchers
from router.store import repository
from services.db import Database
from services.retry import RetryLater


class RouterNotLoaded(RetryLater):
    pass


class RoutingEngine:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._router: Router | None = None

    async def reload(self) -> None:
        async with self._db.session() as session:
            self._router = await repository.load_router(session, installed_matchers())

    async def adopt(self, rules: RuleSet) -> bool:
        """Switch to `rules` if newer than those in force; True if switched. The router is
        replaced whole: a decision in progress keeps the one it started with."""
        current = await self.current()
        if rules.version <= current.rules.version:
            return False
        self._router = current.with_rules(rules)
        return True

    async def current(self) -> Router:
        """The router in force; loads it if the city was loaded after this process started."""
        if self._router is None:
            await self.reload()
        if self._router is None:
            raise RouterNotLoaded("no rule set loaded; run `router load-city`")
        return self._router

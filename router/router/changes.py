"""Rule sets and territory changes arriving on `routing.changes`, applied by every router
instance (a broadcast consumer): validated against the city, kept, then switched to whole."""

import structlog
from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.events import RuleSetPublished, TerritoriesChanged
from router.domain.rules import RuleSet
from router.engine import RoutingEngine
from router.store import repository
from services.consumers import Handlers

log = structlog.get_logger(__name__)


class RoutingChanges:
    def __init__(self, engine: RoutingEngine) -> None:
        self._engine = engine

    async def rules_published(self, event: RuleSetPublished, session: AsyncSession) -> None:
        rules = RuleSet.model_validate(event.payload.rules)
        current = await self._engine.current()
        current.with_rules(rules)  # refuses rules naming what the city lacks (dead-lettered)
        await repository.store_rule_set(session, rules)
        if await self._engine.adopt(rules):
            log.info("switched rule set", version=rules.version, previous=current.rules.version)

    async def territories_changed(self, event: TerritoriesChanged, session: AsyncSession) -> None:
        await self._engine.reload()
        log.info("reloaded territories", territories=event.payload.territories)

    def handlers(self) -> Handlers:
        return {
            RuleSetPublished: self.rules_published,
            TerritoriesChanged: self.territories_changed,
        }

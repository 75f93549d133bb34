"""Operators' rule-set commands: check a draft against recent appeals, publish it to every
router instance through the compacted `routing.changes` topic."""

import asyncio
from dataclasses import dataclass
from pathlib import Path

from contracts.envelope import new_event_id
from contracts.events import RuleSetPublished, RuleSetPublishedPayload
from contracts.topics import ROUTING_CHANGES
from router.declaration import SERVICE
from router.domain.replay import ReplayReport, compare
from router.domain.routing import Router, RuleSetError
from router.domain.rules import RuleSet
from router.plugins import installed_matchers
from router.rules_file import RuleFileError, locate_problems, parse_rule_set
from router.settings import RouterSettings
from router.store import repository
from services.db import Database
from services.kafka import publish_event


class PublishError(ValueError):
    pass


@dataclass(frozen=True)
class Draft:
    rules: RuleSet
    current: Router
    router: Router


async def _draft(db: Database, path: Path) -> Draft:
    """The draft at `path`, checked against the city and plugins in force: every problem
    with the file and line (RuleFileError)."""
    text = await asyncio.to_thread(path.read_text)
    rules = parse_rule_set(text, str(path))
    async with db.session() as session:
        current = await repository.load_router(session, installed_matchers())
    if current is None:
        raise PublishError("no city is loaded yet; run `router load-city` first")
    problems = rules.check_references(
        current.executor_names, current.matchers, current.channels, current.territories.by_id
    )
    if problems:
        raise RuleFileError(locate_problems(text, str(path), problems))
    try:
        return Draft(rules, current, current.with_rules(rules))
    except RuleSetError as error:
        raise PublishError("; ".join(error.problems)) from error


async def check(settings: RouterSettings, path: Path, replay: int) -> tuple[Draft, ReplayReport]:
    """Decide the last `replay` appeals under the rules in force and under the draft."""
    db = Database(settings.database_url)
    try:
        draft = await _draft(db, path)
        async with db.session() as session:
            rows = await repository.recent_appeals(session, replay)
    finally:
        await db.dispose()
    appeals = [(r.appeal_id, repository.to_route(r, with_redirects=False)) for r in rows]
    return draft, compare(draft.current, draft.router, appeals)


async def publish(settings: RouterSettings, path: Path, published_by: str | None) -> RuleSet:
    db = Database(settings.database_url)
    try:
        draft = await _draft(db, path)
    finally:
        await db.dispose()
    if draft.rules.version <= draft.current.rules.version:
        raise PublishError(
            f"version {draft.rules.version} is not newer than version"
            f" {draft.current.rules.version} in force"
        )
    event = RuleSetPublished(
        producer=SERVICE.name,
        correlation_id=new_event_id(),
        payload=RuleSetPublishedPayload(
            version=draft.rules.version,
            rules=draft.rules.model_dump(mode="json", by_alias=True),
            published_by=published_by,
        ),
    )
    await publish_event(settings.kafka, ROUTING_CHANGES, event)
    return draft.rules

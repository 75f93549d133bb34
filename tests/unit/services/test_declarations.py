"""Each service's real subscriptions and publications are the ones it declares."""

import pytest
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from contracts.declarations import (
    Publication,
    ServiceDeclaration,
    Subscription,
    UndeclaredTraffic,
    declared_services,
)
from contracts.envelope import new_event_id
from contracts.events import AppealResolved, AppealResolvedPayload
from contracts.topics import APPEAL_EVENTS, APPEAL_SUBMITTED, executor_assignments
from services.discovery import app_factory, settings_class
from services.outbox import stage
from services.runtime import ServiceRuntime


def test_every_workspace_service_is_declared() -> None:
    packages = {d.package for d in declared_services()}
    assert {"intake", "router", "executor_gateway"} <= packages


@pytest.mark.parametrize("declaration", declared_services(), ids=lambda d: d.name)
def test_the_app_subscribes_exactly_as_declared(declaration: ServiceDeclaration) -> None:
    app = app_factory(declaration)()
    runtime: ServiceRuntime = app.state.runtime
    assert sorted(runtime.subscriptions, key=repr) == sorted(declaration.consumes, key=repr)


@pytest.mark.parametrize("declaration", declared_services(), ids=lambda d: d.name)
def test_settings_follow_the_declaration(declaration: ServiceDeclaration) -> None:
    settings = settings_class(declaration)()
    assert settings.service_name == declaration.name
    assert settings.http_port == declaration.port
    assert settings.database_url.rsplit("/", 1)[1] == declaration.database
    assert settings.model_config.get("env_prefix") == f"{declaration.env_prefix}_"


DECLARATION = ServiceDeclaration(
    name="demo",
    package="demo",
    folder="demo",
    env_prefix="DEMO",
    port=1,
    database="demo",
    summary="",
    consumes=(Subscription(APPEAL_SUBMITTED, ()),),
    publishes=(
        Publication("executor.{executor_id}.assignments", (AppealResolved,)),
        Publication(APPEAL_EVENTS, (AppealResolved,)),
    ),
)


def test_a_subscription_not_declared_is_refused() -> None:
    with pytest.raises(UndeclaredTraffic, match=r"appeal\.events"):
        DECLARATION.check_subscription(Subscription(APPEAL_EVENTS, ()))
    with pytest.raises(UndeclaredTraffic):  # same topic, other events
        DECLARATION.check_subscription(Subscription(APPEAL_SUBMITTED, (AppealResolved,)))
    DECLARATION.check_subscription(Subscription(APPEAL_SUBMITTED, ()))


def resolved() -> AppealResolved:
    return AppealResolved(
        appeal_id=new_event_id(),
        producer="demo",
        correlation_id=new_event_id(),
        payload=AppealResolvedPayload(executor_id="x", answer="done"),
    )


def test_staging_an_undeclared_publication_is_refused() -> None:
    engine = create_async_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    session = AsyncSession(engine, info={"declaration": DECLARATION})
    stage(session, resolved(), APPEAL_EVENTS)
    stage(session, resolved(), executor_assignments("uk-1"))
    with pytest.raises(UndeclaredTraffic, match=r"appeal\.submitted"):
        stage(session, resolved(), APPEAL_SUBMITTED)
    with pytest.raises(UndeclaredTraffic):  # the pattern stands for one level only
        stage(session, resolved(), "executor.uk-1.assignments.dlq.x")


def test_a_declared_subscription_never_made_stops_the_app() -> None:
    declaration = declared_services()[0]
    settings = settings_class(declaration)()
    runtime = ServiceRuntime(declaration, settings)
    with pytest.raises(UndeclaredTraffic, match="never makes"):
        runtime.http_app(title="t", description="d")

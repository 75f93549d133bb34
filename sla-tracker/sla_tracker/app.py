"""Composition root of the sla-tracker."""

from fastapi import FastAPI

from contracts.events import AppealSubmitted
from contracts.topics import APPEAL_EVENTS, APPEAL_SUBMITTED
from services.adapters import REAL, Adapters
from services.runtime import ServiceRuntime
from sla_tracker import api
from sla_tracker.declaration import SERVICE
from sla_tracker.settings import SlaSettings
from sla_tracker.ticker import Ticker
from sla_tracker.tracker import Tracker, step_handlers


def create_app(settings: SlaSettings | None = None, adapters: Adapters = REAL) -> FastAPI:
    """The service with the real adapters, or the ones a test passes in."""
    settings = settings or SlaSettings()
    runtime = ServiceRuntime(SERVICE, settings, adapters)
    tracker = Tracker(runtime.db, runtime.clock)
    ticker = Ticker(tracker, runtime.clock, settings.tick_batch, settings.tick_passes)
    runtime.db.on_commit(ticker.committed)
    runtime.on_startup(tracker.reload)
    runtime.consume({AppealSubmitted: tracker.submitted}, APPEAL_SUBMITTED)
    runtime.consume(step_handlers(tracker), APPEAL_EVENTS)
    runtime.in_background("sla-ticker", ticker.run)
    app = runtime.http_app(
        title="SLA tracker",
        description="The legal clocks of appeals: deadlines on the city's production"
        " calendar, pauses, warnings, breaches and escalation.",
        routers=[api.router],
    )
    app.state.tracker = tracker
    app.state.ticker = ticker
    return app

from uuid import uuid4

import pytest
from shapely.geometry import box

from contracts.channels import DeclaredChannel
from contracts.events import (
    DEFAULT_CHANNELS,
    AppealAccepted,
    AppealAcceptedPayload,
    AppealResolved,
    AppealResolvedPayload,
    AppealRouted,
    AppealRoutedPayload,
    NeedsManualRouting,
    NeedsManualRoutingPayload,
)
from contracts.geo import GeoPoint
from contracts.status import AppealStatus, IllegalTransition, Lifecycle
from intake.domain.catalogue import Catalogue, Category
from intake.domain.errors import (
    CityNotLoaded,
    OutsideServedArea,
    UnknownCategory,
    UnknownChannel,
)
from intake.domain.lifecycle import CitizenView

CATALOGUE = Catalogue("Testville", box(10, 50, 11, 51), [Category("pothole", "Pothole", "roads")])


def test_a_known_category_inside_the_area_is_accepted() -> None:
    CATALOGUE.check_submission("pothole", GeoPoint(lat=50.5, lon=10.5), "web")


def test_an_unknown_category_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(UnknownCategory, match=r"'graffiti'.*known categories: pothole"):
        CATALOGUE.check_submission("graffiti", GeoPoint(lat=50.5, lon=10.5), "web")


def test_a_point_outside_the_served_area_is_refused() -> None:
    with pytest.raises(OutsideServedArea, match="outside the area served by Testville"):
        CATALOGUE.check_submission("pothole", GeoPoint(lat=52.0, lon=10.5), "web")


def test_nothing_is_accepted_before_the_city_is_loaded() -> None:
    with pytest.raises(CityNotLoaded):
        Catalogue("nobody", None, []).check_submission("pothole", GeoPoint(lat=0, lon=0), "web")


HOTLINE_CITY = Catalogue(
    "Testville",
    box(10, 50, 11, 51),
    [Category("pothole", "Pothole", "roads")],
    [DeclaredChannel(id="web", name="Site"), DeclaredChannel(id="phone", name="Hotline")],
)


def test_a_channel_the_city_declares_is_accepted() -> None:
    HOTLINE_CITY.check_submission("pothole", GeoPoint(lat=50.5, lon=10.5), "phone")


def test_a_channel_the_city_does_not_declare_is_refused_naming_its_channels() -> None:
    with pytest.raises(UnknownChannel, match=r"channel 'mobile'; its channels: web, phone$"):
        HOTLINE_CITY.check_submission("pothole", GeoPoint(lat=50.5, lon=10.5), "mobile")


def test_a_city_that_declares_no_channels_takes_the_default_ones() -> None:
    for channel in DEFAULT_CHANNELS:
        CATALOGUE.check_submission("pothole", GeoPoint(lat=50.5, lon=10.5), channel)
    with pytest.raises(UnknownChannel, match="its channels: web, mobile, open311, bot"):
        CATALOGUE.check_submission("pothole", GeoPoint(lat=50.5, lon=10.5), "phone")


def _envelope() -> dict[str, object]:
    return {"appeal_id": uuid4(), "producer": "test", "correlation_id": uuid4()}


def test_the_citizen_sees_executor_then_answer() -> None:
    view = CitizenView(Lifecycle(AppealStatus.NEW))
    view.apply(
        AppealRouted(
            **_envelope(),
            payload=AppealRoutedPayload(
                executor_id="roads-dept",
                executor_name="Roads",
                rule_id="r",
                rule_set_version=1,
                territory_ids=[],
                explanation="e",
            ),
        )
    )
    assert (view.status, view.executor_name) == (AppealStatus.ROUTED, "Roads")
    view.apply(
        AppealAccepted(**_envelope(), payload=AppealAcceptedPayload(executor_id="roads-dept"))
    )
    view.apply(
        AppealResolved(
            **_envelope(), payload=AppealResolvedPayload(executor_id="roads-dept", answer="Fixed")
        )
    )
    assert (view.status, view.answer) == (AppealStatus.RESOLVED, "Fixed")


def test_manual_routing_is_explained_and_cannot_be_accepted() -> None:
    view = CitizenView(Lifecycle(AppealStatus.NEW))
    view.apply(
        NeedsManualRouting(
            **_envelope(),
            payload=NeedsManualRoutingPayload(
                reason="no rule", rule_set_version=1, territory_ids=[]
            ),
        )
    )
    assert view.status is AppealStatus.MANUAL_ROUTING
    assert view.status_note
    with pytest.raises(IllegalTransition):
        view.apply(AppealAccepted(**_envelope(), payload=AppealAcceptedPayload(executor_id="x")))

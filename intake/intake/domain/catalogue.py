"""What intake accepts: the categories, the channels and the served area (pure; loaded by
the store)."""

from collections.abc import Iterable
from dataclasses import dataclass

from shapely import Point, prepare
from shapely.geometry.base import BaseGeometry

from contracts.channels import DEFAULT_DECLARED_CHANNELS, DeclaredChannel
from contracts.geo import GeoPoint
from intake.domain.errors import CityNotLoaded, OutsideServedArea, UnknownCategory, UnknownChannel


@dataclass(frozen=True)
class Category:
    id: str
    name: str
    group: str


class Catalogue:
    def __init__(
        self,
        area_name: str,
        area: BaseGeometry | None,
        categories: list[Category],
        channels: Iterable[DeclaredChannel] = DEFAULT_DECLARED_CHANNELS,
    ):
        self.area_name = area_name
        self._area = area
        if area is not None:
            prepare(area)
        self.categories = {c.id: c for c in categories}
        self.channels = {c.id: c for c in channels}
        """The channels the city declares, in its order."""

    def check_submission(self, category: str, location: GeoPoint, channel: str) -> None:
        """Raise an IntakeError if the city cannot accept an appeal of `category` at
        `location` that came through `channel`."""
        if self._area is None or not self.categories:
            raise CityNotLoaded()
        if category not in self.categories:
            raise UnknownCategory(category, sorted(self.categories))
        if channel not in self.channels:
            raise UnknownChannel(channel, list(self.channels))
        if not self._area.covers(Point(location.lon, location.lat)):
            raise OutsideServedArea(location.lat, location.lon, self.area_name)

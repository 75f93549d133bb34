"""What intake accepts: the categories and the served area (pure; loaded by the store)."""

from dataclasses import dataclass

from shapely import Point, prepare
from shapely.geometry.base import BaseGeometry

from contracts.geo import GeoPoint
from intake.domain.errors import CityNotLoaded, OutsideServedArea, UnknownCategory


@dataclass(frozen=True)
class Category:
    id: str
    name: str
    group: str


class Catalogue:
    def __init__(self, area_name: str, area: BaseGeometry | None, categories: list[Category]):
        self.area_name = area_name
        self._area = area
        if area is not None:
            prepare(area)
        self.categories = {c.id: c for c in categories}

    def check_submission(self, category: str, location: GeoPoint) -> None:
        """Raise an IntakeError if the city cannot accept an appeal of `category` at `location`."""
        if self._area is None or not self.categories:
            raise CityNotLoaded()
        if category not in self.categories:
            raise UnknownCategory(category, sorted(self.categories))
        if not self._area.covers(Point(location.lon, location.lat)):
            raise OutsideServedArea(location.lat, location.lon, self.area_name)

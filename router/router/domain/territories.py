"""Territories (municipality, districts, management companies' service areas, zones) and
the spatial index that finds those containing a point."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from shapely import Point, STRtree, prepare
from shapely.geometry.base import BaseGeometry


class TerritoryKind(StrEnum):
    MUNICIPALITY = "municipality"
    DISTRICT = "district"
    MANAGEMENT_COMPANY = "management_company"
    ZONE = "zone"


@dataclass(frozen=True)
class Territory:
    id: str
    kind: TerritoryKind
    name: str
    executor_id: str | None
    geometry: BaseGeometry = field(compare=False, repr=False)


class TerritoryIndex:
    """Point-in-polygon through an STRtree: candidates by bounding box, then exact test."""

    def __init__(self, territories: Sequence[Territory]) -> None:
        self.territories = list(territories)
        self.by_id = {t.id: t for t in self.territories}
        for territory in self.territories:
            prepare(territory.geometry)
        self._tree = STRtree([t.geometry for t in self.territories])

    def containing(self, lon: float, lat: float) -> list[Territory]:
        """Territories that contain or touch the point, in load order."""
        hits = self._tree.query(Point(lon, lat), predicate="intersects")
        hits.sort()
        territories = self.territories
        return [territories[i] for i in hits.tolist()]

    def __len__(self) -> int:
        return len(self.territories)

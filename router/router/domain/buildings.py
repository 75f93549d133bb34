"""The building registry: which management company serves a building, if any, and where
the building stands (pure)."""

import re
from collections.abc import Iterable
from dataclasses import dataclass

_ABBREVIATIONS = {
    "улица": "ул",
    "ул": "ул",
    "проспект": "пр",
    "пр-т": "пр",
    "просп": "пр",
    "пр": "пр",
    "переулок": "пер",
    "пер": "пер",
    "площадь": "пл",
    "пл": "пл",
    "бульвар": "б-р",
    "б-р": "б-р",
    "шоссе": "ш",
    "ш": "ш",
    "дом": "",
    "д": "",
    "корпус": "к",
    "корп": "к",
    "к": "к",
    "строение": "с",
    "стр": "с",
    "город": "",
    "г": "",
}


_STREET_TYPES = {"ул", "пр", "пер", "пл", "б-р", "ш"}


def normalise_address(address: str) -> str:
    """A canonical key for an address: lower case, ё→е, abbreviations unified, the street
    type first, no punctuation — «Проспект Ленина, дом 5» and «ленина пр-т д.5» match."""
    text = address.lower().replace("ё", "е")
    words = [_ABBREVIATIONS.get(w, w) for w in re.findall(r"[a-zа-я0-9-]+", text)]
    kinds = [w for w in words if w in _STREET_TYPES]
    rest = [w for w in words if w and w not in _STREET_TYPES]
    return " ".join(kinds[:1] + rest)


@dataclass(frozen=True)
class Building:
    id: str
    address: str
    territory_id: str | None
    """The management company's service territory this building belongs to; None for a
    building no company manages (owners manage it themselves)."""
    lon: float | None = None
    lat: float | None = None
    """Where the building stands, when the registry knows; else the appeal's point is
    taken as the building's place."""

    @property
    def managed(self) -> bool:
        return self.territory_id is not None


class BuildingRegistry:
    def __init__(self, buildings: Iterable[Building]) -> None:
        self._by_id: dict[str, Building] = {}
        self._by_address: dict[str, Building] = {}
        for building in buildings:
            self._by_id[building.id] = building
            self._by_address[normalise_address(building.address)] = building

    def find(self, building_id: str | None, address: str | None) -> Building | None:
        """The building an appeal names, by id first, then by normalised address."""
        if building_id and (found := self._by_id.get(building_id)):
            return found
        if address:
            return self._by_address.get(normalise_address(address))
        return None

    def __len__(self) -> int:
        return len(self._by_id)

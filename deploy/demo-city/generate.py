#!/usr/bin/env python3
"""Generate the data set of the fictional demo city «Severograd».

Run from the repository root::

    python deploy/demo-city/generate.py          # (re)write the files
    python deploy/demo-city/generate.py --check  # fail if the files on disk are stale

Writes, next to this script:

* ``territories.geojson`` - municipality, districts, management companies, zones;
* ``executors.json``      - organisations that handle appeals;
* ``categories.json``     - appeal categories with their groups;
* ``channels.json``       - the channels appeals come through (the platform's six
                            defaults and the telephone hotline);
* ``rules.yaml``          - ordered routing rules (first match wins);
* ``test_points.json``    - named points, the territories containing them and the
                            executor every category must route to (machine-readable
                            twin of the README tables, meant for tests);
* ``README.md``           - description; every table in it is computed from the data.

Not generated (hand-written, checked here): ``buildings.csv``, ``rejection_reasons.json``,
``moderation.json`` and the sla-tracker's ``calendar.json``, ``regional_days_off.csv`` and
``sla_policies.yaml`` (every rule's ``sla_policy`` must name one of its policies).

The output is deterministic (no randomness).  All geometry is validated with shapely
and every claim about the test points is both computed (by a reference implementation
of the rule engine below) and asserted against hand-written expectations, so the
README cannot drift.

Requires ``shapely>=2`` and ``pyyaml`` (both are dependencies of the router package).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

import shapely
import yaml
from shapely import ops
from shapely.geometry import LineString, Point, Polygon, box, mapping, shape
from shapely.geometry.polygon import orient

OUT_DIR: Final = Path(__file__).resolve().parent
PRECISION: Final = 6  # decimal places of a degree, ~0.1 m
EMAIL_DOMAIN: Final = "severograd.example"  # RFC 2606 reserved TLD

TerritoryKind = Literal["municipality", "district", "management_company", "zone"]
ExecutorKind = Literal[
    "management_company",
    "city_department",
    "utility",
    "district_administration",
    "regional_operator",
]
TERRITORY_KINDS: Final[tuple[TerritoryKind, ...]] = (
    "municipality",
    "district",
    "management_company",
    "zone",
)
EXECUTOR_KINDS: Final[tuple[ExecutorKind, ...]] = (
    "management_company",
    "city_department",
    "utility",
    "district_administration",
    "regional_operator",
)

# --------------------------------------------------------------------------------------
# Local metric projection (equirectangular around the centre; error < 0.1 % over 8 km)
# --------------------------------------------------------------------------------------

LAT0: Final = 62.03
LON0: Final = 129.73
_PHI0: Final = math.radians(LAT0)
M_PER_DEG_LAT: Final = 111_132.92 - 559.82 * math.cos(2 * _PHI0) + 1.175 * math.cos(4 * _PHI0)
M_PER_DEG_LON: Final = 111_412.84 * math.cos(_PHI0) - 93.5 * math.cos(3 * _PHI0)


def to_metres(geom: Any) -> Any:
    """[lon, lat] degrees -> local metres (x east, y north)."""
    return shapely.transform(geom, lambda c: (c - (LON0, LAT0)) * (M_PER_DEG_LON, M_PER_DEG_LAT))


def to_degrees(geom: Any) -> Any:
    """Local metres -> [lon, lat] degrees."""
    return shapely.transform(geom, lambda c: c / (M_PER_DEG_LON, M_PER_DEG_LAT) + (LON0, LAT0))


def area_km2(geom: Any) -> float:
    return float(to_metres(geom).area) / 1e6


def distance_m(a: Any, b: Any) -> float:
    return float(to_metres(a).distance(to_metres(b)))


# --------------------------------------------------------------------------------------
# Executors
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Executor:
    id: str
    name: str
    kind: ExecutorKind
    contact_email: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "contact_email": self.contact_email,
        }


def _executor(id_: str, name: str, kind: ExecutorKind, mailbox: str) -> Executor:
    return Executor(id_, name, kind, f"{mailbox}@{EMAIL_DOMAIN}")


EXECUTORS: Final[tuple[Executor, ...]] = (
    # housing management companies (УК)
    _executor("uk-severnaya", "ООО «УК Северная»", "management_company", "uk-severnaya"),
    _executor(
        "uk-polyarnaya-zvezda",
        "ООО «УК Полярная звезда»",
        "management_company",
        "uk-polyarnaya-zvezda",
    ),
    _executor("uk-uyutny-dom", "ООО «УК Уютный дом»", "management_company", "uk-uyutny-dom"),
    _executor(
        "uk-tsentralnaya",
        "ООО «УК Центральная»",
        "management_company",
        "uk-tsentralnaya",
    ),
    _executor("uk-lenskaya", "ООО «УК Ленская»", "management_company", "uk-lenskaya"),
    # district administrations
    _executor(
        "adm-north",
        "Администрация Северного округа",
        "district_administration",
        "adm-north",
    ),
    _executor(
        "adm-centre",
        "Администрация Центрального округа",
        "district_administration",
        "adm-centre",
    ),
    _executor(
        "adm-south",
        "Администрация Южного округа",
        "district_administration",
        "adm-south",
    ),
    # city departments
    _executor("roads-dept", "Управление дорожного хозяйства", "city_department", "roads"),
    _executor("parks-dept", "Управление парков и озеленения", "city_department", "parks"),
    # utilities
    _executor("heat-utility", "АО «Североградские теплосети»", "utility", "heat"),
    _executor("water-utility", "МУП «Водоканал Северограда»", "utility", "water"),
    # regional operator for municipal solid waste (ТКО)
    _executor(
        "waste-operator",
        "Региональный оператор по обращению с ТКО «ЭкоСевер»",
        "regional_operator",
        "tko",
    ),
)

# --------------------------------------------------------------------------------------
# Categories
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Category:
    id: str
    name: str
    group: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "group": self.group}


GROUPS: Final[tuple[str, ...]] = (
    "roads",
    "yard",
    "housing",
    "waste",
    "utilities",
    "greenery",
)

CATEGORIES: Final[tuple[Category, ...]] = (
    Category("pothole", "Яма на дороге", "roads"),
    Category("road_marking", "Стёрлась дорожная разметка", "roads"),
    Category("traffic_light", "Не работает светофор", "roads"),
    Category("snow_removal", "Не убран снег на дороге", "roads"),
    Category("yard_cleaning", "Не убран двор", "yard"),
    Category("playground", "Сломана детская площадка", "yard"),
    Category("entrance_repair", "Требуется ремонт подъезда", "housing"),
    Category("roof_leak", "Протекает крыша", "housing"),
    Category("garbage_collection", "Не вывезен мусор", "waste"),
    Category("dumpster_overflow", "Переполнена контейнерная площадка", "waste"),
    Category("heating_outage", "Нет отопления", "utilities"),
    Category("hot_water_outage", "Нет горячей воды", "utilities"),
    Category("water_leak", "Прорыв водопровода", "utilities"),
    Category("fallen_tree", "Упало дерево", "greenery"),
    Category("park_lighting", "Не горят фонари в парке", "greenery"),
)

# --------------------------------------------------------------------------------------
# Channels: where appeals come from (ids as on appeals and in rules' `channels`)
# --------------------------------------------------------------------------------------

DEFAULT_CHANNEL_IDS: Final = ("web", "mobile", "open311", "bot", "operator", "api")
"""The platform's defaults (contracts.events.DEFAULT_CHANNELS): the city keeps them all."""
CHANNEL_ID: Final = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")  # contracts' CHANNEL_ID_PATTERN

CHANNELS: Final[tuple[tuple[str, str], ...]] = (
    ("web", "Сайт"),
    ("mobile", "Мобильное приложение"),
    ("open311", "Внешнее приложение (Open311)"),
    ("bot", "Чат-бот"),
    ("operator", "Оператор"),
    ("api", "Интеграция (API)"),
    ("phone", "Телефон горячей линии"),
)


def validate_channels(channels: Sequence[tuple[str, str]]) -> None:
    ids = [id_ for id_, _ in channels]
    check(len(set(ids)) == len(ids), "duplicate channel ids")
    check(set(DEFAULT_CHANNEL_IDS) <= set(ids), "a default channel is missing")
    for id_, name in channels:
        check(bool(CHANNEL_ID.match(id_)) and bool(name.strip()), f"bad channel {id_!r}")


# --------------------------------------------------------------------------------------
# Territories.  Coordinates are [lon, lat] (RFC 7946 order).
# --------------------------------------------------------------------------------------

# Served area: 129.660-129.800 E (~7.3 km) x 62.003-62.057 N (~6.0 km), two corners cut.
MUNICIPALITY_RING: Final[tuple[tuple[float, float], ...]] = (
    (129.667, 62.003),
    (129.800, 62.003),
    (129.800, 62.050),
    (129.792, 62.057),
    (129.660, 62.057),
    (129.660, 62.010),
)
# District borders are parallels; each district is the municipality clipped to a band.
SOUTH_CENTRE_BORDER_LAT: Final = 62.021
CENTRE_NORTH_BORDER_LAT: Final = 62.039

# East of this meridian lies the industrial zone «Восточная»: no management company.
INDUSTRIAL_WEST_LON: Final = 129.765
INDUSTRIAL_TEST_POINT_ID: Final = "industrial-east"  # the well-known uncovered point

ROAD_CENTRELINE: Final[tuple[tuple[float, float], ...]] = (
    (129.650, 62.030),  # starts outside the municipality, clipped below
    (129.735, 62.030),
    (129.760, 62.025),
    (129.810, 62.025),  # ends outside the municipality, clipped below
)
ROAD_WIDTH_M: Final = 30.0

MANAGEMENT_COMPANY_RINGS: Final[dict[str, tuple[str, tuple[tuple[float, float], ...]]]] = {
    "uk-severnaya": (
        "Северный микрорайон (УК «Северная»)",
        ((129.665, 62.041), (129.712, 62.041), (129.712, 62.053), (129.665, 62.053)),
    ),
    "uk-polyarnaya-zvezda": (
        "Кварталы Полярной звезды (УК «Полярная звезда»)",
        (
            (129.716, 62.033),
            (129.758, 62.033),
            (129.758, 62.046),
            (129.745, 62.052),
            (129.716, 62.052),
        ),
    ),
    "uk-uyutny-dom": (
        "Кварталы у парка (УК «Уютный дом»)",
        ((129.665, 62.032), (129.695, 62.032), (129.695, 62.038), (129.665, 62.038)),
    ),
    "uk-tsentralnaya": (
        "Центральные кварталы (УК «Центральная»)",
        (
            (129.665, 62.0225),
            (129.728, 62.0225),
            (129.728, 62.0285),
            (129.665, 62.0285),
        ),
    ),
    "uk-lenskaya": (
        "Ленский микрорайон (УК «Ленская»)",
        (
            (129.670, 62.006),
            (129.745, 62.006),
            (129.745, 62.013),
            (129.712, 62.013),
            (129.712, 62.019),
            (129.670, 62.019),
        ),
    ),
}

PARK_RING: Final[tuple[tuple[float, float], ...]] = (
    (129.699, 62.032),
    (129.713, 62.032),
    (129.713, 62.0375),
    (129.706, 62.0385),
    (129.699, 62.0375),
)


@dataclass(frozen=True)
class Territory:
    id: str
    kind: TerritoryKind
    name: str
    executor_id: str | None
    geometry: Any  # shapely Polygon, [lon, lat] degrees

    def to_feature(self) -> dict[str, Any]:
        return {
            "type": "Feature",
            "properties": {
                "id": self.id,
                "kind": self.kind,
                "name": self.name,
                "executor_id": self.executor_id,
            },
            "geometry": mapping(self.geometry),
        }


def _normalise(geom: Any) -> Polygon:
    """Round to PRECISION, drop repeated vertices, make the outer ring CCW."""
    check(isinstance(geom, Polygon), f"expected a Polygon, got {geom.geom_type}")
    check(not geom.interiors, "holes are not used in the demo city")
    coords: list[tuple[float, float]] = []
    for x, y in geom.exterior.coords[:-1]:
        pt = (round(float(x), PRECISION), round(float(y), PRECISION))
        if not coords or coords[-1] != pt:
            coords.append(pt)
    while len(coords) > 1 and coords[0] == coords[-1]:
        coords.pop()
    poly = orient(Polygon(coords), sign=1.0)
    check(poly.is_valid, f"invalid polygon after rounding: {poly.wkt}")
    return poly


def build_territories() -> list[Territory]:
    municipality = _normalise(Polygon(MUNICIPALITY_RING))
    west, south, east, north = municipality.bounds

    def band(lat_from: float, lat_to: float) -> Polygon:
        return _normalise(municipality.intersection(box(west - 1, lat_from, east + 1, lat_to)))

    road_metric = to_metres(LineString(ROAD_CENTRELINE)).buffer(
        ROAD_WIDTH_M / 2, cap_style="flat", join_style="mitre"
    )
    road = _normalise(to_degrees(road_metric).intersection(municipality))

    territories = [
        Territory(
            "severograd",
            "municipality",
            "Городской округ Североград",
            None,
            municipality,
        ),
        Territory(
            "district-north",
            "district",
            "Северный округ",
            "adm-north",
            band(CENTRE_NORTH_BORDER_LAT, north + 1),
        ),
        Territory(
            "district-centre",
            "district",
            "Центральный округ",
            "adm-centre",
            band(SOUTH_CENTRE_BORDER_LAT, CENTRE_NORTH_BORDER_LAT),
        ),
        Territory(
            "district-south",
            "district",
            "Южный округ",
            "adm-south",
            band(south - 1, SOUTH_CENTRE_BORDER_LAT),
        ),
    ]
    for mc_id, (name, ring) in MANAGEMENT_COMPANY_RINGS.items():
        territories.append(
            Territory(
                f"mc-{mc_id}",
                "management_company",
                name,
                mc_id,
                _normalise(Polygon(ring)),
            )
        )
    territories += [
        Territory(
            "park-pobedy",
            "zone",
            "Парк Победы",
            "parks-dept",
            _normalise(Polygon(PARK_RING)),
        ),
        Territory(
            "road-prospekt-lenina",
            "zone",
            "Проспект Ленина (проезжая часть)",
            "roads-dept",
            road,
        ),
    ]
    return territories


# --------------------------------------------------------------------------------------
# Routing rules (ordered; the first rule that matches wins)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    id: str
    description: str
    categories: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    locate: str | None = None  # point | building | building_else_point (the default)
    territory_kind: TerritoryKind | None = None
    territory_id: str | None = None
    territory_ids: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    executor: str | None = None
    executor_from_territory: bool | TerritoryKind = False
    manual: str | None = None
    priority: str | None = None
    time_window: tuple[str, str] | None = None  # local ("22:00", "08:00"), every day
    address_mentions: tuple[str, ...] = ()  # the router's built-in custom matcher
    sla_policy: str | None = None  # a policy of sla_policies.yaml (None: its default)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id}
        if self.categories:
            out["categories"] = list(self.categories)
        if self.groups:
            out["groups"] = list(self.groups)
        if self.locate is not None:
            out["locate"] = self.locate
        if self.territory_kind is not None:
            out["territory_kind"] = self.territory_kind
        if self.territory_id is not None:
            out["territory_id"] = self.territory_id
        if self.territory_ids:
            out["territory_ids"] = list(self.territory_ids)
        if self.channels:
            out["channels"] = list(self.channels)
        if self.time_window is not None:
            out["time_window"] = {"from": self.time_window[0], "to": self.time_window[1]}
        if self.address_mentions:
            out["when"] = {"address_mentions": {"words": list(self.address_mentions)}}
        if self.manual is not None:
            out["manual"] = self.manual
        elif self.executor_from_territory:
            out["executor_from_territory"] = self.executor_from_territory
        else:
            out["executor"] = self.executor
        if self.priority is not None:
            out["priority"] = self.priority
        if self.sla_policy is not None:
            out["sla_policy"] = self.sla_policy
        return out


RULES: Final[tuple[Rule, ...]] = (
    Rule(
        "heating-night-emergency",
        "Отопление ночью (22:00–08:00 по местному времени) — теплосетям, срочно",
        categories=("heating_outage",),
        time_window=("22:00", "08:00"),
        executor="heat-utility",
        priority="emergency",
        sla_policy="emergency",
    ),
    Rule(
        "heating-hotline",
        "Отключение отопления, принятое по телефону горячей линии, — теплосетям, срочно",
        categories=("heating_outage",),
        channels=("phone",),
        executor="heat-utility",
        priority="emergency",
        sla_policy="emergency",
    ),
    Rule(
        "heating-utility",
        "Отопление и горячая вода — теплосети, на всей территории города",
        categories=("heating_outage", "hot_water_outage"),
        territory_kind="municipality",
        executor="heat-utility",
        sla_policy="emergency",
    ),
    Rule(
        "water-utility",
        "Прорывы водопровода — водоканал, на всей территории города",
        categories=("water_leak",),
        territory_kind="municipality",
        executor="water-utility",
        sla_policy="emergency",
    ),
    Rule(
        "waste-regional-operator",
        "Вывоз ТКО — региональный оператор, на всей территории города",
        groups=("waste",),
        territory_kind="municipality",
        executor="waste-operator",
    ),
    Rule(
        "roads-lenina-by-operator",
        "Звонки оператору о дорогах с адресом на проспекте Ленина — дорожному управлению",
        groups=("roads",),
        channels=("operator",),
        address_mentions=("проспект Ленина", "пр-т Ленина", "пр. Ленина"),
        executor="roads-dept",
        sla_policy="operational",
    ),
    Rule(
        "roads-main-corridor",
        "Дороги на проспекте Ленина — исполнитель зоны (дорожное управление), по точке",
        groups=("roads",),
        locate="point",
        territory_kind="zone",
        territory_ids=("road-prospekt-lenina",),
        executor_from_territory=True,
        sla_policy="operational",
    ),
    Rule(
        "roads-by-district",
        "Остальные дороги — администрация округа, в котором точка",
        groups=("roads",),
        locate="point",
        executor_from_territory="district",
        sla_policy="operational",
    ),
    Rule(
        "greenery-in-park",
        "Озеленение в Парке Победы — управление парков, по точке",
        groups=("greenery",),
        locate="point",
        territory_id="park-pobedy",
        executor="parks-dept",
        sla_policy="operational",
    ),
    Rule(
        "greenery-by-district",
        "Озеленение вне парка — администрация округа, в котором точка",
        groups=("greenery",),
        locate="point",
        executor_from_territory="district",
        sla_policy="operational",
    ),
    Rule(
        "yard-housing-by-management-company",
        "Двор и дом — управляющая компания: по реестру домов, а без дома из реестра — по точке",
        groups=("yard", "housing"),
        locate="building_else_point",
        territory_kind="management_company",
        executor_from_territory=True,
        # 59-ФЗ binds public bodies, not management companies: their yard and house
        # work runs on the operational regime.
        sla_policy="operational",
    ),
    Rule(
        "housing-owner-managed",
        "Дом без управляющей компании (непосредственное управление) — администрация округа",
        groups=("yard", "housing"),
        locate="building",
        executor_from_territory="district",
    ),
    Rule(
        "yard-housing-outside-companies",
        "Двор и дом вне территорий УК — в ручную очередь",
        groups=("yard", "housing"),
        manual="вне территорий управляющих компаний: оператор выбирает исполнителя",
    ),
)

RULES_HEADER: Final = """\
# Routing rules of the demo city «Severograd».
# GENERATED by deploy/demo-city/generate.py — do not edit by hand.
# The language is documented in router/README.md; this file uses every feature of it.
#
# Semantics (reference implementation: `route()` in generate.py):
#   * Rules are evaluated in order; the FIRST matching rule wins.
#   * A rule matches an appeal when
#       - the appeal's category is listed in `categories`, or its group is listed
#         in `groups` (a rule has exactly one of the two lists),
#       - its channel is listed in `channels` (no list: every channel),
#       - its local time falls in `time_window` (if any; `from` > `to` wraps
#         midnight), every custom matcher in `when` agrees (`address_mentions`:
#         the address mentions one of the words), and
#       - some territory containing the appeal passes the territory filter:
#         `territory_kind` (if present) equals the territory's kind and its id is
#         `territory_id` or one of `territory_ids` (if present).  A rule with
#         neither filter matches anywhere.
#   * `locate` says what places the appeal: `point` (where the problem is),
#     `building` (the registered building it names: its management company from
#     buildings.csv — none for an owner-managed house — other territories where it
#     stands; the rule skips appeals naming no registered building), or
#     `building_else_point` (the default).
#   * The executor is the fixed `executor`; or, with `executor_from_territory:
#     true`, the `executor_id` of the territory that passed the filter; or, with
#     `executor_from_territory: <kind>`, that of the territory of that kind
#     containing the appeal; or `manual: <reason>` sends it to the operators'
#     queue with that reason.  Every rule has exactly one of these.
#   * `sla_policy` names the deadline policy of the appeals it routes (a policy of
#     sla_policies.yaml); a rule without one leaves them to its `default`.
"""

# --------------------------------------------------------------------------------------
# Test points
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TestPoint:
    id: str
    name: str
    lat: float
    lon: float
    # Hand-written expectations, asserted against the computed data:
    expected_territories: frozenset[str]
    expected_routes: dict[str, str | None] = field(default_factory=dict)

    @property
    def point(self) -> Point:
        return Point(self.lon, self.lat)


TEST_POINTS: Final[tuple[TestPoint, ...]] = (
    TestPoint(
        id="yard-tsentralnaya",
        name="Двор в Центральных кварталах",
        lat=62.0255,
        lon=129.6900,
        expected_territories=frozenset({"severograd", "district-centre", "mc-uk-tsentralnaya"}),
        expected_routes={
            "yard_cleaning": "uk-tsentralnaya",
            "roof_leak": "uk-tsentralnaya",
            "pothole": "adm-centre",
            "garbage_collection": "waste-operator",
            "heating_outage": "heat-utility",
            "water_leak": "water-utility",
            "fallen_tree": "adm-centre",
        },
    ),
    TestPoint(
        id="yard-severnaya",
        name="Двор в Северном микрорайоне",
        lat=62.0470,
        lon=129.6880,
        expected_territories=frozenset({"severograd", "district-north", "mc-uk-severnaya"}),
        expected_routes={"playground": "uk-severnaya", "pothole": "adm-north"},
    ),
    TestPoint(
        id="yard-lenskaya",
        name="Двор в Ленском микрорайоне",
        lat=62.0095,
        lon=129.7250,
        expected_territories=frozenset({"severograd", "district-south", "mc-uk-lenskaya"}),
        expected_routes={"entrance_repair": "uk-lenskaya", "snow_removal": "adm-south"},
    ),
    TestPoint(
        id="park-pobedy",
        name="Аллея в Парке Победы",
        lat=62.0350,
        lon=129.7060,
        expected_territories=frozenset({"severograd", "district-centre", "park-pobedy"}),
        expected_routes={
            "fallen_tree": "parks-dept",
            "park_lighting": "parks-dept",
            "pothole": "adm-centre",
            "yard_cleaning": None,
        },
    ),
    TestPoint(
        id="prospekt-lenina",
        name="Проспект Ленина, центр",
        lat=62.0300,
        lon=129.7200,
        expected_territories=frozenset({"severograd", "district-centre", "road-prospekt-lenina"}),
        expected_routes={
            "pothole": "roads-dept",
            "traffic_light": "roads-dept",
            "fallen_tree": "adm-centre",
            "garbage_collection": "waste-operator",
        },
    ),
    TestPoint(
        id="prospekt-lenina-east",
        name="Проспект Ленина в промзоне",
        lat=62.0250,
        lon=129.7800,
        expected_territories=frozenset({"severograd", "district-centre", "road-prospekt-lenina"}),
        expected_routes={"pothole": "roads-dept", "yard_cleaning": None},
    ),
    TestPoint(
        id="industrial-east",
        name="Промзона «Восточная» (нет УК)",
        lat=62.0120,
        lon=129.7800,
        expected_territories=frozenset({"severograd", "district-south"}),
        expected_routes={
            "yard_cleaning": None,
            "playground": None,
            "entrance_repair": None,
            "roof_leak": None,
            "pothole": "adm-south",
            "dumpster_overflow": "waste-operator",
            "heating_outage": "heat-utility",
        },
    ),
    TestPoint(
        id="outside",
        name="За чертой города (вне зоны обслуживания)",
        lat=62.0300,
        lon=129.8500,
        expected_territories=frozenset(),
    ),
)

# A test point must be at least this far from every territory edge (a point on the road
# centreline is ROAD_WIDTH_M / 2 from the road's edges), so that it is unambiguous.
MIN_EDGE_DISTANCE_M: Final = 14.0


# --------------------------------------------------------------------------------------
# Reference routing
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    rule_id: str | None
    executor_id: str | None


def containing(territories: Iterable[Territory], pt: Point) -> list[Territory]:
    return [t for t in territories if t.geometry.contains(pt)]


def route(
    rules: Sequence[Rule],
    categories: dict[str, Category],
    territories: Sequence[Territory],
    category_id: str,
    pt: Point,
    channel: str = "web",
) -> Route:
    """The reference decision for an appeal at `pt` that names no building."""
    category = categories[category_id]
    hits = containing(territories, pt)
    for rule in rules:
        if category.id not in rule.categories and category.group not in rule.groups:
            continue
        if rule.channels and channel not in rule.channels:
            continue
        if rule.locate == "building":
            continue  # no registered building named
        if rule.time_window is not None:
            continue  # the reference decides at noon; every window here is at night
        if rule.address_mentions:
            continue  # no address given
        ids = {rule.territory_id} if rule.territory_id else set(rule.territory_ids)
        filtered = rule.territory_kind is not None or bool(ids)
        matched = [
            t
            for t in hits
            if (rule.territory_kind is None or t.kind == rule.territory_kind)
            and (not ids or t.id in ids)
        ]
        for t in matched if filtered else [None]:
            if rule.manual is not None:
                return Route(rule.id, None)
            executor = rule.executor
            if rule.executor_from_territory is True:
                executor = t.executor_id if t else None
            elif rule.executor_from_territory:
                owner = next((h for h in hits if h.kind == rule.executor_from_territory), None)
                executor = owner.executor_id if owner else None
            if executor is not None:
                return Route(rule.id, executor)
    return Route(None, None)


# --------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------


class ValidationError(Exception):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise ValidationError(message)


def _is_slug(value: str) -> bool:
    return (
        bool(value)
        and all(c.islower() or c.isdigit() or c in "-_" for c in value)
        and (value.isascii())
    )


def validate(
    executors: Sequence[Executor],
    categories: Sequence[Category],
    territories: Sequence[Territory],
    rules: Sequence[Rule],
) -> None:
    executor_ids = {e.id for e in executors}
    check(len(executor_ids) == len(executors), "duplicate executor ids")
    for e in executors:
        check(_is_slug(e.id), f"executor id is not a slug: {e.id}")
        check(e.kind in EXECUTOR_KINDS, f"bad executor kind {e.kind}")
        check("@" in e.contact_email, f"bad e-mail {e.contact_email}")

    category_ids = {c.id for c in categories}
    check(len(category_ids) == len(categories), "duplicate category ids")
    check(len(categories) >= 12, "need at least 12 categories")
    for c in categories:
        check(_is_slug(c.id) and c.group in GROUPS, f"bad category {c}")

    ids = [t.id for t in territories]
    check(len(set(ids)) == len(ids), "duplicate territory ids")
    by_kind: dict[str, list[Territory]] = {k: [] for k in TERRITORY_KINDS}
    for t in territories:
        check(_is_slug(t.id), f"territory id is not a slug: {t.id}")
        check(t.kind in TERRITORY_KINDS, f"bad territory kind {t.kind}")
        by_kind[t.kind].append(t)
        g = t.geometry
        check(
            g.geom_type == "Polygon" and g.is_valid and not g.is_empty,
            f"{t.id}: invalid",
        )
        check(g.exterior.is_simple and g.exterior.is_ccw, f"{t.id}: ring not simple/CCW")
        check(not g.interiors, f"{t.id}: unexpected holes")
        if t.executor_id is not None:
            check(
                t.executor_id in executor_ids,
                f"{t.id}: unknown executor {t.executor_id}",
            )
        if t.kind in ("management_company", "zone", "district"):
            check(t.executor_id is not None, f"{t.id}: executor_id is required")

    check(len(by_kind["municipality"]) == 1, "exactly one municipality expected")
    check(len(by_kind["district"]) == 3, "three districts expected")
    check(
        len(by_kind["management_company"]) >= 4,
        "at least 4 management companies expected",
    )
    check(len(by_kind["zone"]) == 2, "two zones expected")
    city = by_kind["municipality"][0].geometry
    w_km = distance_m(Point(city.bounds[0], LAT0), Point(city.bounds[2], LAT0)) / 1000
    h_km = distance_m(Point(LON0, city.bounds[1]), Point(LON0, city.bounds[3])) / 1000
    check(
        6.5 < w_km < 8.5 and 5.5 < h_km < 6.5,
        f"municipality is {w_km:.1f}×{h_km:.1f} km",
    )

    # Districts tile the municipality: no overlaps, no gaps.
    districts = [t.geometry for t in by_kind["district"]]
    union = ops.unary_union(districts)
    check(union.symmetric_difference(city).area < 1e-12, "districts do not tile the city")
    for i, a in enumerate(districts):
        for b in districts[i + 1 :]:
            check(a.intersection(b).area < 1e-12, "districts overlap")

    # Every territory lies inside the municipality.
    for t in territories:
        check(t.geometry.difference(city).area < 1e-12, f"{t.id} sticks out of the city")

    # Management companies overlap neither each other nor the zones, and leave the
    # industrial zone uncovered.
    mcs = by_kind["management_company"]
    for i, a in enumerate(mcs):
        for b in mcs[i + 1 :]:
            check(not a.geometry.intersects(b.geometry), f"{a.id} overlaps {b.id}")
        for z in by_kind["zone"]:
            check(not a.geometry.intersects(z.geometry), f"{a.id} overlaps zone {z.id}")
    industrial = industrial_area(city)
    check(area_km2(industrial) > 3.0, "industrial zone too small to be obvious")
    for mc in mcs:
        check(
            not mc.geometry.intersects(industrial),
            f"{mc.id} covers the industrial zone",
        )
    covered = ops.unary_union([t.geometry for t in mcs])
    check(
        covered.area < 0.6 * city.area,
        "management companies cover too much of the city",
    )

    # Road corridor is ~30 m wide.
    road = next(t for t in territories if t.id == "road-prospekt-lenina")
    road_m = to_metres(road.geometry)
    centre_m = to_metres(LineString(ROAD_CENTRELINE)).intersection(to_metres(city))
    width = road_m.area / centre_m.length
    check(abs(width - ROAD_WIDTH_M) < 0.5, f"road corridor is {width:.2f} m wide")

    # Rules.
    rule_ids = [r.id for r in rules]
    check(len(set(rule_ids)) == len(rule_ids), "duplicate rule ids")
    territory_ids = set(ids)
    for r in rules:
        check(
            bool(r.categories) != bool(r.groups),
            f"{r.id}: exactly one of categories/groups",
        )
        check(all(c in category_ids for c in r.categories), f"{r.id}: unknown category")
        check(all(g in GROUPS for g in r.groups), f"{r.id}: unknown group")
        targets = [r.executor is not None, r.executor_from_territory is not False, r.manual]
        check(
            sum(map(bool, targets)) == 1,
            f"{r.id}: exactly one of executor / executor_from_territory / manual",
        )
        if r.executor_from_territory is True:
            check(
                r.territory_kind is not None or r.territory_id is not None or bool(r.territory_ids),
                f"{r.id}: executor_from_territory needs a territory filter",
            )
        if r.executor is not None:
            check(r.executor in executor_ids, f"{r.id}: unknown executor {r.executor}")
        check(r.locate in (None, "point", "building", "building_else_point"), f"{r.id}: locate")
        if r.time_window is not None:
            start, end = r.time_window
            at_noon = start <= "12:00" < end if start < end else not end <= "12:00" < start
            check(not at_noon, f"{r.id}: the reference decides at noon; windows must miss it")
        declared = {id_ for id_, _ in CHANNELS}
        check(set(r.channels) <= declared, f"{r.id}: a channel the city does not declare")
        named = ([r.territory_id] if r.territory_id else []) + list(r.territory_ids)
        for territory_id in named:
            check(territory_id in territory_ids, f"{r.id}: unknown territory {territory_id}")
            kind = next(t.kind for t in territories if t.id == territory_id)
            check(r.territory_kind in (None, kind), f"{r.id}: territory_kind/id mismatch")


TIME_ZONE: Final = "Asia/Yakutsk"  # the rules' time windows and the sla-tracker's days


def read_sla_files() -> tuple[dict[str, Any], dict[str, Any]]:
    """The hand-written sla-tracker files: calendar.json and sla_policies.yaml."""
    calendar = json.loads((OUT_DIR / "calendar.json").read_text(encoding="utf-8"))
    policies = yaml.safe_load((OUT_DIR / "sla_policies.yaml").read_text(encoding="utf-8"))
    return calendar, policies


def validate_sla(rules: Sequence[Rule], calendar: dict[str, Any], policies: dict[str, Any]) -> None:
    """The rules name only policies the city has; one time zone for rules and deadlines.
    (The sla-tracker checks the files themselves: `sla_tracker.city.read_sla_city`.)"""
    check(calendar.get("time_zone") == TIME_ZONE, f"calendar.json: time_zone is not {TIME_ZONE}")
    days_off = calendar.get("regional_days_off")
    check(
        days_off is None or (OUT_DIR / days_off).is_file(),
        f"calendar.json: no file {days_off}",
    )
    ids = {p["id"] for p in policies["policies"]}
    for r in rules:
        check(r.sla_policy in (None, *ids), f"{r.id}: unknown sla_policy {r.sla_policy}")


def industrial_area(city: Polygon) -> Any:
    _, south, east, north = city.bounds
    return city.intersection(box(INDUSTRIAL_WEST_LON, south, east, north))


def validate_test_points(
    territories: Sequence[Territory],
    rules: Sequence[Rule],
    categories: dict[str, Category],
) -> None:
    road = next(t for t in territories if t.id == "road-prospekt-lenina")
    centreline = LineString(ROAD_CENTRELINE)
    for tp in TEST_POINTS:
        pt = tp.point
        hits = {t.id for t in containing(territories, pt)}
        check(
            hits == tp.expected_territories,
            f"{tp.id}: in {sorted(hits)}, expected {sorted(tp.expected_territories)}",
        )
        for t in territories:
            d = distance_m(pt, t.geometry.exterior)
            on_road_centre = t is road and distance_m(pt, centreline) < 0.5
            limit = ROAD_WIDTH_M / 2 - 1 if on_road_centre else MIN_EDGE_DISTANCE_M
            check(d >= limit, f"{tp.id}: only {d:.1f} m from the edge of {t.id}")
        for cat, expected in tp.expected_routes.items():
            got = route(rules, categories, territories, cat, pt).executor_id
            check(got == expected, f"{tp.id}/{cat}: routes to {got}, expected {expected}")
    city = next(t for t in territories if t.kind == "municipality").geometry
    industrial = industrial_area(city)
    ind = next(tp for tp in TEST_POINTS if tp.id == INDUSTRIAL_TEST_POINT_ID)
    check(industrial.contains(ind.point), f"{ind.id} is not in the industrial zone")
    ind_kinds = sorted(t.kind for t in containing(territories, ind.point))
    check(ind_kinds == ["district", "municipality"], f"{ind.id} lies in {ind_kinds}")
    for c in categories.values():
        if c.group in ("yard", "housing"):
            unrouted = route(rules, categories, territories, c.id, ind.point)
            check(
                unrouted == Route("yard-housing-outside-companies", None),
                f"{ind.id}/{c.id} must go to the manual queue by the explicit rule",
            )
    check(
        any(not city.contains(tp.point) for tp in TEST_POINTS),
        "no test point outside the municipality",
    )


def validate_written_geojson(text: str, territories: Sequence[Territory]) -> None:
    """Re-read the serialised GeoJSON and check it against RFC 7946 expectations."""
    fc = json.loads(text)
    check(fc["type"] == "FeatureCollection", "not a FeatureCollection")
    check(len(fc["features"]) == len(territories), "feature count mismatch")
    for feature, t in zip(fc["features"], territories, strict=True):
        geom = feature["geometry"]
        check(geom["type"] == "Polygon", f"{t.id}: not a Polygon")
        ring = geom["coordinates"][0]
        check(ring[0] == ring[-1] and len(ring) >= 4, f"{t.id}: ring not closed")
        for lon, lat in ring:
            check(129.5 < lon < 130.0 and 61.9 < lat < 62.1, f"{t.id}: not [lon, lat]")
        parsed = shape(geom)
        check(parsed.is_valid and parsed.exterior.is_ccw, f"{t.id}: invalid after parsing")
        check(parsed.equals(t.geometry), f"{t.id}: geometry changed by serialisation")
        check(
            set(feature["properties"]) == {"id", "kind", "name", "executor_id"},
            "properties",
        )


# --------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------


def dump_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def dump_json_compact_leaves(data: Any) -> str:
    """Like dump_json, but objects/lists without nested containers stay on one line."""

    def render(value: Any, indent: int) -> str:
        pad = "  " * (indent + 1)
        if isinstance(value, dict) and any(isinstance(v, dict | list) for v in value.values()):
            items = [f"{pad}{json.dumps(k)}: {render(v, indent + 1)}" for k, v in value.items()]
            return "{\n" + ",\n".join(items) + "\n" + "  " * indent + "}"
        if isinstance(value, list) and any(isinstance(v, dict | list) for v in value):
            items = [f"{pad}{render(v, indent + 1)}" for v in value]
            return "[\n" + ",\n".join(items) + "\n" + "  " * indent + "]"
        return json.dumps(value, ensure_ascii=False)

    return render(data, 0) + "\n"


def render_geojson(territories: Sequence[Territory]) -> str:
    """GeoJSON text with one `[lon, lat]` pair per line (diff-friendly)."""
    lines = ["{", '  "type": "FeatureCollection",', '  "features": [']
    for i, t in enumerate(territories):
        feature = t.to_feature()
        props = json.dumps(feature["properties"], ensure_ascii=False)
        ring = feature["geometry"]["coordinates"][0]
        coords = ",\n".join(
            f"          [{lon:.{PRECISION}f}, {lat:.{PRECISION}f}]" for lon, lat in ring
        )
        sep = "," if i < len(territories) - 1 else ""
        lines += [
            "    {",
            '      "type": "Feature",',
            f'      "properties": {props},',
            '      "geometry": {',
            '        "type": "Polygon",',
            '        "coordinates": [[',
            coords,
            "        ]]",
            "      }",
            f"    }}{sep}",
        ]
    lines += ["  ]", "}"]
    return "\n".join(lines) + "\n"


def render_rules(rules: Sequence[Rule]) -> str:
    """YAML by hand (to keep a comment per rule); round-tripped through PyYAML later."""
    lines = [RULES_HEADER, "version: 1", f"timezone: {TIME_ZONE}", "rules:"]
    for r in rules:
        lines.append(f"  # {r.description}")
        for i, (key, value) in enumerate(r.to_json().items()):
            if isinstance(value, list):
                text = "[" + ", ".join(value) + "]"
            elif isinstance(value, bool):
                text = "true" if value else "false"
            elif isinstance(value, dict):
                text = flow(value)
            elif key in ("manual", "description"):
                text = json.dumps(value, ensure_ascii=False)  # free text, quoted
            else:
                text = str(value)
            lines.append(f"  {'- ' if i == 0 else '  '}{key}: {text}")
    return "\n".join(lines) + "\n"


def flow(value: Any) -> str:
    """A YAML flow mapping or list; strings JSON-quoted (valid YAML, never a number)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def point_routes(
    tp: TestPoint,
    territories: Sequence[Territory],
    rules: Sequence[Rule],
    categories: dict[str, Category],
) -> dict[str, Route]:
    return {c: route(rules, categories, territories, c, tp.point) for c in categories}


def render_test_points(
    territories: Sequence[Territory],
    rules: Sequence[Rule],
    categories: dict[str, Category],
) -> str:
    city = next(t for t in territories if t.kind == "municipality").geometry
    out = []
    for tp in TEST_POINTS:
        inside = bool(city.contains(tp.point))
        routes = point_routes(tp, territories, rules, categories) if inside else {}
        out.append(
            {
                "id": tp.id,
                "name": tp.name,
                "lat": tp.lat,
                "lon": tp.lon,
                "inside_municipality": inside,
                "intake": "accepted" if inside else "rejected_outside_service_area",
                "territories": [t.id for t in containing(territories, tp.point)],
                "routes": {
                    c: {"rule": r.rule_id, "executor": r.executor_id} for c, r in routes.items()
                },
            }
        )
    return dump_json_compact_leaves(out)


def md_table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def code(s: str | None) -> str:
    return "—" if s is None else f"`{s}`"


def render_readme(
    executors: Sequence[Executor],
    categories: dict[str, Category],
    territories: Sequence[Territory],
    rules: Sequence[Rule],
    policies: dict[str, Any],
) -> str:
    city = next(t for t in territories if t.kind == "municipality").geometry
    w, s, e, n = city.bounds
    w_km = distance_m(Point(w, LAT0), Point(e, LAT0)) / 1000
    h_km = distance_m(Point(LON0, s), Point(LON0, n)) / 1000
    districts = [t for t in territories if t.kind == "district"]
    industrial = industrial_area(city)

    def districts_of(t: Territory) -> str:
        if t.kind in ("municipality", "district"):
            return "—"
        return ", ".join(
            code(d.id) for d in districts if d.geometry.intersection(t.geometry).area > 1e-12
        )

    territory_table = md_table(
        ["id", "kind", "name", "executor_id", "area, km²", "lies in district(s)"],
        (
            [
                code(t.id),
                t.kind,
                t.name,
                code(t.executor_id),
                f"{area_km2(t.geometry):.3f}",
                districts_of(t),
            ]
            for t in territories
        ),
    )

    def used_by(ex: Executor) -> str:
        refs = [code(t.id) for t in territories if t.executor_id == ex.id]
        refs += [f"rule {code(r.id)}" for r in rules if r.executor == ex.id]
        return ", ".join(refs) if refs else "—"

    executor_table = md_table(
        ["id", "kind", "name", "contact_email", "referenced by"],
        ([code(x.id), x.kind, x.name, x.contact_email, used_by(x)] for x in executors),
    )
    category_table = md_table(
        ["id", "name", "group"],
        ([code(c.id), c.name, code(c.group)] for c in categories.values()),
    )

    def rule_filter(r: Rule) -> str:
        what = ", ".join(r.categories) if r.categories else "groups: " + ", ".join(r.groups)
        return what

    def rule_where(r: Rule) -> str:
        parts = []
        if r.channels:
            parts.append("channel " + " or ".join(r.channels))
        if r.time_window:
            parts.append(f"{r.time_window[0]}–{r.time_window[1]} local time")
        if r.address_mentions:
            parts.append("address mentions " + " or ".join(f"«{w}»" for w in r.address_mentions))
        if r.territory_kind:
            parts.append(f"kind = {r.territory_kind}")
        if r.territory_id:
            parts.append(f"id = {r.territory_id}")
        if r.territory_ids:
            parts.append("id in " + ", ".join(r.territory_ids))
        place = {"point": "by point", "building": "by building"}.get(r.locate or "", "")
        return ", ".join(parts + ([place] if place else [])) or "anywhere"

    def rule_target(r: Rule) -> str:
        if r.manual is not None:
            return f"manual queue: {r.manual}"
        if r.executor_from_territory is True:
            return "executor of that territory"
        if r.executor_from_territory:
            return f"executor of the containing {r.executor_from_territory}"
        return code(r.executor)

    rules_table = md_table(
        ["#", "rule", "appeals", "territory", "executor", "deadlines"],
        (
            [
                str(i),
                code(r.id),
                rule_filter(r),
                rule_where(r),
                rule_target(r),
                code(r.sla_policy) if r.sla_policy else f"default ({code(policies['default'])})",
            ]
            for i, r in enumerate(rules, 1)
        ),
    )
    policy_table = render_policy_table(policies)

    point_rows = []
    for i, tp in enumerate(TEST_POINTS, 1):
        hits = containing(territories, tp.point)
        point_rows.append(
            [
                f"P{i}",
                code(tp.id),
                tp.name,
                f"{tp.lat:.4f}",
                f"{tp.lon:.4f}",
                ", ".join(code(t.id) for t in hits) if hits else "**none — outside the city**",
            ]
        )
    points_table = md_table(["#", "id", "description", "lat", "lon", "contained in"], point_rows)

    inside_points = [tp for tp in TEST_POINTS if city.contains(tp.point)]
    routes_by_point = {
        tp.id: point_routes(tp, territories, rules, categories) for tp in inside_points
    }
    numbers = {tp.id: f"P{i}" for i, tp in enumerate(TEST_POINTS, 1)}

    def cell(r: Route) -> str:
        return "**manual**" if r.executor_id is None else code(r.executor_id)

    routing_table = md_table(
        ["category", *(numbers[tp.id] for tp in inside_points)],
        ([code(c), *(cell(routes_by_point[tp.id][c]) for tp in inside_points)] for c in categories),
    )
    outside_list = "\n".join(
        f"* {numbers[tp.id]} `{tp.id}` ({tp.lat:.4f}, {tp.lon:.4f}) lies outside the "
        "municipality: intake must reject any appeal there as outside the served area; "
        "it is never routed."
        for tp in TEST_POINTS
        if not city.contains(tp.point)
    )
    industrial_point = next(tp for tp in TEST_POINTS if tp.id == INDUSTRIAL_TEST_POINT_ID)
    also_industrial = ", ".join(
        f"{numbers[tp.id]} `{tp.id}`"
        for tp in TEST_POINTS
        if industrial.contains(tp.point) and tp is not industrial_point
    )
    mc_count = sum(1 for t in territories if t.kind == "management_company")

    files_table = md_table(
        ["file", "content"],
        [
            (
                "`territories.geojson`",
                (
                    "RFC 7946 FeatureCollection of Polygons, `[lon, lat]`, CCW outer "
                    "rings; `properties`: `id`, `kind`, `name`, `executor_id`"
                ),
            ),
            ("`executors.json`", "list of `{id, name, kind, contact_email}`"),
            ("`categories.json`", "list of `{id, name, group}`"),
            (
                "`channels.json`",
                "list of `{id, name}`: the channels appeals come through (intake refuses"
                " others, rules' `channels` name only these); optional, without it the six"
                " defaults (`web`, `mobile`, `open311`, `bot`, `operator`, `api`)",
            ),
            (
                "`buildings.csv`",
                "hand-written building registry: `id, address, territory_id, lon, lat` —"
                " the management company's territory (empty for a house its owners manage"
                " themselves) and, optionally, where the building stands",
            ),
            (
                "`rejection_reasons.json`",
                "hand-written: the reasons an executor may reject an appeal for, `{code, title}`",
            ),
            (
                "`moderation.json`",
                "hand-written: intake's word lists (obscene stems, stop words, first names) and"
                " the moderators' reasons to reject",
            ),
            (
                "`rules.yaml`",
                "`version: 1`, ordered `rules`, first match wins; see header comment",
            ),
            (
                "`test_points.json`",
                (
                    "the test points below: territories containing each one and the "
                    "expected route (`rule`, `executor`) of every category"
                ),
            ),
            (
                "`calendar.json`",
                "hand-written, for the sla-tracker: `{country, time_zone, regional_days_off}` —"
                " whose production calendar (only `RU` for now: public holidays, transfers and"
                " working weekends from `holidays`, shortened days from the tracker's data), the"
                " IANA time zone deadlines are counted in, and the CSV of the region's own days"
                " off (optional)",
            ),
            (
                "`regional_days_off.csv`",
                "hand-written: `date, name` — the Republic of Sakha (Yakutia)'s own days off"
                " (27 April, the Day of the Republic, 2025–2027); `#` lines are comments",
            ),
            (
                "`sla_policies.yaml`",
                "hand-written: the deadline policies (`version`, `default`, `policies`; the"
                " language is in sla-tracker/README.md); rules name one in `sla_policy`",
            ),
            ("`generate.py`", "the generator; validates everything it writes"),
        ],
    )

    return f"""\
# Demo city «Североград» (Severograd)

<!-- GENERATED by generate.py — do not edit by hand; edit generate.py and re-run it. -->

A fictional city near Yakutsk used for demos and integration tests of appeal routing.
All data here is invented; e-mail addresses use the reserved `.example` TLD.

Regenerate (deterministic) and check that the committed files are up to date:

```sh
python deploy/demo-city/generate.py          # needs shapely>=2 and pyyaml
python deploy/demo-city/generate.py --check  # exit 1 if any file is stale
```

{files_table}

## Geography

The served area is the municipality `severograd`:
{w:.3f}–{e:.3f} E × {s:.3f}–{n:.3f} N
(≈ {w_km:.1f} km × {h_km:.1f} km, {area_km2(city):.1f} km², two corners cut off).
The parallels {SOUTH_CENTRE_BORDER_LAT} N and {CENTRE_NORTH_BORDER_LAT} N cut it into
three districts (north, centre, south).
{mc_count} housing management companies (УК) serve blocks in the west and centre.
**Everything east of {INDUSTRIAL_WEST_LON} E is the industrial zone «Восточная»
({area_km2(industrial):.1f} km²), where no management company serves**;
there are smaller uncovered gaps between the blocks, too.
Проспект Ленина, a {ROAD_WIDTH_M:.0f} m wide road corridor, crosses the centre district
from west to east; Парк Победы lies just north of it.

## Territories

{territory_table}

## Executors

{executor_table}

## Categories

{category_table}

## Routing rules (first match wins)

{rules_table}

Yard and housing appeals (groups `yard`, `housing`) outside every management-company
territory match no rule on purpose: they must go to **manual routing**.

## Deadlines (sla-tracker)

The city counts deadlines in {TIME_ZONE} on Russia's production calendar plus Yakutia's
Day of the Republic (`calendar.json`, `regional_days_off.csv`). Each rule above names the
policy of the appeals it routes; the others get `{policies["default"]}`
(`sla_policies.yaml`, version {policies["version"]}):

{policy_table}

Management companies are not bound by 59-ФЗ (it binds public bodies), so yard and house
work they do runs on the operational regime, like roads and greenery; heating, hot water
and burst mains are emergencies; the rest (waste, owner-managed houses, the manual queue)
takes the default.

## Test points

Coordinates are given as lat, lon (in GeoJSON they are `[lon, lat]`).
Every point is at least {MIN_EDGE_DISTANCE_M:.0f} m from every territory edge
(road points sit on the centreline, {ROAD_WIDTH_M / 2:.0f} m from its edges),
so point-in-polygon results are unambiguous.

{points_table}

* The well-known uncovered point is
  **{numbers[industrial_point.id]} `{industrial_point.id}`
  ({industrial_point.lat:.4f}, {industrial_point.lon:.4f})** in the industrial zone:
  no management company serves it, so yard/housing appeals there match no rule and go
  to manual routing.
  ({also_industrial} is in the industrial zone too, but on the road corridor.)
{outside_list}

Expected executor for every category at every point inside the city
(**manual** = no rule matches → manual routing):

{routing_table}
"""


def render_policy_table(policies: dict[str, Any]) -> str:
    units = {"calendar_days": "calendar days", "working_days": "working days", "hours": "hours"}

    def stage(p: dict[str, Any], kind: str) -> str:
        d = p["stages"].get(kind)
        if not d:
            return "—"
        unit = units[d["unit"]]
        return f"{d['within']} {unit[:-1] if d['within'] == 1 else unit}"

    def ladder(p: dict[str, Any]) -> str:
        return ", ".join(f"{e['to']} at {e['at']:g}" for e in p.get("escalation", ())) or "—"

    return md_table(
        ["policy", "name", *STAGE_KINDS, "on redirect", "warn at", "escalation"],
        (
            [
                code(p["id"]),
                p["name"],
                *(stage(p, kind) for kind in STAGE_KINDS),
                p.get("on_redirect", "restart_answer"),
                ", ".join(f"{w:g}" for w in p.get("warn_at", (0.75, 0.9))),
                ladder(p),
            ]
            for p in policies["policies"]
        ),
    )


STAGE_KINDS: Final = ("registration", "redirect", "answer", "extension")


# --------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------


def build_outputs() -> dict[str, str]:
    territories = build_territories()
    categories = {c.id: c for c in CATEGORIES}
    validate(EXECUTORS, CATEGORIES, territories, RULES)
    validate_test_points(territories, RULES, categories)
    validate_channels(CHANNELS)
    calendar, policies = read_sla_files()
    validate_sla(RULES, calendar, policies)

    geojson = render_geojson(territories)
    validate_written_geojson(geojson, territories)
    rules_yaml = render_rules(RULES)
    reparsed = yaml.safe_load(rules_yaml)
    check(
        reparsed == {"version": 1, "timezone": TIME_ZONE, "rules": [r.to_json() for r in RULES]},
        "YAML round-trip",
    )

    return {
        "territories.geojson": geojson,
        "executors.json": dump_json([e.to_json() for e in EXECUTORS]),
        "categories.json": dump_json([c.to_json() for c in CATEGORIES]),
        "channels.json": dump_json([{"id": id_, "name": name} for id_, name in CHANNELS]),
        "rules.yaml": rules_yaml,
        "test_points.json": render_test_points(territories, RULES, categories),
        "README.md": render_readme(EXECUTORS, categories, territories, RULES, policies),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--check",
        action="store_true",
        help="do not write; exit 1 if any file is out of date",
    )
    args = parser.parse_args(argv)
    try:
        outputs = build_outputs()
    except ValidationError as exc:
        print(f"validation failed: {exc}", file=sys.stderr)
        return 2

    stale = []
    for name, content in outputs.items():
        path = OUT_DIR / name
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == content:
            continue
        if args.check:
            stale.append(name)
        else:
            path.write_text(content, encoding="utf-8")
            print(f"wrote {path}")
    if stale:
        print("out of date: " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

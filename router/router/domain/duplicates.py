"""Duplicate detection (pure): an open appeal of the same category, close by and recent,
that is the same problem for the same executor — a duplicate never crosses a routing
boundary (another building, another company's territory, a park or road zone)."""

import hashlib
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from contracts.events import Channel
from router.domain.appeal import AppealToRoute
from router.domain.routing import Decision, Routed, Router

EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True)
class DuplicatePolicy:
    radius_m: float = 50.0
    window: timedelta = timedelta(days=14)


@dataclass(frozen=True)
class OpenAppeal:
    appeal_id: UUID
    category: str
    lat: float
    lon: float
    submitted_at: datetime
    channel: str = Channel.WEB.value
    building_id: str | None = None
    address: str | None = None

    def as_submitted(self) -> AppealToRoute:
        """The appeal as the rules saw it when it came in (no redirects)."""
        return AppealToRoute(
            category=self.category,
            lon=self.lon,
            lat=self.lat,
            channel=self.channel,
            submitted_at=self.submitted_at,
            building_id=self.building_id,
            address=self.address,
        )


@dataclass(frozen=True)
class Destination:
    """Where the rules in force send an appeal: the executor, and the building it names."""

    executor_id: str
    executor_name: str
    building_id: str | None

    def same_problem_as(self, other: "Destination") -> bool:
        """The same executor, and the same building when both name one."""
        return self.executor_id == other.executor_id and (
            self.building_id is None
            or other.building_id is None
            or self.building_id == other.building_id
        )


def destination(
    router: Router, appeal: AppealToRoute, decision: Decision | None = None
) -> Destination | None:
    """Where `router`'s rules send `appeal` (None: to nobody — the manual queue). The
    building is the registry's when it knows the one named, else the id the appeal gives."""
    decision = decision or router.decide(appeal)
    if not isinstance(decision, Routed):
        return None
    building = router.buildings.find(appeal.building_id, appeal.address)
    building_id = building.id if building else (appeal.building_id or None)
    return Destination(decision.executor_id, decision.executor_name, building_id)


@dataclass(frozen=True)
class Original:
    appeal: OpenAppeal
    distance_m: float
    destination: Destination | None = None

    def explanation(self, policy: DuplicatePolicy) -> str:
        text = (
            f"same category {self.appeal.category!r} as open appeal {self.appeal.appeal_id},"
            f" {self.distance_m:.0f} m away (within {policy.radius_m:.0f} m), submitted"
            f" {self.appeal.submitted_at:%Y-%m-%d %H:%M} UTC (within {policy.window.days} days)"
        )
        if (to := self.destination) is not None:
            text += f"; the rules in force send both to {to.executor_id!r} ({to.executor_name})"
            if to.building_id is not None:
                text += f" for building {to.building_id!r}"
        return text


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine), metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def search_box(lat: float, lon: float, radius_m: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) certainly containing the circle."""
    dlat = math.degrees(radius_m / EARTH_RADIUS_M) * 1.01
    dlon = dlat / max(math.cos(math.radians(lat)), 1e-6)
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


def find_original(
    category: str,
    lat: float,
    lon: float,
    submitted_at: datetime,
    candidates: Iterable[OpenAppeal],
    policy: DuplicatePolicy,
    same_problem: Callable[[OpenAppeal], bool] | None = None,
) -> Original | None:
    """The open appeal this one repeats: the nearest within the radius and window that is
    `same_problem` (when given), the earliest among equals. Open means already decided,
    so an appeal filed a little later but decided first (twins on two partitions, two
    routers) is an original too: the window reaches both ways, and whichever of two
    twins is decided second becomes the duplicate."""
    near: list[Original] = []
    for other in candidates:
        if other.category != category:
            continue
        if abs(other.submitted_at - submitted_at) > policy.window:
            continue
        d = distance_m(lat, lon, other.lat, other.lon)
        if d <= policy.radius_m:
            near.append(Original(other, d))
    near.sort(key=lambda o: (o.distance_m, o.appeal.submitted_at))
    return next((o for o in near if same_problem is None or same_problem(o.appeal)), None)


def find_same_problem(
    router: Router,
    appeal: AppealToRoute,
    decision: Decision,
    candidates: Iterable[OpenAppeal],
    policy: DuplicatePolicy,
) -> Original | None:
    """The open original `appeal` repeats under `router`'s rules: near and recent as
    `find_original` says, and sent by the rules in force to the same executor (and the
    same building when both name one). An appeal the rules send to nobody repeats none."""
    mine = destination(router, appeal, decision)
    if mine is None:
        return None

    def same_problem(other: OpenAppeal) -> bool:
        theirs = destination(router, other.as_submitted())
        return theirs is not None and mine.same_problem_as(theirs)

    found = find_original(
        appeal.category,
        appeal.lat,
        appeal.lon,
        appeal.submitted_at,
        candidates,
        policy,
        same_problem,
    )
    return None if found is None else Original(found.appeal, found.distance_m, mine)


def area_locks(category: str, lat: float, lon: float, radius_m: float) -> list[int]:
    """Advisory-lock keys for the grid cells the search circle touches, sorted (so two
    transactions take shared locks in the same order). Two appeals of a category within
    `radius_m` of each other always share a key — the cell of either point — so router
    instances deciding them at once take turns and the later one sees the earlier."""
    cell_m = 2.1 * radius_m
    dlat = math.degrees(cell_m / EARTH_RADIUS_M)
    min_lat, max_lat, min_lon, max_lon = search_box(lat, lon, radius_m)
    keys = set()
    for row in range(math.floor(min_lat / dlat), math.floor(max_lat / dlat) + 1):
        row_lat = (row + 0.5) * dlat
        dlon = dlat / max(math.cos(math.radians(row_lat)), 1e-6)
        for column in range(math.floor(min_lon / dlon), math.floor(max_lon / dlon) + 1):
            digest = hashlib.blake2b(f"{category}:{row}:{column}".encode(), digest_size=8)
            keys.add(int.from_bytes(digest.digest(), "big", signed=True))
    return sorted(keys)

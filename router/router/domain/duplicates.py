"""Duplicate detection (pure): an open appeal of the same category, close by and recent."""

import hashlib
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

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


@dataclass(frozen=True)
class Original:
    appeal: OpenAppeal
    distance_m: float

    def explanation(self, policy: DuplicatePolicy) -> str:
        return (
            f"same category {self.appeal.category!r} as open appeal {self.appeal.appeal_id},"
            f" {self.distance_m:.0f} m away (within {policy.radius_m:.0f} m), submitted"
            f" {self.appeal.submitted_at:%Y-%m-%d %H:%M} UTC (within {policy.window.days} days)"
        )


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
) -> Original | None:
    """The open appeal this one repeats: the nearest within the radius and window, the
    earliest among equals."""
    best: Original | None = None
    for other in candidates:
        if other.category != category:
            continue
        if not submitted_at - policy.window <= other.submitted_at <= submitted_at:
            continue
        d = distance_m(lat, lon, other.lat, other.lon)
        if d > policy.radius_m:
            continue
        key = (d, other.submitted_at)
        if best is None or key < (best.distance_m, best.appeal.submitted_at):
            best = Original(other, d)
    return best


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

"""Duplicates: same category, within the radius and the window, of an open appeal."""

import math
import random
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from router.domain.duplicates import (
    DuplicatePolicy,
    OpenAppeal,
    area_locks,
    distance_m,
    find_original,
    search_box,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
POLICY = DuplicatePolicy(radius_m=50, window=timedelta(days=14))
LAT, LON = 62.0255, 129.69
METRE_LAT = 1 / 111_195  # degrees of latitude per metre


def existing(
    north_m: float = 0, age: timedelta = timedelta(days=1), category: str = "pothole"
) -> OpenAppeal:
    return OpenAppeal(uuid4(), category, LAT + north_m * METRE_LAT, LON, NOW - age)


@pytest.mark.parametrize(
    ("north_m", "age", "category", "duplicate"),
    [
        (49.0, timedelta(days=1), "pothole", True),  # just inside the radius
        (51.0, timedelta(days=1), "pothole", False),  # just outside
        (10.0, timedelta(days=13, hours=23), "pothole", True),  # just inside the window
        (10.0, timedelta(days=14, hours=1), "pothole", False),  # just outside
        (10.0, timedelta(days=1), "playground", False),  # another category
        (10.0, -timedelta(minutes=1), "pothole", True),  # reported after, but decided first
        (10.0, -timedelta(days=14, hours=1), "pothole", False),  # too long after
    ],
)
def test_duplicate_edges(north_m: float, age: timedelta, category: str, duplicate: bool) -> None:
    other = existing(north_m, age, category)
    found = find_original("pothole", LAT, LON, NOW, [other], POLICY)
    assert (found is not None) == duplicate
    if found:
        assert found.appeal == other
        assert found.distance_m == pytest.approx(north_m, abs=0.5)


def test_the_nearest_then_the_earliest_is_the_original() -> None:
    far, near_new, near_old = (
        existing(30),
        existing(5, timedelta(days=1)),
        existing(5, timedelta(days=3)),
    )
    found = find_original("pothole", LAT, LON, NOW, [far, near_new, near_old], POLICY)
    assert found is not None
    assert found.appeal == near_old
    assert "within 50 m" in found.explanation(POLICY)


def test_the_search_box_holds_the_whole_circle() -> None:
    min_lat, max_lat, min_lon, max_lon = search_box(LAT, LON, 50)
    for lat, lon in [(max_lat, LON), (min_lat, LON), (LAT, max_lon), (LAT, min_lon)]:
        assert distance_m(LAT, LON, lat, lon) >= 50


def test_appeals_within_the_radius_always_share_an_area_lock() -> None:
    rng = random.Random(3)
    for _ in range(2000):
        lat, lon = rng.uniform(-70, 70), rng.uniform(-179, 179)
        bearing = rng.uniform(0, 6.283)
        metres = rng.uniform(0, 50)
        other_lat = lat + metres * METRE_LAT * math.cos(bearing)
        other_lon = lon + metres * METRE_LAT * math.sin(bearing) / math.cos(math.radians(lat))
        if distance_m(lat, lon, other_lat, other_lon) > 50:
            continue
        mine = set(area_locks("pothole", lat, lon, 50))
        theirs = set(area_locks("pothole", other_lat, other_lon, 50))
        assert mine & theirs, (lat, lon, other_lat, other_lon)
    assert not set(area_locks("pothole", LAT, LON, 50)) & set(
        area_locks("playground", LAT, LON, 50)
    )
    assert not set(area_locks("pothole", LAT, LON, 50)) & set(
        area_locks("pothole", LAT + 0.01, LON, 50)
    )

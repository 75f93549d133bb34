"""Photos on appeals (intake) and on answers (executor-gateway): the citizen's photo leaves
the server clean and only to those the rules allow; the executor's answer photos are public
once the answer is given."""

import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from services.identity import Role
from services.testing import InProcessPlatform, ServiceDatabases
from tests.unit.services.test_images import GPS_TAG, photo, with_gps_and_orientation
from tests.usecases.test_appeal_lifecycle import FALLEN_TREE, POTHOLE, act, citizen_sees
from tests.usecases.test_comments import citizen, dispatcher, routed

PER_APPEAL = 2


@pytest.fixture
async def platform(databases: ServiceDatabases, tmp_path: Path) -> AsyncIterator[InProcessPlatform]:
    settings: dict[str, dict[str, Any]] = {
        "intake": {
            "blobs": {"url": (tmp_path / "intake").as_uri()},
            "photos_per_appeal": PER_APPEAL,
        },
        "executor-gateway": {"blobs": {"url": (tmp_path / "gateway").as_uri()}},
    }
    async with InProcessPlatform(databases, settings=settings) as running:
        yield running


async def upload(
    client: httpx.AsyncClient,
    path: str,
    headers: dict[str, str],
    data: bytes,
    media_type: str = "image/jpeg",
) -> httpx.Response:
    return await client.post(path, content=data, headers={**headers, "Content-Type": media_type})


async def listed(
    client: httpx.AsyncClient, path: str, headers: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    answer = await client.get(path, headers=headers or {})
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()
    return found


async def test_the_citizens_photo_comes_back_clean_to_the_citizen(
    platform: InProcessPlatform,
) -> None:
    appeal_id, _executor = await routed(platform, POTHOLE)
    intake = platform.client("intake")
    taken = with_gps_and_orientation()
    assert Image.open(io.BytesIO(taken)).getexif().get(GPS_TAG) is not None

    added = await upload(intake, f"/appeals/{appeal_id}/photos", citizen(platform), taken)
    assert added.status_code == 201, added.text
    (seen,) = await listed(intake, f"/appeals/{appeal_id}/photos", citizen(platform))
    assert seen["photo_id"] == added.json()["photo_id"]
    assert seen["media_type"] == "image/jpeg"

    served = await intake.get(seen["url"], headers=citizen(platform))
    assert served.status_code == 200, served.text
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.headers["content-disposition"].startswith("inline")
    assert served.headers["cache-control"] == "private, no-store"
    kept = Image.open(io.BytesIO(served.content))
    assert kept.format == "JPEG"
    assert not kept.getexif()
    assert b"GPS" not in served.content
    assert b"home address" not in served.content
    thumbnail = await intake.get(seen["thumbnail_url"], headers=citizen(platform))
    assert Image.open(io.BytesIO(thumbnail.content)).format == "WEBP"


async def test_disguised_surplus_and_strangers_photos_are_refused(
    platform: InProcessPlatform,
) -> None:
    appeal_id, executor = await routed(platform, POTHOLE)
    intake = platform.client("intake")
    path = f"/appeals/{appeal_id}/photos"
    mine = citizen(platform)

    script = b"<script>alert(document.cookie)</script>" + b" " * 2000
    disguised = await upload(intake, path, mine, script)
    assert disguised.status_code == 422, disguised.text
    assert "not a JPEG, PNG or WebP" in disguised.text
    gif = await upload(intake, path, mine, photo("GIF"), "image/gif")
    assert gif.status_code == 415, gif.text
    too_big = await upload(intake, path, mine, b"\xff" * (10 * 2**20 + 1))
    assert too_big.status_code == 413, too_big.text
    neighbour = await upload(intake, path, citizen(platform, "neighbour"), photo())
    assert neighbour.status_code == 403, neighbour.text
    executors = await upload(intake, path, dispatcher(platform, executor), photo())
    assert executors.status_code == 403, executors.text

    for fmt in ("PNG", "WEBP"):
        added = await upload(intake, path, mine, photo(fmt), f"image/{fmt.lower()}")
        assert added.status_code == 201, added.text
    surplus = await upload(intake, path, mine, photo())
    assert surplus.status_code == 409, surplus.text
    kept = await listed(intake, path, mine)
    assert [p["media_type"] for p in kept] == ["image/png", "image/webp"]


async def test_the_holding_executor_sees_the_citizens_photo_and_no_other(
    platform: InProcessPlatform,
) -> None:
    appeal_id, first = await routed(platform, FALLEN_TREE)
    intake = platform.client("intake")
    added = await upload(intake, f"/appeals/{appeal_id}/photos", citizen(platform), photo())
    assert added.status_code == 201, added.text
    url = added.json()["url"]

    assert (await intake.get(url, headers=dispatcher(platform, first))).status_code == 200
    for role in (Role.OPERATOR, Role.MODERATOR, Role.CURATOR, Role.ADMIN):
        assert (await intake.get(url, headers=platform.auth(role))).status_code == 200
    assert (await intake.get(url)).status_code == 401
    other = "parks-dept" if first != "parks-dept" else "adm-centre"
    for stranger in (citizen(platform, "neighbour"), dispatcher(platform, other)):
        refused = await intake.get(url, headers=stranger)
        assert refused.status_code == 403, refused.text
        assert await listed(intake, f"/appeals/{appeal_id}/photos", stranger) == []

    redirected = await act(platform, first, appeal_id, "redirect", {"reason": "не наше"})
    assert redirected.status_code == 200, redirected.text
    await platform.settled()
    second = (await citizen_sees(platform, appeal_id))["executor"]["id"]  # type: ignore[index]
    assert second != first
    assert (await intake.get(url, headers=dispatcher(platform, second))).status_code == 200
    assert (await intake.get(url, headers=dispatcher(platform, first))).status_code == 403


async def test_a_published_photo_is_public(platform: InProcessPlatform) -> None:
    appeal_id, _executor = await routed(platform, POTHOLE)
    intake = platform.client("intake")
    added = await upload(intake, f"/appeals/{appeal_id}/photos", citizen(platform), photo())
    publication = f"/photos/{added.json()['photo_id']}/publication"
    refused = await intake.put(publication, json={"published": True}, headers=citizen(platform))
    assert refused.status_code == 403, refused.text
    assert (await intake.get(added.json()["url"])).status_code == 401

    published = await intake.put(
        publication, json={"published": True}, headers=platform.auth(Role.MODERATOR)
    )
    assert published.status_code == 200, published.text
    served = await intake.get(added.json()["url"])
    assert served.status_code == 200, served.text
    assert served.headers["cache-control"].startswith("public")
    assert len(await listed(intake, f"/appeals/{appeal_id}/photos")) == 1


async def test_the_answer_photo_is_public_after_resolve(platform: InProcessPlatform) -> None:
    appeal_id, executor = await routed(platform, POTHOLE)
    gateway = platform.client("executor-gateway")
    staff = dispatcher(platform, executor)
    path = f"/executors/{executor}/assignments/{appeal_id}/photos"
    elsewhere = "parks-dept" if executor != "parks-dept" else "adm-centre"
    other = await upload(gateway, path.replace(executor, elsewhere), staff, photo())
    assert other.status_code == 403, other.text
    added = await upload(gateway, path, staff, with_gps_and_orientation())
    assert added.status_code == 201, added.text
    url = added.json()["url"]
    assert url.startswith("/answer-photos/")

    assert await listed(gateway, f"/answers/{appeal_id}/photos") == []
    assert (await gateway.get(url)).status_code == 401
    assert (await gateway.get(url, headers=citizen(platform))).status_code == 403
    assert (await gateway.get(url, headers=staff)).status_code == 200
    operator = platform.auth(Role.OPERATOR)
    assert len(await listed(gateway, path, operator)) == 1

    resolved = await act(platform, executor, appeal_id, "resolve", {"answer": "Заделали"})
    assert resolved.status_code == 200, resolved.text
    (public,) = await listed(gateway, f"/answers/{appeal_id}/photos")
    assert public["photo_id"] == added.json()["photo_id"]
    served = await gateway.get(url)
    assert served.status_code == 200, served.text
    assert served.headers["cache-control"].startswith("public")
    assert b"GPS" not in served.content
    thumbnail = await gateway.get(public["thumbnail_url"])
    assert Image.open(io.BytesIO(thumbnail.content)).format == "WEBP"

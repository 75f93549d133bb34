"""Comments on an appeal, with photos: who may write, who reads what, and photos that
leave the server clean — the comments service beside intake, router and executor-gateway."""

import io
import os
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from contracts.events import CommentPosted
from services.identity import Principal, Role
from services.testing import InProcessPlatform, ServiceDatabases
from tests.unit.services.test_images import GPS_TAG, photo, with_gps_and_orientation
from tests.usecases.test_appeal_lifecycle import (
    CITIZEN,
    FALLEN_TREE,
    POTHOLE,
    act,
    citizen_sees,
    submit,
)

PER_COMMENT = 2


@pytest.fixture
async def platform(databases: ServiceDatabases, tmp_path: Path) -> AsyncIterator[InProcessPlatform]:
    settings = {"blobs": {"url": tmp_path.as_uri()}, "photos_per_comment": PER_COMMENT}
    async with InProcessPlatform(databases, settings={"comments": settings}) as running:
        yield running


def citizen(platform: InProcessPlatform, subject: str = CITIZEN) -> dict[str, str]:
    return platform.auth(Role.CITIZEN, subject=subject)


def dispatcher(platform: InProcessPlatform, executor: str) -> dict[str, str]:
    return platform.auth(Role.EXECUTOR_DISPATCHER, organisation=executor, subject=f"{executor}-d")


async def comment(
    platform: InProcessPlatform,
    appeal_id: str,
    headers: dict[str, str],
    text: str,
    visibility: str = "public",
) -> httpx.Response:
    return await platform.client("comments").post(
        f"/appeals/{appeal_id}/comments",
        json={"text": text, "visibility": visibility},
        headers=headers,
    )


async def read(
    platform: InProcessPlatform, appeal_id: str, headers: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    answer = await platform.client("comments").get(
        f"/appeals/{appeal_id}/comments", headers=headers or {}
    )
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()
    return found


async def routed(platform: InProcessPlatform, appeal: Mapping[str, object]) -> tuple[str, str]:
    """A new appeal, routed: its id and its executor."""
    appeal_id = await submit(platform, appeal)
    seen = await citizen_sees(platform, appeal_id)
    assert seen["status"] == "routed", seen
    return appeal_id, seen["executor"]["id"]  # type: ignore[index]


async def test_the_executor_and_the_citizen_talk_and_the_public_reads_along(
    platform: InProcessPlatform,
) -> None:
    appeal_id, executor = await routed(platform, POTHOLE)
    staff = dispatcher(platform, executor)
    note = await comment(platform, appeal_id, staff, "Бригада на месте завтра", "internal")
    assert note.status_code == 201, note.text
    question = await comment(platform, appeal_id, staff, "Уточните номер дома")
    assert question.status_code == 201, question.text
    answer = await comment(platform, appeal_id, citizen(platform), "Дом 12")
    assert answer.status_code == 201, answer.text
    secret = await comment(platform, appeal_id, citizen(platform), "только вам", "internal")
    assert secret.status_code == 403, secret.text
    await platform.settled()

    public = await read(platform, appeal_id)
    assert [(c["text"], c["author"], c["by"]) for c in public] == [
        ("Уточните номер дома", "executor", None),
        ("Дом 12", "citizen", None),
    ]
    assert public[0]["executor_id"] == executor
    assert [c["text"] for c in await read(platform, appeal_id, citizen(platform))] == [
        "Уточните номер дома",
        "Дом 12",
    ]
    everything = await read(platform, appeal_id, platform.auth(Role.OPERATOR))
    assert [(c["visibility"], c["by"]) for c in everything] == [
        ("internal", f"{executor}-d"),
        ("public", f"{executor}-d"),
        ("public", None),
    ]
    assert [c["text"] for c in await read(platform, appeal_id, staff)] == [
        c["text"] for c in everything
    ]
    page = await platform.client("comments").get(
        f"/appeals/{appeal_id}/comments?limit=1&offset=1", headers=staff
    )
    assert [c["text"] for c in page.json()] == ["Уточните номер дома"]

    posted = [p for p in platform.published if p.event.type == "CommentPosted"]
    assert [p.topic for p in posted] == ["appeal.events"] * 3
    payloads = [p.event.payload for p in posted if isinstance(p.event, CommentPosted)]
    assert [(p.author, p.visibility, p.by, p.executor_id) for p in payloads] == [
        ("executor", "internal", f"{executor}-d", executor),
        ("executor", "public", f"{executor}-d", executor),
        ("citizen", "public", None, None),
    ]
    filer = Principal(CITIZEN, platform.issuer.issuer, frozenset({Role.CITIZEN}))
    assert str(filer.pseudonym) not in posted[2].event.to_json().decode()
    submitted = next(p.event for p in platform.published if p.event.type == "AppealSubmitted")
    assert {p.event.correlation_id for p in posted} == {submitted.correlation_id}


async def test_strangers_are_refused_and_unknown_appeals_are_not_found(
    platform: InProcessPlatform,
) -> None:
    appeal_id, executor = await routed(platform, POTHOLE)
    other = "parks-dept" if executor != "parks-dept" else "adm-centre"
    for headers, status in [
        (citizen(platform, "neighbour"), 403),
        (dispatcher(platform, other), 403),
        ({}, 401),
    ]:
        refused = await comment(platform, appeal_id, headers, "Я тоже")
        assert refused.status_code == status, refused.text
    for role in (Role.OPERATOR, Role.MODERATOR, Role.CURATOR, Role.ADMIN):
        allowed = await comment(platform, appeal_id, platform.auth(role), f"{role}", "internal")
        assert allowed.status_code == 201, allowed.text
    unknown = "0190a8b2-0000-7000-8000-000000000000"
    nowhere = await comment(platform, unknown, platform.auth(Role.OPERATOR), "?")
    assert nowhere.status_code == 404, nowhere.text
    assert (
        await platform.client("comments").get(f"/appeals/{unknown}/comments")
    ).status_code == 404


async def test_the_executor_holding_the_appeal_speaks_there_and_no_other(
    platform: InProcessPlatform,
) -> None:
    appeal_id, first = await routed(platform, FALLEN_TREE)
    redirected = await act(platform, first, appeal_id, "redirect", {"reason": "не наше"})
    assert redirected.status_code == 200, redirected.text
    await platform.settled()
    second = (await citizen_sees(platform, appeal_id))["executor"]["id"]  # type: ignore[index]
    assert second != first
    gone = await comment(platform, appeal_id, dispatcher(platform, first), "Мы передали")
    assert gone.status_code == 403, gone.text
    assert len(await read(platform, appeal_id, dispatcher(platform, first))) == 0

    resolved = await act(platform, second, appeal_id, "resolve", {"answer": "Убрали"})
    assert resolved.status_code == 200, resolved.text
    await platform.settled()
    after = await comment(platform, appeal_id, dispatcher(platform, second), "Фото в ответе")
    assert after.status_code == 201, after.text


async def upload(
    platform: InProcessPlatform,
    appeal_id: str,
    comment_id: str,
    headers: dict[str, str],
    data: bytes,
    media_type: str = "image/jpeg",
) -> httpx.Response:
    return await platform.client("comments").post(
        f"/appeals/{appeal_id}/comments/{comment_id}/photos",
        content=data,
        headers={**headers, "Content-Type": media_type},
    )


async def test_a_photo_with_gps_is_served_back_clean_to_anyone(
    platform: InProcessPlatform,
) -> None:
    appeal_id, _executor = await routed(platform, POTHOLE)
    posted = await comment(platform, appeal_id, citizen(platform), "Вот яма")
    comment_id = posted.json()["comment_id"]
    taken = with_gps_and_orientation()
    assert Image.open(io.BytesIO(taken)).getexif().get(GPS_TAG) is not None

    added = await upload(platform, appeal_id, comment_id, citizen(platform), taken)
    assert added.status_code == 201, added.text
    assert added.json()["media_type"] == "image/jpeg"
    (listed,) = await read(platform, appeal_id)
    assert [p["photo_id"] for p in listed["photos"]] == [added.json()["photo_id"]]

    served = await platform.client("comments").get(listed["photos"][0]["url"])
    assert served.status_code == 200, served.text
    assert served.headers["content-type"] == "image/jpeg"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.headers["content-disposition"].startswith("inline")
    kept = Image.open(io.BytesIO(served.content))
    assert kept.format == "JPEG"
    assert not kept.getexif()
    assert b"GPS" not in served.content
    assert b"home address" not in served.content
    thumbnail = await platform.client("comments").get(listed["photos"][0]["thumbnail_url"])
    assert thumbnail.status_code == 200
    assert thumbnail.headers["content-type"] == "image/webp"
    assert Image.open(io.BytesIO(thumbnail.content)).format == "WEBP"


async def test_disguised_oversized_and_surplus_photos_are_refused(
    platform: InProcessPlatform,
) -> None:
    appeal_id, executor = await routed(platform, POTHOLE)
    mine = citizen(platform)
    comment_id = (await comment(platform, appeal_id, mine, "Фото")).json()["comment_id"]

    script = b"<script>alert(document.cookie)</script>" + b" " * 2000
    disguised = await upload(platform, appeal_id, comment_id, mine, script)
    assert disguised.status_code == 422, disguised.text
    assert "not a JPEG, PNG or WebP" in disguised.text
    gif = await upload(platform, appeal_id, comment_id, mine, photo("GIF"), "image/gif")
    assert gif.status_code == 415, gif.text
    too_big = await upload(platform, appeal_id, comment_id, mine, b"\xff" * (10 * 2**20 + 1))
    assert too_big.status_code == 413, too_big.text
    not_theirs = await upload(
        platform, appeal_id, comment_id, dispatcher(platform, executor), photo()
    )
    assert not_theirs.status_code == 403, not_theirs.text

    noise = Image.frombytes("RGB", (800, 600), os.urandom(800 * 600 * 3))
    big = io.BytesIO()
    noise.save(big, "PNG")
    assert big.tell() > 2**20  # over the 1 MiB every other route takes
    first = await upload(platform, appeal_id, comment_id, mine, big.getvalue(), "image/png")
    assert first.status_code == 201, first.text
    second = await upload(platform, appeal_id, comment_id, mine, photo("WEBP"), "image/webp")
    assert second.status_code == 201, second.text
    surplus = await upload(platform, appeal_id, comment_id, mine, photo())
    assert surplus.status_code == 409, surplus.text
    (listed,) = await read(platform, appeal_id)
    assert [p["media_type"] for p in listed["photos"]] == ["image/png", "image/webp"]


async def test_an_internal_comments_photo_is_for_its_staff_alone(
    platform: InProcessPlatform,
) -> None:
    appeal_id, executor = await routed(platform, POTHOLE)
    staff = dispatcher(platform, executor)
    posted = await comment(platform, appeal_id, staff, "Акт осмотра", "internal")
    added = await upload(platform, appeal_id, posted.json()["comment_id"], staff, photo())
    assert added.status_code == 201, added.text
    photos = platform.client("comments")
    for path in (added.json()["url"], added.json()["thumbnail_url"]):
        assert (await photos.get(path)).status_code == 401
        for stranger in (citizen(platform, "neighbour"), citizen(platform)):
            refused = await photos.get(path, headers=stranger)
            assert refused.status_code == 403, refused.text
            assert refused.headers["content-type"] == "application/json"
        for allowed in (staff, platform.auth(Role.MODERATOR)):
            served = await photos.get(path, headers=allowed)
            assert served.status_code == 200, served.text
            assert served.headers["cache-control"] == "private, no-store"
    assert (await photos.get(f"/photos/{posted.json()['comment_id']}")).status_code == 404

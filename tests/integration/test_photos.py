"""Photos on real Kafka: intake learns from `appeal.events` which executor holds an appeal,
so that executor's staff see the citizen's photo once the router has routed it; the
executor's answer photo is public once its resolution is given (the rules are tested in
tests/usecases/test_photos.py; this checks the processes as deployed)."""

import io

import httpx
from PIL import Image

from services.identity import Role
from tests.integration.platform import Platform, auth_headers, eventually
from tests.unit.services.test_images import photo, with_gps_and_orientation

CITIZEN = "citizen-of-the-photos-test"
YARD_TSENTRALNAYA = {"lat": 62.0255, "lon": 129.69}  # УК «Центральная»'s territory
EXECUTOR = "uk-tsentralnaya"
JPEG = {"Content-Type": "image/jpeg"}


def test_the_holding_executor_sees_the_citizens_photo_and_answers_with_a_public_one(
    platform: Platform,
) -> None:
    citizen = auth_headers(Role.CITIZEN, subject=CITIZEN)
    filed = httpx.post(
        f"{platform.intake.url}/appeals",
        json={
            "category": "entrance_repair",
            "location": YARD_TSENTRALNAYA,
            "text": "Разбита дверь",
        },
        headers=citizen,
    )
    assert filed.status_code == 201, filed.text
    appeal_id = filed.json()["id"]
    added = httpx.post(
        f"{platform.intake.url}/appeals/{appeal_id}/photos",
        content=with_gps_and_orientation(),
        headers={**citizen, **JPEG},
    )
    assert added.status_code == 201, added.text
    citizens_photo = f"{platform.intake.url}{added.json()['url']}"
    dispatcher = auth_headers(Role.EXECUTOR_DISPATCHER, organisation=EXECUTOR)

    def seen_by_the_executor() -> httpx.Response | None:
        answer = httpx.get(citizens_photo, headers=dispatcher)
        assert answer.status_code in {200, 403}, answer.text  # 403: not routed yet
        return answer if answer.status_code == 200 else None

    served = eventually(seen_by_the_executor, what="intake to learn the appeal's executor")
    assert b"GPS" not in served.content
    assert not Image.open(io.BytesIO(served.content)).getexif()

    gateway = platform["executor-gateway"].url
    assignment = f"{gateway}/executors/{EXECUTOR}/assignments/{appeal_id}"

    def answer_photo() -> httpx.Response | None:
        answer = httpx.post(f"{assignment}/photos", content=photo(), headers={**dispatcher, **JPEG})
        assert answer.status_code in {201, 404}, answer.text  # 404: not assigned yet
        return answer if answer.status_code == 201 else None

    attached = eventually(answer_photo, what="the gateway to receive the assignment")
    answer_photo_url = f"{gateway}{attached.json()['url']}"
    assert httpx.get(answer_photo_url).status_code == 401
    resolved = httpx.post(f"{assignment}/resolve", json={"answer": "Вывезли"}, headers=dispatcher)
    assert resolved.status_code == 200, resolved.text
    public = httpx.get(f"{gateway}/answers/{appeal_id}/photos")
    assert [p["photo_id"] for p in public.json()] == [attached.json()["photo_id"]]
    assert httpx.get(answer_photo_url).status_code == 200

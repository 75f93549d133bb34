"""A role an administrator grants in the staff directory reaches the other running
services over Kafka, and its revocation too (the rules are tested in
tests/usecases/test_staff_directory.py; this checks the processes as deployed)."""

import httpx

from services.identity import Role
from tests.integration.platform import ISSUER, Platform, auth_headers, eventually

SUBJECT = "granted-operator-it"


def manual_queue_status(platform: Platform) -> int:
    token = ISSUER.token(SUBJECT)  # no roles of its own: all it holds is granted
    answer = httpx.get(
        f"{platform.router.url}/routing/manual", headers={"Authorization": f"Bearer {token}"}
    )
    return answer.status_code


def test_a_granted_role_opens_the_router_and_its_revocation_closes_it(
    platform: Platform,
) -> None:
    assert manual_queue_status(platform) == 403
    admin = auth_headers(Role.ADMIN, subject="admin-it")
    directory = platform["staff-directory"].url
    granted = httpx.put(
        f"{directory}/staff",
        json={"issuer": ISSUER.issuer, "subject": SUBJECT, "roles": ["operator"]},
        headers=admin,
    )
    assert granted.status_code == 200, granted.text
    eventually(lambda: manual_queue_status(platform) == 200, what="the router to apply it")

    member = granted.json()["member_id"]
    assert httpx.delete(f"{directory}/staff/{member}", headers=admin).status_code == 204
    eventually(lambda: manual_queue_status(platform) == 403, what="the router to revoke it")

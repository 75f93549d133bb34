"""Roles an administrator grants in the staff directory take effect in every service."""

from typing import Any

from services.identity import Role
from services.testing import InProcessPlatform
from tests.usecases.test_appeal_lifecycle import FALLEN_TREE, submit

ADMIN = "admin-olga"


def signed_in(platform: InProcessPlatform, subject: str) -> dict[str, str]:
    """A staff member whose token carries no roles: what they hold comes from the directory."""
    token = platform.issuer.token(subject, now=platform.clock.now().timestamp())
    return {"Authorization": f"Bearer {token}"}


async def grant(platform: InProcessPlatform, body: dict[str, Any], by: str = ADMIN) -> Any:
    answer = await platform.client("staff-directory").put(
        "/staff",
        json={"issuer": platform.issuer.issuer, **body},
        headers=platform.auth(Role.ADMIN, subject=by),
    )
    await platform.settled()
    return answer


async def test_a_granted_operator_works_the_manual_queue_until_revoked(
    platform: InProcessPlatform,
) -> None:
    anna = signed_in(platform, "anna")
    router = platform.client("router")
    assert (await router.get("/routing/manual", headers=anna)).status_code == 403

    granted = await grant(platform, {"subject": "anna", "roles": ["operator"], "name": "Анна"})
    assert granted.status_code == 200, granted.text
    assert (await router.get("/routing/manual", headers=anna)).status_code == 200

    member = granted.json()["member_id"]
    admin = platform.auth(Role.ADMIN, subject=ADMIN)
    directory = platform.client("staff-directory")
    listed = (await directory.get("/staff", params={"role": "operator"}, headers=admin)).json()
    assert [(m["subject"], m["name"], m["updated_by"]) for m in listed] == [("anna", "Анна", ADMIN)]
    assert (await directory.delete(f"/staff/{member}", headers=admin)).status_code == 204
    await platform.settled()
    assert (await router.get("/routing/manual", headers=anna)).status_code == 403
    assert (await directory.get(f"/staff/{member}", headers=admin)).status_code == 404


async def test_a_granted_dispatcher_acts_for_their_organisation_only(
    platform: InProcessPlatform,
) -> None:
    appeal_id = await submit(platform, FALLEN_TREE)  # routed to parks-dept
    body = {"subject": "ivan", "roles": ["executor_dispatcher"], "organisation": "parks-dept"}
    assert (await grant(platform, body)).status_code == 200
    ivan = signed_in(platform, "ivan")
    gateway = platform.client("executor-gateway")
    accepted = await gateway.post(
        f"/executors/parks-dept/assignments/{appeal_id}/accept", json={}, headers=ivan
    )
    assert accepted.status_code == 200, accepted.text
    elsewhere = await gateway.get("/executors/adm-centre/assignments", headers=ivan)
    assert elsewhere.status_code == 403


async def test_what_an_administrator_may_not_grant(platform: InProcessPlatform) -> None:
    own = await grant(platform, {"subject": ADMIN, "roles": ["operator", "admin"]})
    assert own.status_code == 403
    stranger = await grant(
        platform, {"issuer": "https://evil.example", "subject": "x", "roles": ["admin"]}
    )
    assert stranger.status_code == 422
    assert "not a trusted identity provider" in stranger.text
    assert (await grant(platform, {"subject": "c", "roles": ["citizen"]})).status_code == 422
    assert platform.published_types("identity.staff-roles") == []

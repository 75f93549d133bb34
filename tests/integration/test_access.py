"""A stranger is refused by the running services: no token, a forged token, another
organisation's staff or a citizen get nothing that is not theirs, and the operator who
routes by hand is the one the token names. (Every rule is unit-tested as a matrix in
tests/unit/services/test_access_matrix.py; this checks the processes as deployed.)"""

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from services.identity import Role
from services.local_issuer import LocalIssuer
from tests.integration.platform import ISSUER, Platform, auth_headers, eventually
from tests.integration.test_appeal_flow import (
    appeal,
    assignment,
    citizen,
    decisions,
    dispatcher,
    operator,
)

# Named demo-city points (deploy/demo-city/test_points.json) with categories no other test
# files there, so these appeals are nobody's duplicates and have none.
YARD_SEVERNAYA = {"lat": 62.047, "lon": 129.688}  # roof_leak → uk-severnaya
PROSPEKT_LENINA = {"lat": 62.03, "lon": 129.72}  # roof_leak: no rule → manual routing
FILED_TEXT = "Течёт крыша над третьим подъездом"
FILED_ADDRESS = "ул. Северная, д. 12, кв. 45"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass(frozen=True)
class Filed:
    appeal_id: str
    assignment_url: str
    """uk-severnaya's assignment of the appeal."""


@pytest.fixture(scope="module")
def filed(platform: Platform) -> Filed:
    """An appeal with text and address, filed by the flow tests' citizen and assigned to
    УК «Северная»."""
    response = httpx.post(
        f"{platform.intake.url}/appeals",
        json={
            "category": "roof_leak",
            "location": YARD_SEVERNAYA,
            "address": FILED_ADDRESS,
            "text": FILED_TEXT,
        },
        headers=citizen(),
    )
    assert response.status_code == 201, response.text
    appeal_id: str = response.json()["id"]
    eventually(lambda: assignment(platform, "uk-severnaya", appeal_id), what="the assignment")
    url = f"{platform.gateway.url}/executors/uk-severnaya/assignments/{appeal_id}"
    return Filed(appeal_id, url)


def test_without_a_believable_token_nothing_is_filed_and_no_inbox_is_read(
    platform: Platform,
) -> None:
    body = {"category": "roof_leak", "location": YARD_SEVERNAYA, "text": "Без входа"}
    anonymous = httpx.post(f"{platform.intake.url}/appeals", json=body)
    assert anonymous.status_code == 401, anonymous.text
    assert anonymous.headers["WWW-Authenticate"].startswith("Bearer")

    inbox = f"{platform.gateway.url}/executors/uk-severnaya/assignments"
    assert httpx.get(inbox).status_code == 401
    # The trusted issuer's name on a token signed with another key is not believed.
    forger = LocalIssuer.generate(ISSUER.issuer)
    forged = forger.token("intruder", [Role.EXECUTOR_DISPATCHER], organisation="uk-severnaya")
    refused = httpx.get(inbox, headers=bearer(forged))
    assert refused.status_code == 401, refused.text
    expired = ISSUER.token(
        "late", [Role.EXECUTOR_DISPATCHER], organisation="uk-severnaya", lifetime_s=1, now=1e9
    )
    assert httpx.get(inbox, headers=bearer(expired)).status_code == 401
    assert httpx.get(inbox, headers=dispatcher("uk-severnaya")).status_code == 200


def test_the_public_view_of_an_appeal_carries_no_personal_data(
    platform: Platform, filed: Filed
) -> None:
    url = f"{platform.intake.url}/appeals/{filed.appeal_id}"

    def view(headers: dict[str, str]) -> tuple[Any, ...]:
        response = httpx.get(url, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        return body["view"], body["text"], body["address"], body["category"]

    public = ("public", FILED_TEXT, None, "roof_leak")  # the public text: nothing to mask
    private = ("private", FILED_TEXT, FILED_ADDRESS, "roof_leak")
    assert view({}) == public, "anyone sees the appeal and its public text, not its address"
    assert view(citizen("another-citizen")) == public
    assert view(dispatcher("uk-severnaya")) == public, "the executor reads the assignment"
    assert view(citizen()) == private, "the citizen who filed it reads it whole"
    assert view(auth_headers(Role.MODERATOR)) == private
    assert appeal(platform, filed.appeal_id)["text"] == FILED_TEXT


def test_executor_staff_act_on_their_own_organisations_assignments_only(
    platform: Platform, filed: Filed
) -> None:
    stranger = dispatcher("uk-tsentralnaya")
    assert httpx.get(filed.assignment_url, headers=stranger).status_code == 403
    for headers in (stranger, citizen(), operator()):
        accepted = httpx.post(f"{filed.assignment_url}/accept", headers=headers)
        assert accepted.status_code == 403, accepted.text
    resolved = httpx.post(
        f"{filed.assignment_url}/resolve", json={"answer": "Не наше, но решено"}, headers=stranger
    )
    assert resolved.status_code == 403, resolved.text
    untouched = assignment(platform, "uk-severnaya", filed.appeal_id)
    assert untouched is not None
    assert untouched["status"] == "routed", "a stranger's attempts changed nothing"
    assert httpx.get(filed.assignment_url, headers=operator()).status_code == 200, (
        "an operator oversees every executor's assignments"
    )

    worker = auth_headers(Role.EXECUTOR_WORKER, organisation="uk-severnaya")
    accepted = httpx.post(f"{filed.assignment_url}/accept", headers=worker)
    assert accepted.status_code == 200, accepted.text
    eventually(
        lambda: appeal(platform, filed.appeal_id)["status"] == "accepted",
        what="the citizen to see the appeal accepted by its own executor",
    )


def test_the_operator_who_routes_by_hand_is_the_signed_in_caller(platform: Platform) -> None:
    response = httpx.post(
        f"{platform.intake.url}/appeals",
        json={"category": "roof_leak", "location": PROSPEKT_LENINA, "text": "Крыша киоска"},
        headers=citizen(),
    )
    assert response.status_code == 201, response.text
    appeal_id = response.json()["id"]
    eventually(
        lambda: appeal(platform, appeal_id)["status"] == "manual_routing", what="manual routing"
    )
    queue = f"{platform.router.url}/routing/manual"
    assert httpx.get(queue).status_code == 401
    assert httpx.get(queue, headers=citizen()).status_code == 403
    assert httpx.get(queue, headers=dispatcher("uk-lenskaya")).status_code == 403

    routing = f"{queue}/{appeal_id}"
    body = {"executor_id": "uk-lenskaya", "note": "киоск во дворе УК"}
    strangers = [
        ("nobody", {}, 401),
        ("a citizen", citizen(), 403),
        ("an executor", dispatcher("uk-lenskaya"), 403),
        ("a curator", auth_headers(Role.CURATOR), 403),
    ]
    for who, headers, code in strangers:
        refused = httpx.post(routing, json=body, headers=headers)
        assert refused.status_code == code, (who, refused.text)
    decided = httpx.post(routing, json=body, headers=operator("petrova"))
    assert decided.status_code == 200, decided.text
    assert decided.json()["decided_by"] == "petrova"
    assert decisions(platform, appeal_id)[-1]["decided_by"] == "petrova"

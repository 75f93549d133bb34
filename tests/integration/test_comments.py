"""Comments on real Kafka: the comments service learns from `appeal.submitted` and
`appeal.events` who speaks for an appeal, so the executor's dispatcher may comment once
the router has routed it, and the citizen reads the comment (the rules are tested in
tests/usecases/test_comments.py; this checks the processes as deployed)."""

from typing import Any

import httpx

from services.identity import Role
from tests.integration.platform import Platform, auth_headers, eventually

CITIZEN = "citizen-of-the-comments-test"
YARD_TSENTRALNAYA = {"lat": 62.0255, "lon": 129.69}  # УК «Центральная»'s territory
EXECUTOR = "uk-tsentralnaya"


def test_the_executors_dispatcher_comments_once_routed_and_the_citizen_reads_it(
    platform: Platform,
) -> None:
    filed = httpx.post(
        f"{platform.intake.url}/appeals",
        json={"category": "playground", "location": YARD_TSENTRALNAYA, "text": "Сломаны качели"},
        headers=auth_headers(Role.CITIZEN, subject=CITIZEN),
    )
    assert filed.status_code == 201, filed.text
    appeal_id = filed.json()["id"]
    comments = f"{platform['comments'].url}/appeals/{appeal_id}/comments"
    dispatcher = auth_headers(Role.EXECUTOR_DISPATCHER, organisation=EXECUTOR)

    def commented() -> httpx.Response | None:
        answer = httpx.post(comments, json={"text": "Вывезем в среду"}, headers=dispatcher)
        assert answer.status_code in {201, 403, 404}, answer.text  # 403/404: not routed yet
        return answer if answer.status_code == 201 else None

    posted = eventually(commented, what="the comments service to learn the appeal's executor")
    assert posted.json()["author"] == "executor"

    read = httpx.get(comments, headers=auth_headers(Role.CITIZEN, subject=CITIZEN))
    assert read.status_code == 200, read.text
    seen: list[dict[str, Any]] = read.json()
    assert [(c["text"], c["author"], c["executor_id"]) for c in seen] == [
        ("Вывезем в среду", "executor", EXECUTOR)
    ]
    answered = httpx.post(
        comments,
        json={"text": "Спасибо"},
        headers=auth_headers(Role.CITIZEN, subject=CITIZEN),
    )
    assert answered.status_code == 201, answered.text

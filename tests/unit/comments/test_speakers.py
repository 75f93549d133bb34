"""Who may comment on an appeal, read its comments and add photos to them."""

import pytest

from comments.domain.speakers import (
    NotASpeaker,
    PostedComment,
    Speakers,
    TooManyPhotos,
    check_may_attach,
    check_may_post,
    check_may_see,
    readable,
)
from contracts.events import CommentAuthor, CommentVisibility
from contracts.roles import Role
from services.identity import Principal

PUBLIC, INTERNAL = CommentVisibility.PUBLIC, CommentVisibility.INTERNAL
SSO, PHONE = "https://sso.city", "https://intake.city"


def person(subject: str, *roles: Role, organisation: str | None = None) -> Principal:
    issuer = PHONE if roles == (Role.CITIZEN,) else SSO
    return Principal(subject, issuer, frozenset(roles), organisation=organisation)


CITIZEN = person("citizen-1", Role.CITIZEN)
NEIGHBOUR = person("citizen-2", Role.CITIZEN)
DISPATCHER = person("d-1", Role.EXECUTOR_DISPATCHER, organisation="uk-1")
WORKER = person("w-1", Role.EXECUTOR_WORKER, organisation="uk-1")
OTHER_EXECUTOR = person("d-2", Role.EXECUTOR_DISPATCHER, organisation="uk-2")
HELD = Speakers(citizen_id=CITIZEN.pseudonym, executor_id="uk-1")
UNHELD = Speakers(citizen_id=CITIZEN.pseudonym, executor_id=None)


@pytest.mark.parametrize("staff", [DISPATCHER, WORKER])
@pytest.mark.parametrize("visibility", list(CommentVisibility))
def test_the_holding_executors_staff_speak_as_the_executor(
    staff: Principal, visibility: CommentVisibility
) -> None:
    assert check_may_post(staff, HELD, visibility) is CommentAuthor.EXECUTOR
    assert readable(staff, HELD) == {PUBLIC, INTERNAL}


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.MODERATOR, Role.CURATOR, Role.ADMIN])
@pytest.mark.parametrize("speakers", [HELD, UNHELD, Speakers()])
def test_the_citys_staff_speak_on_every_appeal(role: Role, speakers: Speakers) -> None:
    staff = person(f"{role}-1", role)
    for visibility in CommentVisibility:
        assert check_may_post(staff, speakers, visibility) is CommentAuthor.CITY
    assert readable(staff, speakers) == {PUBLIC, INTERNAL}


def test_the_citizen_speaks_in_public_only() -> None:
    assert check_may_post(CITIZEN, HELD, PUBLIC) is CommentAuthor.CITIZEN
    with pytest.raises(NotASpeaker, match="internal comments are for staff"):
        check_may_post(CITIZEN, HELD, INTERNAL)
    assert readable(CITIZEN, HELD) == {PUBLIC}


def test_the_citizen_is_known_by_pseudonym_not_by_name() -> None:
    same_subject_elsewhere = Principal("citizen-1", "https://other.idp", frozenset({Role.CITIZEN}))
    with pytest.raises(NotASpeaker):
        check_may_post(same_subject_elsewhere, HELD, PUBLIC)


@pytest.mark.parametrize(
    ("stranger", "speakers"),
    [
        (NEIGHBOUR, HELD),
        (OTHER_EXECUTOR, HELD),
        (DISPATCHER, UNHELD),  # redirected away, or waiting for manual routing
        (DISPATCHER, Speakers(citizen_id=CITIZEN.pseudonym, executor_id="uk-2")),
        (CITIZEN, Speakers(executor_id="uk-1")),  # the filing was never heard of
    ],
)
def test_strangers_neither_speak_nor_read_internal_comments(
    stranger: Principal, speakers: Speakers
) -> None:
    for visibility in CommentVisibility:
        with pytest.raises(NotASpeaker):
            check_may_post(stranger, speakers, visibility)
    assert readable(stranger, speakers) == {PUBLIC}
    with pytest.raises(NotASpeaker):
        check_may_see(stranger, speakers, INTERNAL)
    check_may_see(stranger, speakers, PUBLIC)


def test_nobody_signed_in_reads_public_comments_only() -> None:
    assert readable(None, HELD) == {PUBLIC}
    check_may_see(None, HELD, PUBLIC)
    with pytest.raises(NotASpeaker):
        check_may_see(None, HELD, INTERNAL)


def comment_by(
    author: Principal, visibility: CommentVisibility = PUBLIC, photos: int = 0
) -> PostedComment:
    return PostedComment(author.pseudonym, visibility, photos)


def test_the_author_adds_photos_up_to_the_limit() -> None:
    check_may_attach(CITIZEN, HELD, comment_by(CITIZEN, photos=4), limit=5)
    check_may_attach(DISPATCHER, HELD, comment_by(DISPATCHER, INTERNAL), limit=5)
    with pytest.raises(TooManyPhotos, match="at most 5"):
        check_may_attach(CITIZEN, HELD, comment_by(CITIZEN, photos=5), limit=5)


def test_only_the_author_adds_photos_and_only_while_still_a_speaker() -> None:
    with pytest.raises(NotASpeaker, match="author"):
        check_may_attach(WORKER, HELD, comment_by(DISPATCHER), limit=5)
    with pytest.raises(NotASpeaker, match="author"):
        check_may_attach(person("op", Role.OPERATOR), HELD, comment_by(CITIZEN), limit=5)
    with pytest.raises(NotASpeaker):  # the executor was redirected away since
        check_may_attach(DISPATCHER, UNHELD, comment_by(DISPATCHER), limit=5)

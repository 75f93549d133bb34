"""Intake's automatic checks: what is masked in the public text, what holds an appeal."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from intake.city import read_moderation
from intake.domain.moderation import Checks, ModerationRules

DEMO_CITY = Path(__file__).parents[3] / "deploy" / "demo-city"
RULES = ModerationRules(
    obscene=("идиот", "придур", r"д[еи]бил"),
    stop_words=("казино", "ставки на спорт"),
    first_names=("Иван", "Мария", "Сергей", "Ольга", "Карл"),
)
CHECKS = Checks(RULES)


def public(text: str) -> str:
    return CHECKS.screen(text).public_text


@pytest.mark.parametrize(
    "phone",
    [
        "+7 914 123-45-67",
        "+79141234567",
        "8 (914) 123 45 67",
        "89141234567",
        "8-914-123-45-67",
        "8 4112 42-12-34",  # a Yakutsk landline with its area code
    ],
)
def test_phone_numbers_in_any_common_spelling_are_masked(phone: str) -> None:
    screened = CHECKS.screen(f"Звоните {phone} вечером")
    assert screened.public_text == "Звоните [телефон] вечером"
    assert screened.masked == ("[телефон]",)
    assert not screened.held, "masking alone holds nothing"


def test_e_mail_addresses_are_masked() -> None:
    assert public("Пишите ivan.petrov+yard@mail.ru или a_b@yandex.ru.") == (
        "Пишите [e-mail] или [e-mail]."
    )


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("Сосед Иванов И.И. ставит машину", "Сосед [имя] ставит машину"),
        ("Передайте И. И. Иванову", "Передайте [имя]"),
        ("Начальник И.И. Сидоренко не отвечает", "Начальник [имя] не отвечает"),
        ("Мастер П. Петров обещал", "Мастер [имя] обещал"),
        ("Иван Петрович Сидоров обещал", "[имя] обещал"),
        ("Обещала Анна Сергеевна", "Обещала [имя]"),  # not on the list: the patronymic
        ("Звонил Иванов Иван", "Звонил [имя]"),
        ("Мария Петрова из ЖЭУ", "[имя] из ЖЭУ"),
        ("пришёл с Сергеем и Ольгой", "пришёл с [имя] и [имя]"),
    ],
)
def test_peoples_names_are_masked(text: str, masked: str) -> None:
    assert public(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "Яма на ул. Ленина у дома 5, кв. 45",
        "улица Карла Маркса, проспект Мира, им. М.К. Аммосова",
        "На площади Ленина не горят фонари",
        "Течёт крыша над третьим подъездом, 12.03.2024, 2 500 рублей",
        "Иванов опять не вывез мусор",  # a bare surname: a documented miss
        "В доме 12 корпус А нет воды",
    ],
)
def test_ordinary_text_streets_and_numbers_stay_as_written(text: str) -> None:
    screened = CHECKS.screen(text)
    assert (screened.public_text, screened.masked, screened.held) == (text, (), False)


def test_obscene_stems_hold_inside_longer_words_whatever_the_case_or_letters() -> None:
    screened = CHECKS.screen("Эти ПРИДУРКИ из УК и идиoты (латинская o)")
    assert screened.held
    assert screened.hold_reasons == (
        "obscene language: «идиоты»",
        "obscene language: «придурки»",
    )
    assert screened.public_text == "Эти ПРИДУРКИ из УК и идиoты (латинская o)", "not masked"
    assert CHECKS.screen("Дебилы сломали качели").hold_reasons == ("obscene language: «дебилы»",), (
        "a regular expression"
    )


def test_stop_words_hold_as_whole_words_and_phrases_only() -> None:
    assert CHECKS.screen("Лучшее КАЗИНО, ставки  на спорт").hold_reasons == (
        "stop word: «казино»",
        "stop word: «ставки  на спорт»",
    )
    assert not CHECKS.screen("Казиноподобный шум и ставки на ремонт").held


def test_the_address_is_checked_for_words_that_hold_too() -> None:
    assert CHECKS.screen("Яма", address="ул. Идиотская, 1").held
    assert not CHECKS.screen("Яма", address="ул. Ленина, 1").held


def test_the_defaults_hold_nothing_and_still_mask_by_shape() -> None:
    screened = Checks().screen("Идиот Иванов И.И., звоните 89141234567, Иван")
    assert not screened.held
    assert screened.public_text == "Идиот [имя], звоните [телефон], Иван"
    assert [r.code for r in ModerationRules().reject_reasons] == [
        "abusive",
        "spam",
        "not_an_appeal",
        "duplicate_of_other_channel",
    ]


def test_a_broken_regular_expression_is_refused_when_the_lists_are_read() -> None:
    with pytest.raises(ValidationError, match="is not a regular expression"):
        ModerationRules(obscene=("(unclosed",))


def test_the_demo_citys_lists_load_and_work() -> None:
    rules = read_moderation(DEMO_CITY)
    assert rules is not None
    screened = Checks(rules).screen("Сергей из УК — идиот")
    assert (screened.public_text, screened.held) == ("[имя] из УК — идиот", True)
    assert read_moderation(DEMO_CITY / "no-such-city") is None

"""A city's channels: its `channels.json`, or the defaults without one; a bad file is
refused naming each problem."""

import json
from pathlib import Path

import pytest

from contracts.channels import (
    DEFAULT_DECLARED_CHANNELS,
    ChannelsError,
    DeclaredChannel,
    parse_channels,
    read_channels,
)
from contracts.events import DEFAULT_CHANNELS

DEMO_CITY = Path(__file__).resolve().parents[3] / "deploy" / "demo-city"


def test_a_city_without_the_file_has_the_default_channels(tmp_path: Path) -> None:
    channels = read_channels(tmp_path)
    assert channels == DEFAULT_DECLARED_CHANNELS
    assert [c.id for c in channels] == list(DEFAULT_CHANNELS)
    assert all(c.name for c in channels)


def test_the_demo_city_adds_the_telephone_hotline_to_the_defaults() -> None:
    channels = read_channels(DEMO_CITY)
    assert DeclaredChannel(id="phone", name="Телефон горячей линии") in channels
    assert set(DEFAULT_CHANNELS) <= {c.id for c in channels}


def test_channels_keep_the_order_the_city_lists_them_in() -> None:
    text = json.dumps([{"id": "phone", "name": "Phone"}, {"id": "web", "name": "Site"}])
    assert [c.id for c in parse_channels(text)] == ["phone", "web"]


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        (
            [{"id": "web", "name": "Site"}, {"id": "web", "name": "Site again"}],
            "duplicate channel id 'web' (entries 1 and 2)",
        ),
        ([{"id": "Phone", "name": "Phone"}], "entry 1, id 'Phone': a channel id is a lower-case"),
        ([{"id": "p" * 33, "name": "Long"}], "entry 1, id 'ppp"),
        ([{"id": "phone"}], "entry 1, name: Field required"),
        ([{"id": "phone", "name": "  "}], "entry 1, name '  '"),
        ([{"id": "phone", "name": "P", "colour": "red"}], "entry 1, colour 'red'"),
        ({"phone": "Phone"}, "must be a list of {id, name} objects"),
        ([], "declares no channels"),
    ],
)
def test_a_bad_file_is_refused_naming_the_problem(document: object, problem: str) -> None:
    with pytest.raises(ChannelsError) as refused:
        parse_channels(json.dumps(document), "city/channels.json")
    assert str(refused.value).startswith("city/channels.json: ")
    assert problem in str(refused.value)


def test_a_file_that_is_not_json_is_refused(tmp_path: Path) -> None:
    (tmp_path / "channels.json").write_text('[{"id": "web", ')
    with pytest.raises(ChannelsError, match=r"channels\.json: not valid JSON"):
        read_channels(tmp_path)

"""The router knows the city's channels: rules may name only those, whether they come with
the city (`load-city`) or later (`rules check`, `rules publish` start from the stored
city)."""

import json
import shutil
from pathlib import Path

import pytest

from router.city import CityError, read_city
from router.domain.appeal import AppealToRoute
from router.domain.routing import Routed, RuleSetError
from router.domain.rules import RuleSet
from router.store.repository import City, build_router
from router.store.tables import ChannelRow

DEMO_CITY = Path(__file__).resolve().parents[3] / "deploy" / "demo-city"

PHONE_RULES = RuleSet.model_validate(
    {
        "version": 2,
        "rules": [
            {
                "id": "hotline-potholes",
                "categories": ["pothole"],
                "channels": ["phone"],
                "executor": "roads-dept",
            }
        ],
    }
)


def test_the_demo_city_declares_the_telephone_hotline() -> None:
    city, _ = read_city(DEMO_CITY)
    assert "phone" in {c.id for c in city.channels}
    hotline = build_router(PHONE_RULES, city)
    decision = hotline.decide(AppealToRoute("pothole", lon=129.69, lat=62.0255, channel="phone"))
    assert isinstance(decision, Routed)
    assert decision.executor_id == "roads-dept"


def test_a_city_without_channels_json_refuses_rules_naming_other_channels(
    tmp_path: Path,
) -> None:
    shutil.copytree(DEMO_CITY, tmp_path, dirs_exist_ok=True)
    (tmp_path / "channels.json").unlink()
    (tmp_path / "rules.yaml").write_text(json.dumps(PHONE_RULES.model_dump(mode="json")))
    with pytest.raises(CityError, match="rule 'hotline-potholes': the city declares no channel"):
        read_city(tmp_path)


def test_a_bad_channels_json_stops_the_city_loading(tmp_path: Path) -> None:
    shutil.copytree(DEMO_CITY, tmp_path, dirs_exist_ok=True)
    (tmp_path / "channels.json").write_text('[{"id": "Phone", "name": "Hotline"}]')
    with pytest.raises(ValueError, match="entry 1, id 'Phone'"):
        read_city(tmp_path)


def test_new_rules_are_checked_against_the_stored_citys_channels() -> None:
    """What `rules check` and `rules publish` do: the router built from the stored city
    takes the draft, or refuses it."""
    demo, _ = read_city(DEMO_CITY)
    in_force = RuleSet.model_validate(
        {"version": 1, "rules": [{"id": "roads", "groups": ["roads"], "executor": "roads-dept"}]}
    )
    stored = City(demo.territories, demo.executors, demo.categories, demo.buildings)
    defaults = build_router(in_force, stored)  # stored before channels were declared
    with pytest.raises(RuleSetError, match="declares no channel 'phone'"):
        defaults.with_rules(PHONE_RULES)
    stored.channels = [ChannelRow(id="web", name="Site"), ChannelRow(id="phone", name="Hotline")]
    assert build_router(in_force, stored).with_rules(PHONE_RULES).rules.version == 2

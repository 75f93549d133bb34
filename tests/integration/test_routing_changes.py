"""Rule sets and territories change while appeals flow: no appeal is routed by a
half-applied rule set, and every decision names the version that made it."""

import json
import random
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import yaml

from contracts.declarations import declaration_of
from services.identity import Role
from tests.infrastructure import SessionKafka, free_port
from tests.integration.kafka_io import read_all, scalar
from tests.integration.platform import (
    CITY,
    Platform,
    ServiceProcess,
    auth_headers,
    eventually,
    provision_principals,
)

CENTRE_DISTRICT = (62.0225, 62.0375, 129.675, 129.760)  # lat, lat, lon, lon inside it


def rules_document(version: int, roads_to_department: bool) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((CITY / "rules.yaml").read_text())
    document["version"] = version
    if roads_to_department:
        for rule in document["rules"]:
            if rule["id"] == "roads-by-district":
                del rule["executor_from_territory"]
                rule["executor"] = "roads-dept"
    return document


def write(tmp_path: Path, name: str, document: dict[str, Any]) -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(document, allow_unicode=True))
    return path


def test_a_rule_set_published_under_load_switches_whole(
    platform: Platform, tmp_path: Path, another_instance: Callable[[ServiceProcess], ServiceProcess]
) -> None:
    router = platform.router
    second = another_instance(router)  # a second instance: both share the work and both must switch
    current = scalar(router.database_url, "SELECT max(version) FROM rule_sets")
    v_next = write(tmp_path, "next.yaml", rules_document(current + 1, roads_to_department=True))

    checked = router.run("rules", "check", str(v_next), "--replay", "500")
    assert f"valid rule set v{current + 1}" in checked.stdout

    rng = random.Random(11)
    ids: list[str] = []
    stop = threading.Event()
    citizen = auth_headers(Role.CITIZEN, subject="citizen-of-the-rule-switch")

    def submit_potholes() -> None:
        while not stop.is_set() and len(ids) < 2000:
            lat_lo, lat_hi, lon_lo, lon_hi = CENTRE_DISTRICT
            location = {"lat": rng.uniform(lat_lo, lat_hi), "lon": rng.uniform(lon_lo, lon_hi)}
            response = httpx.post(
                f"{platform.intake.url}/appeals",
                json={"category": "pothole", "location": location, "text": "яма (смена правил)"},
                headers=citizen,
                timeout=30,
            )
            assert response.status_code == 201, response.text
            ids.append(response.json()["id"])

    def decided(version: int) -> int:
        in_ids = ", ".join(f"'{i}'" for i in list(ids)) or "NULL"
        return scalar(
            router.database_url,
            f"SELECT count(*) FROM routing_decisions WHERE appeal_id IN ({in_ids})"
            f" AND rule_set_version = {version}",
        )

    def in_force(instance: ServiceProcess) -> int:
        rules = httpx.get(f"{instance.url}/routing/rules", headers=auth_headers(Role.OPERATOR))
        version: int = rules.json()["version"]
        return version

    submitter = threading.Thread(target=submit_potholes)
    submitter.start()
    try:
        eventually(lambda: decided(current) >= 15, what="decisions under the old rules")
        router.run("rules", "publish", str(v_next), "--by", "test")
        eventually(
            lambda: in_force(router) == in_force(second) == current + 1,
            what="both router instances to switch",
        )
        switched_at = datetime.now(UTC)
        eventually(lambda: decided(current + 1) >= 15, what="decisions under the new rules")
        eventually(
            lambda: (
                scalar(
                    router.database_url,
                    f"SELECT count(*) FROM appeals WHERE category = 'pothole'"
                    f" AND submitted_at > '{switched_at.isoformat()}'",
                )
                >= 5
            ),
            what="appeals submitted after both switched",
        )
    finally:
        stop.set()
        submitter.join()
        second.stop()

    in_ids = ", ".join(f"'{i}'" for i in ids)
    eventually(
        lambda: (
            scalar(
                router.database_url,
                f"SELECT count(*) FROM routing_decisions WHERE appeal_id IN ({in_ids})",
            )
            == len(ids)
        ),
        what="every pothole decided",
    )
    by_district = f"SELECT count(*) FROM routing_decisions WHERE appeal_id IN ({in_ids}) AND rule_id = 'roads-by-district'"
    old_rules_wrong = scalar(
        router.database_url,
        f"{by_district} AND rule_set_version = {current} AND executor_id = 'roads-dept'",
    )
    new_rules_wrong = scalar(
        router.database_url,
        f"{by_district} AND rule_set_version = {current + 1} AND executor_id <> 'roads-dept'",
    )
    assert (old_rules_wrong, new_rules_wrong) == (0, 0)
    after_switch = (
        f"SELECT count(*) FROM routing_decisions d JOIN appeals a USING (appeal_id)"
        f" WHERE d.appeal_id IN ({in_ids}) AND a.submitted_at > '{switched_at.isoformat()}'"
    )
    assert scalar(router.database_url, after_switch) >= 5
    stale = scalar(router.database_url, f"{after_switch} AND d.rule_set_version = {current}")
    assert stale == 0, "once every instance switched, no appeal is routed by the old rules"

    # Restore the demo routing for whoever comes next, under a new version.
    restore = write(
        tmp_path, "restore.yaml", rules_document(current + 2, roads_to_department=False)
    )
    router.run("rules", "publish", str(restore), "--by", "test")
    eventually(
        lambda: (
            httpx.get(f"{router.url}/health/ready").status_code == 200
            and scalar(router.database_url, "SELECT max(version) FROM rule_sets") == current + 2
        ),
        what="the restored rules",
    )


def test_bad_rule_sets_are_refused_before_anything_is_published(
    platform: Platform, tmp_path: Path
) -> None:
    router = platform.router
    current = scalar(router.database_url, "SELECT max(version) FROM rule_sets")
    unknown = rules_document(current + 10, roads_to_department=True)
    unknown["rules"][0]["executor"] = "no-such-executor"
    refused = router.run("rules", "publish", str(write(tmp_path, "u.yaml", unknown)), check=False)
    assert refused.returncode == 1
    assert "unknown executor 'no-such-executor'" in refused.stdout
    assert "u.yaml:" in refused.stdout  # with its file and line
    assert "rules[0].executor" in refused.stdout

    stale = router.run(
        "rules",
        "publish",
        str(write(tmp_path, "s.yaml", rules_document(current, True))),
        check=False,
    )
    assert stale.returncode == 1
    assert "not newer" in stale.stdout

    broken = tmp_path / "broken.yaml"
    broken.write_text("version: 99\nrules:\n  - id: x\n    categories: [pothole]\n")
    bad = router.run("rules", "check", str(broken), check=False)
    assert bad.returncode == 1
    assert "broken.yaml:3: rules[0]" in bad.stdout
    assert scalar(router.database_url, "SELECT max(version) FROM rule_sets") == current


def feature(id_: str, ring: list[list[float]], executor: str | None) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {"id": id_, "kind": "zone", "name": id_, "executor_id": executor},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


SQUARE = [
    [129.700, 62.044],
    [129.704, 62.044],
    [129.704, 62.046],
    [129.700, 62.046],
    [129.700, 62.044],
]


def test_territory_import_checks_every_feature_then_routers_reload(
    platform: Platform, tmp_path: Path
) -> None:
    bowtie = [[129.70, 62.04], [129.71, 62.05], [129.71, 62.04], [129.70, 62.05], [129.70, 62.04]]
    bad = {
        "type": "FeatureCollection",
        "features": [
            feature("zone-ok", SQUARE, "parks-dept"),
            feature("zone-bowtie", bowtie, "parks-dept"),
            feature("zone-nobody", SQUARE, "ghost-dept"),
        ],
    }
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps(bad))
    refused = platform.router.run("territories", "import", str(path), check=False)
    assert refused.returncode == 1
    assert "feature 2 (id 'zone-bowtie'): invalid polygon: Self-intersection" in refused.stdout
    assert "feature 3 (id 'zone-nobody'): unknown executor 'ghost-dept'" in refused.stdout
    assert (
        scalar(
            platform.router.database_url, "SELECT count(*) FROM territories WHERE id LIKE 'zone-%'"
        )
        == 0
    )

    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [feature("zone-new-square", SQUARE, "parks-dept")],
            }
        )
    )
    done = platform.router.run("territories", "import", str(path))
    assert "imported 1 territories" in done.stdout

    def territories_of_new_appeal() -> list[str] | None:
        response = httpx.post(
            f"{platform.intake.url}/appeals",
            json={
                "category": "heating_outage",
                "location": {"lat": 62.045, "lon": 129.702},
                "text": "Холодно",
            },
            headers=auth_headers(Role.CITIZEN, subject="citizen-of-the-territory-import"),
        )
        assert response.status_code == 201, response.text
        appeal_id = response.json()["id"]
        decisions = f"{platform.router.url}/routing/decisions/{appeal_id}"
        decided = eventually(
            lambda: (
                (r := httpx.get(decisions, headers=auth_headers(Role.OPERATOR))).status_code == 200
                and r.json()
            ),
            what="a decision",
        )
        territory_ids: list[str] = decided[0]["territory_ids"]
        return territory_ids if "zone-new-square" in territory_ids else None

    eventually(territories_of_new_appeal, timeout_s=60, what="routers to reload territories")
    # The announcement went through the router's outbox: relayed, then gone from the table.
    announced = [
        json.loads(r.value)
        for r in read_all(platform.kafka, r"^routing\.changes$")
        if r.headers.get("event-type") == "TerritoriesChanged"
    ]
    assert any(e["payload"]["source"] == path.name for e in announced), announced
    assert (
        scalar(
            platform.router.database_url,
            "SELECT count(*) FROM outbox_messages WHERE topic = 'routing.changes'",
        )
        == 0
    )


def test_territory_import_commits_its_announcement_with_the_territories(
    kafka: SessionKafka, postgres_url: str, tmp_path: Path
) -> None:
    """No dual write: the import stages `TerritoriesChanged` in the outbox in its own
    transaction and never talks to Kafka (here unreachable, with no router running)."""
    provision_principals(kafka)
    offline = ServiceProcess(
        "router",
        {
            **kafka.service_env(declaration_of("router")),
            "ROUTER_DATABASE_URL": f"{postgres_url}/router_import_{uuid4().hex[:8]}",
        },
        tmp_path / "router-offline.log",
    )
    offline.run("migrate")
    offline.run("load-city", str(CITY))
    offline.env["KAFKA_BOOTSTRAP_SERVERS"] = f"127.0.0.1:{free_port()}"  # nobody listens
    path = tmp_path / "offline.geojson"
    path.write_text(
        json.dumps(
            {"type": "FeatureCollection", "features": [feature("zone-x", SQUARE, "parks-dept")]}
        )
    )

    done = offline.run("territories", "import", str(path))

    assert "imported 1 territories" in done.stdout
    event = "convert_from(value, 'UTF8')::json"
    staged = scalar(
        offline.database_url,
        "SELECT count(*) FROM outbox_messages WHERE topic = 'routing.changes'"
        " AND headers::json->>'event-type' = 'TerritoriesChanged'"
        f" AND {event}->'payload'->>'source' = 'offline.geojson'"
        f" AND ({event}->'payload'->>'territories')::int = (SELECT count(*) FROM territories)",
    )
    assert (staged, scalar(offline.database_url, "SELECT count(*) FROM outbox_messages")) == (1, 1)
    assert scalar(offline.database_url, "SELECT count(*) FROM territories WHERE id = 'zone-x'") == 1

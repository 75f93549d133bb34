"""The Kubernetes manifests agree with the code: commands, probes, ports, settings, topics."""

from pathlib import Path
from typing import Any

import pytest
import yaml

from contracts.topics import CORE_TOPICS, ROUTING_CHANGES
from executor_gateway.settings import GatewaySettings
from intake.settings import IntakeSettings
from router.settings import RouterSettings
from services.settings import ServiceSettings

K8S = Path(__file__).resolve().parents[3] / "deploy" / "k8s"
SERVICES: dict[str, tuple[str, type[ServiceSettings]]] = {
    "intake": ("INTAKE", IntakeSettings),
    "router": ("ROUTER", RouterSettings),
    "executor_gateway": ("GATEWAY", GatewaySettings),
}
SHARED_ENV = {"KAFKA_BOOTSTRAP_SERVERS", "KAFKA_TOPIC_PARTITIONS", "POSTGRES_URL"}


def documents() -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for path in sorted(K8S.glob("*.yaml")):
        docs += [d for d in yaml.safe_load_all(path.read_text()) if d]
    return docs


def of_kind(kind: str) -> list[dict[str, Any]]:
    return [d for d in documents() if d["kind"] == kind]


def test_kustomization_lists_every_manifest() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    files = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(kustomization["resources"]) == files


def containers(doc: dict[str, Any]) -> list[dict[str, Any]]:
    spec = doc["spec"]["template"]["spec"]
    return [*spec.get("initContainers", []), *spec["containers"]]


def check_env(env: list[dict[str, Any]]) -> dict[str, Any]:
    """Every variable a container gets is a setting some service reads."""
    names = {e["name"]: e for e in env}
    for name in names:
        if name in SHARED_ENV:
            continue
        prefix = next((p for p, _ in SERVICES.values() if name.startswith(f"{p}_")), None)
        assert prefix is not None, f"{name} is read by no service"
        settings = next(s for p, s in SERVICES.values() if p == prefix)
        field = name.removeprefix(f"{prefix}_").lower()
        assert field in settings.model_fields, f"{name}: {settings.__name__} has no {field}"
    return names


@pytest.mark.parametrize("deployment", of_kind("Deployment"), ids=lambda d: d["metadata"]["name"])
def test_each_deployment_runs_a_service_as_the_code_expects(deployment: dict[str, Any]) -> None:
    init, main = containers(deployment)
    module = main["command"][2]
    assert module in SERVICES
    prefix, _ = SERVICES[module]
    assert main["command"] == ["python", "-m", module, "serve"]
    assert init["command"] == ["python", "-m", module, "migrate"]
    for container in (init, main):
        env = check_env(container["env"])
        assert f"{prefix}_DATABASE_URL" in env
        assert "KAFKA_BOOTSTRAP_SERVERS" in env
    env = check_env(main["env"])
    port = int(env[f"{prefix}_HTTP_PORT"]["value"])
    assert main["ports"] == [{"name": "http", "containerPort": port}]
    assert main["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    assert main["livenessProbe"]["httpGet"]["path"] == "/health/live"
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/port"] == str(port)
    database = env[f"{prefix}_DATABASE_URL"]["valueFrom"]["secretKeyRef"]["name"]
    clusters = {c["metadata"]["name"] for c in of_kind("Cluster")}
    assert database.removesuffix("-app") in clusters, "each service has its own PostgreSQL"


def test_the_shared_topics_exist_and_routing_changes_is_compacted() -> None:
    topics = {t["spec"]["topicName"]: t["spec"] for t in of_kind("KafkaTopic")}
    assert set(CORE_TOPICS) | {ROUTING_CHANGES} <= set(topics)
    assert topics[ROUTING_CHANGES]["config"]["cleanup.policy"] == "compact"


def test_the_demo_city_job_gives_every_service_its_database() -> None:
    (job,) = of_kind("Job")
    env = check_env(job["spec"]["template"]["spec"]["containers"][0]["env"])
    assert {f"{p}_DATABASE_URL" for p, _ in SERVICES.values()} <= set(env)

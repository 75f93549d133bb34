"""The Kubernetes manifests are generated from the declarations, agree with the code
(commands, probes, ports, settings, topics) and are valid for the API server, offline."""

import copy
import json
from dataclasses import replace
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import kubernetes_validate  # type: ignore[import-untyped]
import pytest
import yaml
from pydantic import TypeAdapter
from referencing import Registry, Resource

from contracts.declarations import (
    Publication,
    ServiceDeclaration,
    declaration_of,
    declared_services,
)
from contracts.events import RuleSetPublished
from contracts.topics import ROUTING_CHANGES
from services.discovery import settings_class
from services.identity import Role, TrustedIssuer
from services.kafka_acls import CLUSTER, service_principal
from services.manifests import GENERATED, K8S_DIR, manifests, stale_files, write

SHARED_ENV = {
    "KAFKA_BOOTSTRAP_SERVERS",
    "KAFKA_TOPIC_PARTITIONS",
    "KAFKA_SECURITY_PROTOCOL",
    "KAFKA_SASL_MECHANISM",
    "IDENTITY_ISSUERS",
}


def load(text: str) -> list[dict[str, Any]]:
    return [d for d in yaml.load_all(text, Loader=yaml.CSafeLoader) if d]


def documents() -> list[dict[str, Any]]:
    """Every resource kustomize would apply (the kustomization itself is not one)."""
    return [
        doc
        for path in sorted(K8S_DIR.glob("*.yaml"))
        if path.name != "kustomization.yaml"
        for doc in load(path.read_text())
    ]


def of_kind(kind: str) -> list[dict[str, Any]]:
    return [d for d in documents() if d["kind"] == kind]


def test_the_generated_manifests_are_current() -> None:
    assert stale_files() == [], "run: python -m services manifests"


def test_the_check_names_changed_and_left_over_files(tmp_path: Path) -> None:
    write(tmp_path)
    assert stale_files(tmp_path) == []
    (tmp_path / "router.yaml").write_text("# edited by hand\n")
    (tmp_path / "retired-service.yaml").write_text(GENERATED)
    (tmp_path / "namespace.yaml").write_text("# hand-written, not generated\n")
    assert stale_files(tmp_path) == ["retired-service.yaml", "router.yaml"]
    write(tmp_path)
    assert stale_files(tmp_path) == []
    assert not (tmp_path / "retired-service.yaml").exists()
    assert (tmp_path / "namespace.yaml").exists()


def test_a_new_service_needs_no_hand_edit() -> None:
    newcomer = replace(
        declaration_of("intake"),
        name="newcomer",
        database="newcomer",
        port=8099,
        publishes=(Publication("newcomer.changes", (RuleSetPublished,)),),
    )
    files = manifests([*declared_services(), newcomer])
    (deployment, _) = load(files["newcomer.yaml"])
    assert (
        deployment["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] == 8099
    )
    assert "newcomer.yaml" in yaml.safe_load(files["kustomization.yaml"])["resources"]
    assert "newcomer-db" in {c["metadata"]["name"] for c in load(files["postgres.yaml"])}
    topics = {t["spec"]["topicName"]: t["spec"] for t in load(files["topics.yaml"])}
    assert topics["newcomer.changes"]["config"] == {"cleanup.policy": "compact"}
    assert "newcomer-db-app" in files["demo-city-job.yaml"]


def test_kustomization_lists_every_manifest() -> None:
    kustomization = yaml.safe_load((K8S_DIR / "kustomization.yaml").read_text())
    files = {p.name for p in K8S_DIR.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(kustomization["resources"]) == files


def containers(doc: dict[str, Any]) -> list[dict[str, Any]]:
    spec = doc["spec"]["template"]["spec"]
    return [*spec.get("initContainers", []), *spec["containers"]]


def check_env(env: list[dict[str, Any]]) -> dict[str, Any]:
    """Every variable a container gets is a setting some service reads."""
    names = {e["name"]: e for e in env}
    for name in set(names) - SHARED_ENV:
        service = next(
            (s for s in declared_services() if name.startswith(f"{s.env_prefix}_")), None
        )
        assert service is not None, f"{name} is read by no service"
        settings: Any = settings_class(service)
        field, *inner = name.removeprefix(f"{service.env_prefix}_").lower().split("__")
        assert field in settings.model_fields, f"{name}: {settings.__name__} has no {field}"
        for part in inner:  # a group of settings (`<PREFIX>_BLOBS__URL`)
            settings = settings.model_fields[field].default_factory
            field = part
            assert field in settings.model_fields, f"{name}: {settings.__name__} has no {field}"
    return names


def test_every_declared_service_has_a_deployment_and_a_service() -> None:
    names = {s.name for s in declared_services()}
    assert {d["metadata"]["name"] for d in of_kind("Deployment")} == names
    assert {d["metadata"]["name"] for d in of_kind("Service")} == names


@pytest.mark.parametrize("service", declared_services(), ids=lambda s: s.name)
def test_each_deployment_runs_a_service_as_the_code_expects(service: ServiceDeclaration) -> None:
    (deployment,) = [d for d in of_kind("Deployment") if d["metadata"]["name"] == service.name]
    init, main = containers(deployment)
    assert main["command"] == ["python", "-m", service.package, "serve"]
    assert init["command"] == ["python", "-m", service.package, "migrate"]
    for container in (init, main):
        env = check_env(container["env"])
        assert service.database_variable in env
        assert "KAFKA_BOOTSTRAP_SERVERS" in env
    env = check_env(main["env"])
    port = int(env[service.port_variable]["value"])
    prefix = service.env_prefix
    metrics = int(env[f"{prefix}_METRICS_PORT"]["value"])
    assert main["ports"] == [
        {"name": "http", "containerPort": port},
        {"name": "metrics", "containerPort": metrics},
    ]
    assert env[f"{prefix}_DOCS_ENABLED"]["value"] == "false", "no /docs in production"
    assert main["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    assert main["livenessProbe"]["httpGet"]["path"] == "/health/live"
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/port"] == str(metrics)
    secret = env[service.database_variable]["valueFrom"]["secretKeyRef"]["name"]
    (cluster,) = [c for c in of_kind("Cluster") if f"{c['metadata']['name']}-app" == secret]
    assert cluster["spec"]["bootstrap"]["initdb"]["database"] == service.database


def test_every_declared_topic_exists_and_routing_changes_is_compacted() -> None:
    topics = {t["spec"]["topicName"]: t["spec"] for t in of_kind("KafkaTopic")}
    declared = {
        address
        for service in declared_services()
        for address in (
            *(s.address for s in service.consumes),
            *(p.address for p in service.publishes),
            *service.extra_topics,
        )
        if "{" not in address
    }
    assert declared <= set(topics)
    assert topics[ROUTING_CHANGES]["config"]["cleanup.policy"] == "compact"


def test_the_demo_city_job_gives_every_service_its_database() -> None:
    (job,) = of_kind("Job")
    (container,) = job["spec"]["template"]["spec"]["containers"]
    env = check_env(container["env"])
    assert {s.database_variable for s in declared_services()} <= set(env)
    for service in declared_services():
        assert f"python -m {service.package} load-city" in container["command"][-1]


# Offline validation: built-in kinds against the Kubernetes OpenAPI schemas shipped with
# kubernetes-validate, custom resources against the vendored operators' CRDs (crds/).

KUBERNETES_VERSION = "1.33.0"
OBJECT_META = "https://kubernetes.io/api/_definitions.json#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"


def strict(schema: dict[str, Any]) -> dict[str, Any]:
    """A CRD schema that refuses unknown fields, as `kubectl apply` (strict field
    validation) does, except where the CRD keeps unknown fields."""
    out = dict(schema)
    if (
        "properties" in out
        and "additionalProperties" not in out
        and not out.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    for key in ("properties", "patternProperties"):
        if key in out:
            out[key] = {name: strict(sub) for name, sub in out[key].items()}
    for key in ("items", "additionalProperties", "not"):
        if isinstance(out.get(key), dict):
            out[key] = strict(out[key])
    for key in ("allOf", "anyOf", "oneOf"):
        if key in out:
            out[key] = [strict(sub) for sub in out[key]]
    return out


def crd_schemas() -> dict[tuple[str, str], dict[str, Any]]:
    """(apiVersion, kind) → schema, for each vendored CRD's served storage version."""
    schemas = {}
    for path in sorted((K8S_DIR / "crds").glob("*/*.yaml")):
        for crd in load(path.read_text()):
            spec = crd["spec"]
            for version in spec["versions"]:
                if version["served"] and version["storage"]:
                    schema = strict(version["schema"]["openAPIV3Schema"])
                    schema["properties"]["metadata"] = {"$ref": OBJECT_META}
                    api_version = f"{spec['group']}/{version['name']}"
                    schemas[api_version, spec["names"]["kind"]] = schema
    return schemas


CRD_SCHEMAS = crd_schemas()


def validate(doc: dict[str, Any]) -> None:
    """Raises when the API server would refuse `doc` (or no schema knows its kind)."""
    schema = CRD_SCHEMAS.get((doc["apiVersion"], doc["kind"]))
    if schema is None:
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        return
    definitions = files("kubernetes_validate").joinpath(
        f"kubernetes-json-schema/v{KUBERNETES_VERSION}-local-strict/_definitions.json"
    )
    registry = Resource.from_contents(json.loads(definitions.read_text())) @ Registry()
    jsonschema.Draft202012Validator(schema, registry=registry).validate(doc)


@pytest.mark.parametrize(
    "doc", documents(), ids=lambda d: f"{d['kind']}/{d['metadata'].get('name')}"
)
def test_each_resource_is_valid_for_the_api_server(doc: dict[str, Any]) -> None:
    validate(doc)


def test_the_crds_cover_the_operators_kinds_the_manifests_use() -> None:
    assert set(CRD_SCHEMAS) >= {
        ("kafka.strimzi.io/v1beta2", "Kafka"),
        ("kafka.strimzi.io/v1beta2", "KafkaNodePool"),
        ("kafka.strimzi.io/v1beta2", "KafkaTopic"),
        ("kafka.strimzi.io/v1beta2", "KafkaUser"),
        ("postgresql.cnpg.io/v1", "Cluster"),
    }


def first(kind: str) -> dict[str, Any]:
    return copy.deepcopy(of_kind(kind)[0])


def misspelt_field(doc: dict[str, Any]) -> dict[str, Any]:
    doc["spec"]["replicaz"] = doc["spec"].pop("replicas", 1)
    return doc


def acl_with_operation(doc: dict[str, Any], operation: str) -> dict[str, Any]:
    doc["spec"]["authorization"]["acls"][0]["operations"] = [operation]
    return doc


@pytest.mark.parametrize(
    "doc",
    [
        pytest.param(misspelt_field(first("Deployment")), id="Deployment with an unknown field"),
        pytest.param(misspelt_field(first("KafkaTopic")), id="KafkaTopic with an unknown field"),
        pytest.param(misspelt_field(first("KafkaUser")), id="KafkaUser with an unknown field"),
        pytest.param(acl_with_operation(first("KafkaUser"), "Publish"), id="an unknown operation"),
        pytest.param(misspelt_field(first("Cluster")), id="Cluster with an unknown field"),
        pytest.param(
            {**first("Cluster"), "apiVersion": "postgresql.cnpg.io/v2"},
            id="a version the CRD does not serve",
        ),
        pytest.param(
            {
                "apiVersion": "monitoring.coreos.com/v1",
                "kind": "ServiceMonitor",
                "metadata": {"name": "intake"},
                "spec": {},
            },
            id="a kind without a vendored CRD",
        ),
    ],
)
def test_the_validation_refuses(doc: dict[str, Any]) -> None:
    with pytest.raises(
        (
            jsonschema.ValidationError,
            kubernetes_validate.ValidationError,
            kubernetes_validate.SchemaNotFoundError,
        )
    ):
        validate(doc)


def test_the_trusted_issuers_config_is_what_the_services_read() -> None:
    (config,) = [d for d in of_kind("ConfigMap") if d["metadata"]["name"] == "identity"]
    issuers = TypeAdapter(list[TrustedIssuer]).validate_json(config["data"]["IDENTITY_ISSUERS"])
    citizens = [i for i in issuers if Role.CITIZEN in i.grants]
    assert citizens, "some issuer signs citizens in"
    assert all(i.grants == [Role.CITIZEN] for i in citizens), (
        "a citizens' issuer grants no staff role"
    )


def test_kafka_is_closed_and_each_service_signs_in_as_its_own_user() -> None:
    (kafka,) = of_kind("Kafka")
    assert kafka["spec"]["kafka"]["authorization"] == {"type": "simple"}
    for listener in kafka["spec"]["kafka"]["listeners"]:
        assert listener["authentication"] == {"type": "scram-sha-512"}, listener["name"]
    assert "userOperator" in kafka["spec"]["entityOperator"], "KafkaUsers need it"
    users = {u["metadata"]["name"]: u["spec"] for u in of_kind("KafkaUser")}
    assert set(users) == {s.name for s in declared_services()}
    for service in declared_services():
        assert users[service.name]["authentication"] == {"type": "scram-sha-512"}
        (deployment,) = [d for d in of_kind("Deployment") if d["metadata"]["name"] == service.name]
        for container in containers(deployment):
            env = check_env(container["env"])
            assert env["KAFKA_SECURITY_PROTOCOL"]["value"] == "SASL_PLAINTEXT"
            assert env[f"{service.env_prefix}_KAFKA_USERNAME"]["value"] == service.name
            password = env[f"{service.env_prefix}_KAFKA_PASSWORD"]["valueFrom"]["secretKeyRef"]
            assert password == {"name": service.name, "key": "password"}


def test_the_kafka_users_grant_what_the_acl_computation_says() -> None:
    users = {u["metadata"]["name"]: u["spec"]["authorization"] for u in of_kind("KafkaUser")}
    for service in declared_services():
        rendered = {
            (
                rule["resource"]["type"],
                rule["resource"].get("name", CLUSTER),
                rule["resource"].get("patternType", "literal"),
                operation,
            )
            for rule in users[service.name]["acls"]
            for operation in rule["operations"]
        }
        expected = {
            (a.resource.value, a.name, a.pattern.value, a.operation.value)
            for a in service_principal(service).acls
        }
        assert rendered == expected, service.name

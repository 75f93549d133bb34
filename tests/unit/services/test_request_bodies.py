"""No API silently drops a field it does not know: every JSON request body of every
service refuses unknown fields (`services.request_bodies.RequestBody`)."""

from typing import Any

import pytest

from tests.unit.services.test_access_matrix import APPS


def json_bodies(service: str) -> list[tuple[str, dict[str, Any]]]:
    document = APPS[service].openapi()
    schemas = document.get("components", {}).get("schemas", {})

    def resolve(schema: dict[str, Any]) -> list[dict[str, Any]]:
        if "$ref" in schema:
            return resolve(schemas[schema["$ref"].rsplit("/", 1)[-1]])
        for union in ("anyOf", "oneOf"):
            if union in schema:
                return [
                    s for part in schema[union] for s in resolve(part) if s.get("type") != "null"
                ]
        return [schema]

    found = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                for schema in resolve(content["application/json"]["schema"]):
                    found.append((f"{method.upper()} {path}", schema))
    return found


@pytest.mark.parametrize("service", sorted(APPS))
def test_every_json_body_refuses_fields_it_does_not_know(service: str) -> None:
    for operation, schema in json_bodies(service):
        assert schema.get("additionalProperties") is False, (
            f"{service} {operation}: {schema.get('title')} accepts unknown fields"
        )


def test_there_are_bodies_to_check() -> None:
    assert any(json_bodies(service) for service in APPS)

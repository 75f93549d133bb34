"""Reading a city's deadline policies (`sla_policies.yaml`, YAML or JSON) with errors that
name the file and line."""

from pathlib import Path

from contracts.documents import parse_document
from sla_tracker.domain.policy import PolicySet


def parse_policies(text: str, source: str = "<policies>") -> PolicySet:
    """Validate a policy-set document; raises contracts.documents.DocumentError listing
    every problem as `source:line: where: what`."""
    return parse_document(text, source, PolicySet)


def load_policies(path: Path) -> PolicySet:
    return parse_policies(path.read_text(encoding="utf-8"), str(path))

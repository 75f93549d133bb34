"""Reading a rule set from YAML (or JSON) with errors that name the file and line."""

from collections.abc import Sequence
from pathlib import Path

from contracts.documents import DocumentError, compose, parse_document, problem_at
from router.domain.rules import RuleProblem, RuleSet


class RuleFileError(DocumentError):
    """A rule set that cannot be used; `problems` are `source:line: where: what` each."""


def parse_rule_set(text: str, source: str = "<rules>") -> RuleSet:
    """Validate a rule-set document; every problem is reported as `source:line: where: what`."""
    try:
        return parse_document(text, source, RuleSet)
    except DocumentError as error:
        raise RuleFileError(error.problems) from error


def load_rule_set(path: Path) -> RuleSet:
    return parse_rule_set(path.read_text(), str(path))


def locate_problems(text: str, source: str, problems: Sequence[RuleProblem]) -> list[str]:
    """`source:line: rules[i].field: what` for each problem a valid document still has
    (names the city or the plugins lack)."""
    node = compose(text)
    return [problem_at(node, source, ("rules", p.position, p.field), p.message) for p in problems]

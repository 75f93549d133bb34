"""Reading a rule set from YAML (or JSON) with errors that name the file and line."""

from collections.abc import Sequence
from pathlib import Path

import yaml
from pydantic import ValidationError

from router.domain.rules import RuleProblem, RuleSet


class RuleFileError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def parse_rule_set(text: str, source: str = "<rules>") -> RuleSet:
    """Validate a rule-set document; every problem is reported as `source:line: where: what`."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as error:
        line = error.problem_mark.line + 1 if error.problem_mark else 0
        raise RuleFileError([f"{source}:{line}: not valid YAML: {error.problem}"]) from error
    if not isinstance(data, dict):
        raise RuleFileError([f"{source}:1: expected a mapping with `version` and `rules`"])
    try:
        return RuleSet.model_validate(data)
    except ValidationError as error:
        raise RuleFileError(
            [
                f"{source}:{_line_of(node, e['loc'])}: {_path(e['loc'])}: {e['msg']}"
                for e in error.errors()
            ]
        ) from error


def load_rule_set(path: Path) -> RuleSet:
    return parse_rule_set(path.read_text(), str(path))


def locate_problems(text: str, source: str, problems: Sequence[RuleProblem]) -> list[str]:
    """`source:line: rules[i].field: what` for each problem a valid document still has
    (names the city or the plugins lack)."""
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    return [
        f"{source}:{_line_of(node, ('rules', p.position, p.field))}:"
        f" {_path(('rules', p.position, p.field))}: {p.message}"
        for p in problems
    ]


def _line_of(node: yaml.Node | None, loc: Sequence[int | str]) -> int:
    """The line of the deepest YAML node the error location reaches."""
    if node is None:
        return 1
    current = node
    for part in loc:
        child: yaml.Node | None = None
        if isinstance(current, yaml.MappingNode):
            child = next((v for k, v in current.value if k.value == str(part)), None)
        elif isinstance(current, yaml.SequenceNode) and isinstance(part, int):
            child = current.value[part] if part < len(current.value) else None
        if child is None:
            break
        current = child
    return int(current.start_mark.line) + 1


def _path(loc: Sequence[int | str]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "<document>"

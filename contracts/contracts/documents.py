"""Configuration documents (a city's rule set, its deadline policies) read from YAML or
JSON into a pydantic model, every problem reported as `source:line: where: what`.

JSON is read by the same YAML parser, so its lines are found the same way. A key given
twice in one mapping is refused (YAML would silently keep the last one).
"""

from collections.abc import Iterator, Sequence
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

Model = TypeVar("Model", bound=BaseModel)

Location = Sequence[int | str]
"""Where in a document: mapping keys and list indices from its root, as pydantic gives."""


class DocumentError(ValueError):
    """A document that cannot be used; `problems` are `source:line: where: what` each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def parse_document(text: str, source: str, model_type: type[Model]) -> Model:
    """Parse `text` and validate it as `model_type`; raises DocumentError listing every
    problem with its line."""
    node, data = _parse(text, source)
    if not isinstance(data, dict):
        raise DocumentError([f"{source}:1: expected a mapping{_with_fields(model_type)}"])
    duplicates = [
        f"{source}:{key.start_mark.line + 1}: {path_of(loc)}: {key.value!r} given twice"
        for loc, key in _repeated_keys(node, ())
    ]
    if duplicates:
        raise DocumentError(duplicates)
    try:
        return model_type.model_validate(data)
    except ValidationError as error:
        errors = error.errors()
        raise DocumentError(
            [
                problem_at(node, source, e["loc"], e["msg"])
                for e in errors
                if not _short_for_its_items(e["type"], e["loc"], errors)
            ]
        ) from error


def compose(text: str) -> yaml.Node | None:
    """The node tree of a document already known to parse (to find lines in it)."""
    return yaml.compose(text, Loader=yaml.SafeLoader)


def problem_at(node: yaml.Node | None, source: str, loc: Location, what: str) -> str:
    """`source:line: where: what` for a problem at `loc` of the document `node`."""
    return f"{source}:{line_of(node, loc)}: {path_of(loc)}: {what}"


def line_of(node: yaml.Node | None, loc: Location) -> int:
    """The line (from 1) of the deepest node of the document that `loc` reaches."""
    if node is None:
        return 1
    current = node
    for part in loc:
        child: yaml.Node | None = None
        if isinstance(current, yaml.MappingNode):
            child = next((v for k, v in current.value if k.value == str(part)), None)
        elif isinstance(current, yaml.SequenceNode) and isinstance(part, int):
            child = current.value[part] if 0 <= part < len(current.value) else None
        if child is None:
            break
        current = child
    return int(current.start_mark.line) + 1


def path_of(loc: Location) -> str:
    """`rules[2].executor` for ('rules', 2, 'executor'); `<document>` for the root."""
    text = ""
    for part in loc:
        if part == "[key]":  # pydantic's mark of a bad mapping key: the path names the key
            continue
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "<document>"


def _parse(text: str, source: str) -> tuple[yaml.Node | None, object]:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None
        try:
            return node, loader.construct_document(node)
        except (ValueError, TypeError) as error:  # e.g. a timestamp with month 13
            line = _first_unreadable_line(node)
            raise DocumentError([f"{source}:{line}: not valid YAML: {error}"]) from error
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        raise DocumentError([f"{source}:{line}: not valid YAML: {error.problem}"]) from error
    finally:
        loader.dispose()


def _short_for_its_items(kind: str, loc: Location, errors: Sequence[ErrorDetails]) -> bool:
    """A list "too short after validation" only because its items failed (those are
    reported; this one would only mislead)."""
    return kind == "too_short" and any(
        len(e["loc"]) > len(loc) and tuple(e["loc"][: len(loc)]) == tuple(loc) for e in errors
    )


def _first_unreadable_line(node: yaml.Node) -> int:
    """The line of the first value that cannot be built (a fresh loader each time: a
    failed construction leaves the loader's bookkeeping behind)."""
    for scalar in _scalars(node):
        try:
            yaml.SafeLoader("").construct_object(scalar)
        except (ValueError, TypeError):
            return int(scalar.start_mark.line) + 1
    return int(node.start_mark.line) + 1


def _scalars(node: yaml.Node) -> Iterator[yaml.ScalarNode]:
    if isinstance(node, yaml.ScalarNode):
        yield node
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _scalars(item)
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield from _scalars(key)
            yield from _scalars(value)


def _repeated_keys(
    node: yaml.Node | None, loc: tuple[int | str, ...]
) -> Iterator[tuple[tuple[int | str, ...], yaml.Node]]:
    if isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _repeated_keys(item, (*loc, index))
    elif isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            name = str(key.value)
            if name in seen:
                yield loc, key
            seen.add(name)
            yield from _repeated_keys(value, (*loc, name))


def _with_fields(model_type: type[BaseModel]) -> str:
    required = [f"`{name}`" for name, f in model_type.model_fields.items() if f.is_required()]
    if not required:
        return ""
    listed = ", ".join(required[:-1]) + " and " + required[-1] if len(required) > 1 else required[0]
    return f" with {listed}"

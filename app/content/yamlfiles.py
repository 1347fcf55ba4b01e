"""YAML that remembers where each value came from, so problems can name a line and column."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode


@dataclass(frozen=True)
class Mark:
    line: int  # 1-based
    col: int  # 1-based


class LocatedDict(dict):
    """A mapping whose ``mark(key)`` tells where the key's value starts."""

    def __init__(self, *args, marks: dict[str, Mark] | None = None, start: Mark | None = None):
        super().__init__(*args)
        self.marks = marks or {}
        self.start = start or Mark(1, 1)

    def mark(self, key: str) -> Mark:
        return self.marks.get(key, self.start)


class LocatedList(list):
    def __init__(self, *args, marks: list[Mark] | None = None, start: Mark | None = None):
        super().__init__(*args)
        self.marks = marks or []
        self.start = start or Mark(1, 1)

    def mark(self, index: int) -> Mark:
        return self.marks[index] if index < len(self.marks) else self.start


class YamlError(Exception):
    def __init__(self, message: str, mark: Mark) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark


def load(text: str, *, line_offset: int = 0) -> Any:
    """Parse YAML into plain values whose mappings and lists carry marks.

    *line_offset* shifts reported lines, for YAML embedded in a larger file.
    Raises YamlError with the position of the first syntax error.
    """
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Mark(mark.line + 1 + line_offset, mark.column + 1) if mark else Mark(1, 1)
        raise YamlError(str(exc.problem or exc.context or "invalid YAML"), where) from None
    if node is None:
        return None
    return _convert(node, line_offset)


def _mark(node: Node, offset: int) -> Mark:
    return Mark(node.start_mark.line + 1 + offset, node.start_mark.column + 1)


def _convert(node: Node, offset: int) -> Any:
    if isinstance(node, MappingNode):
        values, marks = {}, {}
        for key_node, value_node in node.value:
            key = _scalar(key_node)
            values[str(key)] = _convert(value_node, offset)
            marks[str(key)] = _mark(value_node, offset)
        return LocatedDict(values, marks=marks, start=_mark(node, offset))
    if isinstance(node, SequenceNode):
        items = [_convert(child, offset) for child in node.value]
        return LocatedList(
            items, marks=[_mark(c, offset) for c in node.value], start=_mark(node, offset)
        )
    return _scalar(node)


def _scalar(node: Node) -> Any:
    if not isinstance(node, ScalarNode):
        raise YamlError("keys must be plain values", Mark(node.start_mark.line + 1, 1))
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    finally:
        loader.dispose()

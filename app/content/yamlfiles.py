"""YAML that remembers where each value came from, so problems can name a line and column."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NoReturn

import yaml
import yaml.reader
from yaml.composer import ComposerError
from yaml.events import AliasEvent, CollectionStartEvent, Event
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from app.content.limits import YAML_BYTES, YAML_DEPTH, describe


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

    Only plain YAML is read: anchors and aliases, tags (``!!python/...``, ``!!int``) and
    more than YAML_DEPTH levels of nesting are refused, and so is a document over
    YAML_BYTES, before anything is built. That keeps time and memory bounded by the size
    of the text (no alias bomb, no recursion error, no constructor run by a tag).

    *line_offset* shifts reported lines, for YAML embedded in a larger file.
    Raises YamlError with the position of the first problem.
    """
    size = len(text.encode("utf-8", "replace"))
    if size > YAML_BYTES:
        message = f"the YAML is {describe(size)}; the limit is {describe(YAML_BYTES)}"
        raise YamlError(message, Mark(1 + line_offset, 1))
    try:
        loader = _PlainLoader(text)
    except yaml.reader.ReaderError as exc:  # a control character: refused before parsing
        before = text[: max(0, exc.position)]
        where = Mark(before.count("\n") + 1 + line_offset, len(before.rsplit("\n", 1)[-1]) + 1)
        raise YamlError(f"character #x{exc.character:04x} is not allowed in YAML", where) from None
    try:
        node = loader.get_single_node()
        return None if node is None else _Converter(loader, line_offset).convert(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Mark(mark.line + 1 + line_offset, mark.column + 1) if mark else Mark(1, 1)
        raise YamlError(str(exc.problem or exc.context or "invalid YAML"), where) from None
    finally:
        loader.dispose()


class _PlainLoader(yaml.SafeLoader):
    """A composer that refuses anchors, aliases, tags and deep nesting as it meets them."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        event = self.peek_event()
        if isinstance(event, AliasEvent) or event.anchor is not None:
            _refuse(event, "anchors and aliases (&name, *name) are not allowed; repeat the value")
        if event.tag is not None:
            shown = event.tag.replace("tag:yaml.org,2002:", "!!")
            _refuse(event, f"tags such as '{shown}' are not allowed; write a plain value")
        if not isinstance(event, CollectionStartEvent):
            return super().compose_node(parent, index)
        self.depth += 1
        if self.depth > YAML_DEPTH:
            _refuse(event, f"lists and mappings are nested more than {YAML_DEPTH} levels deep")
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def _refuse(event: Event, problem: str) -> NoReturn:
    raise ComposerError(None, None, problem, event.start_mark)


class _Converter:
    """Turn a composed node tree into LocatedDict, LocatedList and plain scalars."""

    def __init__(self, loader: yaml.SafeLoader, offset: int) -> None:
        self.loader = loader
        self.offset = offset

    def mark(self, node: Node) -> Mark:
        return Mark(node.start_mark.line + 1 + self.offset, node.start_mark.column + 1)

    def convert(self, node: Node) -> Any:
        if isinstance(node, MappingNode):
            values: dict[str, Any] = {}
            marks: dict[str, Mark] = {}
            for key_node, value_node in node.value:
                key = str(self.scalar(key_node, "keys must be plain values"))
                if key in values:
                    raise YamlError(f"the key '{key}' appears twice", self.mark(key_node))
                values[key] = self.convert(value_node)
                marks[key] = self.mark(value_node)
            return LocatedDict(values, marks=marks, start=self.mark(node))
        if isinstance(node, SequenceNode):
            items = [self.convert(child) for child in node.value]
            return LocatedList(
                items, marks=[self.mark(child) for child in node.value], start=self.mark(node)
            )
        return self.scalar(node, "")

    def scalar(self, node: Node, not_scalar: str) -> Any:
        if not isinstance(node, ScalarNode):
            raise YamlError(not_scalar, self.mark(node))
        if node.tag in _LITERAL_TAGS:
            return node.value
        try:
            return self.loader.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, OverflowError) as exc:
            # 2024-13-45 looks like a date and 5,000 digits like an int; neither is one.
            message = f"'{node.value[:40]}' cannot be read as a value ({_first_line(exc)})"
            raise YamlError(message, self.mark(node)) from None


# Plain scalars that YAML 1.1 resolves to tags the safe loader has no constructor for.
_LITERAL_TAGS = {"tag:yaml.org,2002:merge", "tag:yaml.org,2002:value"}


def _first_line(exc: Exception) -> str:
    text = str(getattr(exc, "problem", None) or exc).strip()
    return text.splitlines()[0][:120] if text else type(exc).__name__

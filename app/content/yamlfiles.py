"""YAML that remembers where each value came from, so problems can name a line and column."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.content.limits import YAML_BYTES, describe


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
    from app.content import yaml_parser  # PyYAML: imported when content is first read

    return yaml_parser.parse(text, line_offset)

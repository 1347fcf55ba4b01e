"""PyYAML's safe loader, cut down to plain YAML and turned into values that carry marks.

Only ``yamlfiles.load`` uses it, after its size check; see there for what is refused and why.

Events come from LibYAML's C parser where PyYAML has it (about ten times faster than the pure
Python scanner, which was half the time of validating a curriculum); nodes are composed here,
in Python, so that every refusal below applies to both. A document the C parser finds wrong
is parsed again by the pure Python one, so that problems read the same on every machine.
"""

from __future__ import annotations

from typing import Any, NoReturn

import yaml
import yaml.reader
from yaml.composer import Composer, ComposerError
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent, CollectionStartEvent, Event
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import Resolver

from app.content.limits import YAML_DEPTH
from app.content.yamlfiles import LocatedDict, LocatedList, Mark, YamlError


def parse(text: str, line_offset: int) -> Any:
    """Parse *text* as ``yamlfiles.load`` describes; raise YamlError at the first problem."""
    if _FastLoader is not None:
        loader = _FastLoader(text)
        try:
            node = loader.get_single_node()
            return None if node is None else _Converter(loader, line_offset).convert(node)
        except (yaml.YAMLError, YamlError):
            pass  # say it as the Python parser does (below)
        finally:
            loader.dispose()
    return _parse_slowly(text, line_offset)


def _parse_slowly(text: str, line_offset: int) -> Any:
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


class _PlainComposer:
    """A composer that refuses anchors, aliases, tags and deep nesting as it meets them."""

    depth = 0

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


class _PlainLoader(_PlainComposer, yaml.SafeLoader):
    """PyYAML's pure Python safe loader, composing as above."""


def _fast_loader() -> type | None:
    """LibYAML's event parser under the Python composer above; None without LibYAML."""
    try:
        from yaml.cyaml import CParser as c_parser
    except ImportError:
        return None

    class FastLoader(_PlainComposer, Composer, c_parser, SafeConstructor, Resolver):
        # Composer before CParser: its Python get_single_node and compose_* run (with the
        # refusals above), on events from the C parser.
        def __init__(self, text: str) -> None:
            c_parser.__init__(self, text)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)

    return FastLoader


_FastLoader = _fast_loader()


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

"""Competency frameworks: ``curricula/frameworks/*.yml`` into Framework dataclasses."""

from __future__ import annotations

from pathlib import Path

from app.content import confined, mastery, yamlfiles
from app.content.fields import Fields
from app.content.limits import YAML_BYTES
from app.content.model import Competency, Framework, Level, Related
from app.content.problems import Problems
from app.content.yamlfiles import LocatedDict, Mark

CHILD_KIND = {"domain": "competency", "competency": "subcompetency"}
CHILD_KEY = {"domain": "competencies", "competency": "subcompetencies"}


def load(path: Path, problems: Problems) -> Framework | None:
    """Parse and check one framework file; None if it cannot be read at all.

    The file is read from inside its own folder (``frameworks/``): never through a link.
    """
    try:
        data = yamlfiles.load(confined.read_text(path.parent, path.name, limit=YAML_BYTES))
    except confined.Refused as exc:
        problems.refused(exc, path)
        return None
    except yamlfiles.YamlError as exc:
        problems.add(path, exc.mark.line, exc.mark.col, "E-YAML", exc.message)
        return None
    except UnicodeDecodeError:
        problems.add(path, 1, 1, "E-YAML", "the file is not UTF-8 text")
        return None
    return _Parser(path, problems).framework(data)


class _Parser:
    def __init__(self, path: Path, problems: Problems) -> None:
        self.path = path
        self.problems = problems
        self.items: list[Competency] = []
        self.id_marks: list[Mark] = []
        self.precedes_marks: list[Mark] = []

    def framework(self, data) -> Framework:
        fields = Fields(data, self.path, self.problems, "a framework")
        for index, domain in enumerate(fields.items("domains", required=True)):
            self.item(domain, "domain", None, index)
        levels = tuple(self.level(raw) for raw in fields.items("levels"))
        licence = Fields(
            fields.data.get("license") or LocatedDict(), self.path, self.problems, "license"
        )
        framework = Framework(
            id=fields.slug(),
            title=fields.text("title"),
            version=fields.text("version"),
            description=fields.text("description", required=False),
            creator=fields.text("creator", required=False),
            publisher=fields.text("publisher", required=False),
            language=fields.text("language", required=False, default="en"),
            subjects=fields.texts("subject"),
            license_title=licence.text("title", required=False),
            license_uri=licence.text("uri", required=False),
            levels=levels,
            items=tuple(self.items),
            source=str(self.path),
            mastery=self.mastery(fields.data, levels),
        )
        self.check_ids()
        self.check_prerequisites()
        return framework

    def mastery(self, data: LocatedDict, levels: tuple[Level, ...]) -> mastery.MasteryRules:
        """The ``mastery:`` rules, checked against this framework's levels and codes."""
        parser = mastery.Parser(
            self.path,
            self.problems,
            levels={level.level for level in levels},
            domains={i.code for i in self.items if i.kind == "domain"},
            competencies={i.code for i in self.items if i.kind != "domain"},
        )
        rules = parser.rules(data.get("mastery"), data.mark("mastery"))
        parser.check_mastery_levels(rules, self.items)
        return rules

    def level(self, raw) -> Level:
        fields = Fields(raw, self.path, self.problems, "a level")
        return Level(
            int(fields.number("level")),
            fields.text("title"),
            fields.text("description", required=False),
        )

    def item(self, raw, kind: str, parent: str | None, position: int) -> None:
        fields = Fields(raw, self.path, self.problems, f"a {kind}")
        related = []
        for entry in fields.items("related"):
            rel = Fields(entry, self.path, self.problems, "a related item")
            related.append(
                Related(rel.text("framework"), rel.text("code"), rel.text("title", required=False))
            )
        item = Competency(
            code=fields.code(),
            title=fields.text("title"),
            description=fields.text("description", required=False),
            kind=kind,
            parent=parent,
            position=position,
            precedes=fields.texts("precedes"),
            related=tuple(related),
        )
        self.items.append(item)
        self.id_marks.append(fields.mark("id"))
        self.precedes_marks.append(fields.mark("precedes"))
        if kind not in CHILD_KEY:
            if "subcompetencies" in fields.data or "competencies" in fields.data:
                fields.problem("id", "E-SCHEMA", "a sub-competency cannot have children")
            return
        for index, child in enumerate(fields.items(CHILD_KEY[kind], required=kind == "domain")):
            self.item(child, CHILD_KIND[kind], item.code, index)

    def add(self, mark: Mark, code: str, message: str) -> None:
        self.problems.add(self.path, mark.line, mark.col, code, message)

    def check_ids(self) -> None:
        seen: set[str] = set()
        for item, mark in zip(self.items, self.id_marks, strict=True):
            if item.code and item.code in seen:
                self.add(mark, "E-DUP-ID", f"competency '{item.code}' is defined twice")
            seen.add(item.code)

    def check_prerequisites(self) -> None:
        """Every precedes target exists, and the precedes graph has no cycle."""
        codes = {item.code for item in self.items}
        graph: dict[str, list[str]] = {}
        where = {}
        for item, mark in zip(self.items, self.precedes_marks, strict=True):
            for target in item.precedes:
                if target not in codes:
                    self.add(
                        mark, "E-UNKNOWN-COMPETENCY", f"'{item.code}' precedes unknown '{target}'"
                    )
                else:
                    graph.setdefault(item.code, []).append(target)
            where.setdefault(item.code, mark)
        for cycle in find_cycles(graph):
            path = " → ".join([*cycle, cycle[0]])
            self.add(where[cycle[0]], "E-CYCLE", f"prerequisites go round in a circle: {path}")


def find_cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """Return one list of nodes per cycle found by depth-first search (each cycle once)."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, []):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt) :])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return cycles

"""The parts of docs/architecture.md and the arrows between them, enforced on the code.

The table of parts is read from the document itself, so the rule has one statement. Every
import is resolved to the module it names: ``import app.x``, ``from app import x``,
``from app.x import y``, relative imports, and imports inside functions alike.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app"
DOC = ROOT / "docs" / "architecture.md"
PACKAGES = ("app", "plcsim")  # first-party top-level packages, besides the root modules
ROOT_MODULES = ("wsgi",)


def parts_table(text: str) -> dict[str, set[str]]:
    """``{part: parts it may import}`` from the document's table of parts."""
    section = text.split("## Parts and the arrows between them", 1)[1].split("\n## ", 1)[0]
    table: dict[str, set[str]] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and re.fullmatch(r"`[\w.]+`", cells[0]):
            table[cells[0].strip("`")] = set(re.findall(r"`([\w.]+)`", cells[2]))
    return table


def flask_free_parts(text: str) -> set[str]:
    found = re.search(r"Flask-free parts[^:]*:(.*?)\.\n", text, re.S)
    assert found, "docs/architecture.md must list its Flask-free parts"
    return set(re.findall(r"`([\w.]+)`", found.group(1)))


DOC_TEXT = DOC.read_text()
ALLOWED = parts_table(DOC_TEXT)
FLASK_FREE = flask_free_parts(DOC_TEXT)


def module_name(path: Path) -> str:
    """The dotted name of a first-party source file (a package names its __init__)."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def exists(module: str) -> bool:
    base = ROOT.joinpath(*module.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def imported_modules(source: str, name: str, package: bool) -> set[str]:
    """Every module *source* (the file of module *name*) imports, resolved to full names.

    ``from a import b`` names ``a.b`` when that is a module of ours, else ``a``.
    """
    here = name if package else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = here.split(".")
                base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            for alias in node.names:
                full = f"{base}.{alias.name}"
                found.add(full if exists(full) else base)
    return found


def part_of(module: str) -> str | None:
    """The part a first-party module belongs to (None for third-party modules)."""
    pieces = module.split(".")
    if pieces[0] in ROOT_MODULES:
        return pieces[0]
    if pieces[0] == "plcsim":
        return "plcsim"
    if pieces[0] != "app":
        return None
    return pieces[1] if len(pieces) > 1 else "app"


def sources() -> list[Path]:
    files = [ROOT / f"{name}.py" for name in ROOT_MODULES]
    for package in PACKAGES:
        files += sorted((ROOT / package).rglob("*.py"))
    return files


def describe(path: Path) -> tuple[str, str, set[str]]:
    name = module_name(path)
    return name, part_of(name), imported_modules(path.read_text(), name, is_package(path))


FILES = [(path, *describe(path)) for path in sources()]


def test_every_part_of_the_code_is_in_the_document():
    in_code = {part for _path, _name, part, _imports in FILES}
    assert in_code <= set(ALLOWED), (
        f"parts missing from docs/architecture.md: {in_code - set(ALLOWED)}"
    )
    named = set().union(*ALLOWED.values()) | FLASK_FREE
    assert named <= set(ALLOWED), f"arrows to parts the table lacks: {named - set(ALLOWED)}"


@pytest.mark.parametrize(
    "path,name,part,imports", FILES, ids=[str(f[0].relative_to(ROOT)) for f in FILES]
)
def test_a_part_imports_only_what_the_document_allows(path, name, part, imports):
    bad = {
        module
        for module in imports
        if (target := part_of(module)) and target != part and target not in ALLOWED[part]
    }
    assert not bad, f"{name} ({part}) must not import {sorted(bad)}: see docs/architecture.md"


@pytest.mark.parametrize(
    "path,name,part,imports",
    [f for f in FILES if f[2] in FLASK_FREE],
    ids=[str(f[0].relative_to(ROOT)) for f in FILES if f[2] in FLASK_FREE],
)
def test_flask_free_parts_import_no_flask(path, name, part, imports):
    flask = {m for m in imports if re.match(r"flask(_\w+)?(\.|$)", m)}
    assert not flask, f"{name} ({part}) imports {sorted(flask)}"


@pytest.mark.parametrize(
    "source,name,package,expected",
    [
        ("from app import models", "app.domain.grading", False, {"app.models"}),
        ("from app import create_app", "wsgi", False, {"app"}),
        ("import app.models.users", "app.domain.x", False, {"app.models.users"}),
        ("from .params import ROLE", "app.cli.users", False, {"app.cli.params"}),
        ("from .. import policy", "app.web.labs", False, {"app.policy"}),
        ("from . import runs", "app.engine", True, {"app.engine.runs"}),
        ("def f():\n    from app.web import labs", "app.services.x", False, {"app.web.labs"}),
    ],
)
def test_imports_are_resolved_however_they_are_written(source, name, package, expected):
    assert imported_modules(source, name, package) == expected


@pytest.mark.parametrize(
    "source,name,part",
    [
        ("from app import models", "app.domain.x", "domain"),
        ("from .. import web", "app.services.x", "services"),
        ("from app.engine import current", "app.services.x", "services"),
        ("import flask", "app.domain.x", "domain"),
        ("from app import create_app", "plcsim.line", "plcsim"),
    ],
)
def test_the_rules_catch_what_they_are_for(source, name, part):
    """Each of these would pass a checker that reads only ``from app.x import y``."""
    imports = imported_modules(source, name, False)
    wrong = {m for m in imports if (t := part_of(m)) and t != part and t not in ALLOWED[part]}
    flask = {m for m in imports if m.startswith("flask")} if part in FLASK_FREE else set()
    assert wrong or flask


def engine_interface() -> set[str]:
    """The public methods and properties of LabEngine: what pages and commands may call."""
    tree = ast.parse((APP / "engine" / "core.py").read_text())
    engine = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "LabEngine")
    return {
        n.name for n in engine.body if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")
    }


def engine_uses(source: str) -> set[str]:
    """Attributes read on the engine: on ``engine.current()`` or a name bound to it."""
    tree = ast.parse(source)

    def is_current(node) -> bool:
        return (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "current"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "engine"
        )

    bound = {
        target.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and is_current(node.value)
        for target in node.targets
        if isinstance(target, ast.Name)
    } | {
        arg.arg
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef)
        for arg in node.args.args
        if arg.annotation is not None and "LabEngine" in ast.unparse(arg.annotation)
    }
    return {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and (
            is_current(node.value) or (isinstance(node.value, ast.Name) and node.value.id in bound)
        )
    }


EDGE_FILES = sorted([*(APP / "web").rglob("*.py"), *(APP / "cli").rglob("*.py")])


@pytest.mark.parametrize("path", EDGE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_pages_and_commands_use_only_the_engines_interface(path):
    source = path.read_text()
    reached = engine_uses(source) - engine_interface()
    assert not reached, f"{path.relative_to(ROOT)} reaches into the engine: {sorted(reached)}"
    assert 'extensions["lab_engine"]' not in source, "call engine.current() instead"


def test_the_engine_checker_sees_a_reach_past_the_interface():
    source = "def f():\n    lab_engine = engine.current()\n    lab_engine.runs.events.publish()\n"
    assert engine_uses(source) - engine_interface() == {"runs"}
    assert "run_cells" in engine_interface() and "runs" not in engine_interface()


def test_no_runtime_object_is_kept_in_app_extensions_but_the_engine():
    """The executor, graders, runs and culler live inside the engine, nowhere else."""
    old_keys = ("executor", "grading_workers", "lab_runs", "kernel_culler")
    offenders = [
        str(p.relative_to(ROOT))
        for p in APP.rglob("*.py")
        if any(f'extensions["{key}"]' in p.read_text() for key in old_keys)
    ]
    assert offenders == []


def test_templates_mark_nothing_safe():
    """Only the Markdown renderer's output may be marked safe; no template uses |safe."""
    offenders = [
        str(p.relative_to(APP))
        for p in APP.rglob("*.html")
        if "|safe" in p.read_text().replace(" ", "")
    ]
    assert offenders == []


def _calls_sleep(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name == "sleep":
                return True
    return False


def test_no_sleeps_in_tests():
    """Tests poll with a deadline instead of sleeping (learner code in strings may sleep)."""
    here = Path(__file__).resolve().parent
    offenders = [str(p.relative_to(here)) for p in here.rglob("*.py") if _calls_sleep(p)]
    assert offenders == []


def test_no_third_party_assets_in_templates():
    offenders = [
        str(p.relative_to(APP))
        for p in APP.rglob("*.html")
        if any(s in p.read_text() for s in ('src="http', 'href="http', "src='http", "href='http"))
    ]
    assert offenders == []

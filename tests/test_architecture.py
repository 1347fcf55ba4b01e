"""The import layers of STYLE.md: web/cli → services → models/domain/... → errors."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parent.parent / "app"

# What each layer may import from inside app/ (besides itself and the modules listed).
ALLOWED = {
    "web": {
        "credentials",
        "services",
        "policy",
        "errors",
        "domain",
        "extensions",
        "database",
        "mail",
        "models",
        "content",
    },
    "cli": {
        "credentials",
        "services",
        "errors",
        "domain",
        "extensions",
        "database",
        "content",
        "sandbox",
        "workers",
    },
    # background threads (grading, kernel culling), in or out of the web process
    "workers": {"services", "extensions", "database", "sandbox"},
    "services": {
        "credentials",
        "models",
        "domain",
        "errors",
        "extensions",
        "database",
        "mail",
        "policy",
        "content",
        "sandbox",
    },
    "models": {"domain", "extensions", "database", "errors"},
    "policy": {"domain", "models"},
    # STYLE.md: models, domain, content and sandbox may raise the errors of errors.py.
    "domain": {"content", "errors"},
    "content": {"errors"},
    "sandbox": {"errors"},
    "credentials": {"errors"},  # Open Badges and Data Integrity: a library the services call
    "mail": set(),
    "errors": set(),
}
FLASK_FREE = {"domain", "mail", "errors", "policy", "content", "sandbox", "credentials"}


def _modules():
    for path in sorted(APP.rglob("*.py")):
        parts = path.relative_to(APP).with_suffix("").parts
        yield path, parts[0] if len(parts) > 1 else parts[0]


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _layer_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "app" and len(parts) > 1 else None


@pytest.mark.parametrize("path,layer", [(p, lay) for p, lay in _modules() if lay in ALLOWED])
def test_layer_imports_only_downward(path, layer):
    bad = {
        module
        for module in _imports(path)
        if (target := _layer_of(module)) and target != layer and target not in ALLOWED[layer]
    }
    assert not bad, f"{path.relative_to(APP)} ({layer}) must not import {sorted(bad)}"


@pytest.mark.parametrize("path,layer", [(p, lay) for p, lay in _modules() if lay in FLASK_FREE])
def test_plain_layers_do_not_import_flask(path, layer):
    flask_imports = {m for m in _imports(path) if m.split(".")[0].startswith("flask")}
    assert not flask_imports, f"{path.relative_to(APP)} imports {sorted(flask_imports)}"


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

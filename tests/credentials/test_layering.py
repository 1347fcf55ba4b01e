"""STYLE.md: credentials/ is Flask-free and database-free, importing only app.errors."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "app" / "credentials"


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda p: p.name)
def test_credentials_modules_import_no_flask_models_or_database(path):
    for module in _imports(path):
        assert not module.startswith(("flask", "sqlalchemy")), f"{path.name} imports {module}"
        if module.startswith("app."):
            assert module == "app.errors" or module.startswith("app.credentials"), module

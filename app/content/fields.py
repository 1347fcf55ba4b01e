"""Typed reading of YAML mappings, reporting E-SCHEMA problems where the value is."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from app.content.problems import Problems
from app.content.yamlfiles import LocatedDict, LocatedList, Mark

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class Fields:
    """Read fields of one YAML mapping; every bad value becomes a located problem."""

    def __init__(
        self, data: Any, path: Path, problems: Problems, what: str, *, code: str = "E-SCHEMA"
    ) -> None:
        self.path = path
        self.problems = problems
        self.what = what
        self.code_for_schema = code  # quiz and lab blocks report their own code
        if isinstance(data, LocatedDict):
            self.data = data
        else:
            self.data = LocatedDict()
            problems.add(path, 1, 1, code, f"{what} must be a mapping of fields")

    def mark(self, key: str) -> Mark:
        return self.data.mark(key)

    def problem(self, key: str, code: str | None, message: str) -> None:
        """Report a problem at *key*'s value (code None: this mapping's schema code)."""
        code = code or self.code_for_schema
        mark = self.mark(key)
        self.problems.add(self.path, mark.line, mark.col, code, message)

    def _get(self, key: str, required: bool, kinds: tuple[type, ...], kind_name: str) -> Any:
        if key not in self.data or self.data[key] is None:
            if required:
                start = self.data.start
                self.problems.add(
                    self.path,
                    start.line,
                    start.col,
                    self.code_for_schema,
                    f"{self.what} needs '{key}'",
                )
            return None
        value = self.data[key]
        if not isinstance(value, kinds) or isinstance(value, bool) and bool not in kinds:
            self.problem(key, self.code_for_schema, f"'{key}' must be {kind_name}")
            return None
        return value

    def text(self, key: str, *, required: bool = True, default: str = "") -> str:
        value = self._get(key, required, (str, int, float), "text")
        return default if value is None else str(value).strip()

    def number(self, key: str, *, required: bool = True, default: float = 0.0) -> float:
        value = self._get(key, required, (int, float), "a number")
        return default if value is None else float(value)

    def boolean(self, key: str, *, default: bool = False) -> bool:
        value = self._get(key, False, (bool,), "true or false")
        return default if value is None else value

    def items(self, key: str, *, required: bool = False) -> LocatedList:
        value = self._get(key, required, (list,), "a list")
        return value if value is not None else LocatedList()

    def texts(self, key: str, *, required: bool = False) -> tuple[str, ...]:
        values = self.items(key, required=required)
        out = []
        for index, value in enumerate(values):
            if isinstance(value, (str, int, float)) and not isinstance(value, bool):
                out.append(str(value).strip())
            else:
                mark = values.mark(index)
                self.problems.add(
                    self.path,
                    mark.line,
                    mark.col,
                    self.code_for_schema,
                    f"items of '{key}' must be text",
                )
        return tuple(out)

    def slug(self, key: str = "id") -> str:
        value = self.text(key)
        if value and not SLUG.match(value):
            self.problem(key, "E-BAD-ID", f"'{value}' is not lower-case letters, digits, hyphens")
        return value

    def code(self, key: str = "id") -> str:
        value = self.text(key)
        if value and not CODE.match(value):
            self.problem(key, "E-BAD-ID", f"'{value}' is not a valid competency code")
        return value

"""The apprenticeship program standards offered here: the files under ``<curriculum>/programs``,
checked against the frameworks and courses the database holds (what the last sync loaded).

A program file with an error is not offered (``flask curriculum validate`` names the error);
warnings do not stop it. Files are read when asked for: they are small, and an edited file is
seen at once, as lessons are after a sync.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from app.content import confined
from app.content import programs as files
from app.content.problems import Problems
from app.content.programs import Program
from app.errors import NotFound
from app.extensions import db
from app.models import Competency, Course, Framework


def catalog(root: Path) -> dict[str, Program]:
    """Every valid program under *root* (the curriculum root), by id, in file-name order."""
    problems = Problems(root)
    folder = root / "programs"
    try:
        entries = confined.listdir(root, "programs")
    except confined.Refused:
        return {}
    known = _frameworks()
    courses = dict(db.session.execute(select(Course.slug, Course.rti_hours)).all())
    found: dict[str, Program] = {}
    for entry in sorted(entries, key=lambda e: e.path.name):
        if entry.kind != "file" or entry.path.suffix != ".yml":
            continue
        before = len(problems.errors)
        program = _load(folder, entry.path.name, known, courses, problems)
        if program is not None and len(problems.errors) == before and program.id not in found:
            found[program.id] = program
    return found


# Programs read, by file (name, size, time) and what they were checked against: reading and
# checking a file was most of a dashboard's time. An edited file is read again at once.
_read: dict = {}


def _load(folder: Path, name: str, known: dict, courses: dict, problems: Problems):
    """``files.load``, once per version of the file and of the database's frameworks and
    courses; a file with errors is read (and its errors reported) every time."""
    try:
        stat = (folder / name).stat()
        key = (str(folder), name, stat.st_mtime_ns, stat.st_size,
               tuple(sorted(known.items())), tuple(sorted(courses.items())))  # fmt: skip
        hash(key)
    except (OSError, TypeError):
        return files.load(folder, name, known, courses, problems)
    if key in _read:
        return _read[key]
    before = len(problems.errors)
    program = files.load(folder, name, known, courses, problems)
    if program is not None and len(problems.errors) == before:
        _read[key] = program
    return program


def get(root: Path, program_id: str) -> Program:
    program = catalog(root).get(program_id)
    if program is None:
        raise NotFound(f"There is no program '{program_id}' here.")
    return program


def _frameworks() -> dict[str, frozenset[str]]:
    codes: dict[str, set[str]] = {}
    query = select(Framework.slug, Competency.code).join(
        Competency, Competency.framework_id == Framework.id
    )
    for slug, code in db.session.execute(query):
        codes.setdefault(slug, set()).add(code)
    return {slug: frozenset(found) for slug, found in codes.items()}


def competency_titles(program: Program) -> dict[str, str]:
    """The title of each competency *program* names, from its framework."""
    query = (
        select(Competency.code, Competency.title)
        .join(Framework, Competency.framework_id == Framework.id)
        .where(Framework.slug == program.framework, Competency.code.in_(program.competencies()))
    )
    return dict(db.session.execute(query).all())

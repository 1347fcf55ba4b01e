"""Load a whole curriculum tree and check it, within and across files."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from pathlib import Path, PurePosixPath

from app.content import achievements, confined, courses, frameworks, hours, programs
from app.content.labs import LabError, read_header
from app.content.limits import NOTEBOOK_BYTES, YAML_BYTES
from app.content.model import Curriculum
from app.content.problems import Problems


def load(
    root: Path, *, labs_root: Path | None = None, badges_root: Path | None = None
) -> tuple[Curriculum, Problems]:
    """Parse everything under *root*; return what could be read and every problem found.

    No link or special file may sit anywhere under *root*, *labs_root* or *badges_root*,
    whether a loader reads it or not; every file is read through ``confined``. The
    achievements of *badges_root* (default: ``badges`` beside *root*; none if it is
    missing) are checked against the curriculum, their problems shown as ``badges/...``.
    """
    curriculum, problems, badge_problems = load_parts(
        root, labs_root=labs_root, badges_root=badges_root
    )
    problems.extend(badge_problems)
    return curriculum, problems


def load_parts(
    root: Path, *, labs_root: Path | None = None, badges_root: Path | None = None
) -> tuple[Curriculum, Problems, Problems]:
    """Like ``load``, with the problems of the curriculum and of the badges kept apart."""
    root = root.resolve()
    labs_root = (labs_root or root.parent / "labs").resolve()
    badges_root = (badges_root or root.parent / "badges").resolve()
    problems = Problems(root)
    _check_tree(root, problems)
    found_frameworks = []
    for entry in _entries(root, "frameworks", problems):
        if entry.kind == "file" and entry.path.suffix == ".yml":
            framework = frameworks.load(root / entry.path, problems)
            if framework:
                found_frameworks.append(framework)
    codes = {f.id: frozenset(f.codes()) for f in found_frameworks}
    found_courses = []
    for entry in _entries(root, ".", problems):
        if entry.kind == "dir" and _is_file(root, entry.path / "course.yml", problems):
            course = courses.load(root / entry.path, codes, problems)
            if course:
                found_courses.append(course)
    curriculum = Curriculum(root, tuple(found_frameworks), tuple(found_courses))
    _check_unique_ids(curriculum, problems)
    _check_labs(curriculum, labs_root, problems)
    _check_hours(curriculum, labs_root, problems)
    found_programs = programs.load_all(root, curriculum, problems)  # apprenticeship standards
    _check_tree(labs_root, problems, notebook_limit=NOTEBOOK_BYTES)
    badge_problems = Problems(badges_root.parent)  # shown as badges/<file>
    _check_tree(badges_root, badge_problems)
    found = achievements.load_all(badges_root, curriculum, found_programs, badge_problems)
    return replace(curriculum, achievements=found), problems, badge_problems


def _check_tree(root: Path, problems: Problems, *, notebook_limit: int | None = None) -> None:
    """Report every link and special file under *root* (and notebooks over the limit)."""
    try:
        entries = confined.walk(root)
    except confined.Refused as exc:
        problems.refused(exc, root)
        return
    for entry in entries:
        if entry.refused:
            problems.refused(entry.refused, root / entry.path)
        elif notebook_limit and entry.path.suffix == ".ipynb" and entry.size > notebook_limit:
            problems.refused(
                confined.too_large(root / entry.path, entry.size, notebook_limit), root
            )


def _entries(root: Path, folder: str, problems: Problems) -> list[confined.Entry]:
    try:
        return confined.listdir(root, folder)
    except confined.Refused as exc:
        problems.refused(exc, root / folder)
        return []


def _is_file(root: Path, rel: PurePosixPath, problems: Problems) -> bool:
    try:
        return confined.kind(root, rel) == "file"
    except confined.Refused as exc:
        problems.refused(exc, root / rel)
        return False


def _check_unique_ids(curriculum: Curriculum, problems: Problems) -> None:
    """Stable ids key learners' records, so each must be unique across the curriculum."""
    places: dict[tuple[str, str], list[tuple[Path, int]]] = defaultdict(list)
    for framework in curriculum.frameworks:
        places["framework", framework.id].append((Path(framework.source), 1))
    for course in curriculum.courses:
        places["course", course.id].append((course.folder / "course.yml", 1))
        for module in course.modules:
            places["module", module.id].append((course.folder / module.folder / "module.yml", 1))
            for lesson in module.lessons:
                path = course.folder / lesson.path
                places["lesson", lesson.id].append((path, lesson.id_line))
                for question in lesson.questions:
                    places["quiz", question.id].append((path, question.line))
    for (kind, ident), found in places.items():
        if not ident:
            continue
        first = found[0][0].relative_to(curriculum.root)
        for path, line in found[1:]:
            problems.add(
                path, line, 1, "E-DUP-ID", f"{kind} id '{ident}' is already used in {first}"
            )


def _check_labs(curriculum: Curriculum, labs_root: Path, problems: Problems) -> None:
    for course in curriculum.courses:
        for lesson in course.lessons():
            path = course.folder / lesson.path
            for lab in lesson.labs:
                try:
                    if confined.kind(labs_root, f"{lab.id}.ipynb") == "file":
                        continue
                except confined.Refused as exc:
                    problems.refused(exc, path, lab.line)
                    continue
                if lab.planned:
                    message = f"lab '{lab.id}' is planned, not written yet"
                    problems.add(path, lab.line, 1, "W-LAB-PLANNED", message)
                else:
                    message = f"no notebook labs/{lab.id}.ipynb"
                    problems.add(path, lab.line, 1, "E-MISSING-LAB", message)


def _check_hours(curriculum: Curriculum, labs_root: Path, problems: Problems) -> None:
    """Warn where a course declares more RTI hours than its material justifies (content.hours)."""
    for course in curriculum.courses:
        headers = {}
        for ident in hours.lab_ids(course):
            try:
                headers[ident] = read_header(labs_root, ident)
            except LabError:
                continue  # missing, planned or broken: counts no time (and is reported apart)
        figures = hours.measure(course, headers)
        if figures.over_declared:
            message = (
                f"declares {figures.declared_hours:g} RTI hours; its lessons, quizzes and labs "
                f"justify about {figures.estimated_hours:.1f} (flask curriculum stats)"
            )
            line = _line_of(course.folder, "course.yml", "rti_hours")
            problems.add(course.folder / "course.yml", line, 1, "W-COURSE-HOURS", message)


def _line_of(folder: Path, name: str, key: str) -> int:
    """The line of top-level *key* in the YAML file *name* of *folder* (1 if not found)."""
    try:
        text = confined.read_text(folder, name, limit=YAML_BYTES)
    except (confined.Refused, UnicodeDecodeError):
        return 1  # already reported by the course's loader
    return next((n for n, line in enumerate(text.splitlines(), 1) if line.startswith(f"{key}:")), 1)

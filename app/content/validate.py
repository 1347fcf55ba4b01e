"""Load a whole curriculum tree and check it, within and across files."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from app.content import courses, frameworks
from app.content.model import Curriculum
from app.content.problems import Problems


def load(root: Path, *, labs_root: Path | None = None) -> tuple[Curriculum, Problems]:
    """Parse everything under *root*; return what could be read and every problem found."""
    root = root.resolve()
    problems = Problems(root)
    found_frameworks = []
    for path in sorted((root / "frameworks").glob("*.yml")):
        framework = frameworks.load(path, problems)
        if framework:
            found_frameworks.append(framework)
    codes = {f.id: frozenset(f.codes()) for f in found_frameworks}
    found_courses = []
    for course_file in sorted(root.glob("*/course.yml")):
        course = courses.load(course_file.parent, codes, problems)
        if course:
            found_courses.append(course)
    curriculum = Curriculum(root, tuple(found_frameworks), tuple(found_courses))
    _check_unique_ids(curriculum, problems)
    _check_labs(curriculum, labs_root or root.parent / "labs", problems)
    return curriculum, problems


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
                if (labs_root / f"{lab.id}.ipynb").is_file():
                    continue
                if lab.planned:
                    message = f"lab '{lab.id}' is planned, not written yet"
                    problems.add(path, lab.line, 1, "W-LAB-PLANNED", message)
                else:
                    message = f"no notebook labs/{lab.id}.ipynb"
                    problems.add(path, lab.line, 1, "E-MISSING-LAB", message)

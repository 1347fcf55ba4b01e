"""A course folder: ``course.yml``, its module folders and their lessons."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from app.content import confined, lessons, yamlfiles
from app.content.fields import Fields
from app.content.limits import ASSET_BYTES, YAML_BYTES
from app.content.model import Course, Lesson, Module, Objective
from app.content.problems import Problems
from app.content.yamlfiles import Mark

# Figures a course may publish from its assets/ folder (served with these types only).
ASSET_TYPES = frozenset({".svg", ".png", ".jpg", ".jpeg", ".webp", ".gif"})


def load(folder: Path, frameworks: dict[str, frozenset[str]], problems: Problems) -> Course | None:
    """Parse and check one course folder; *frameworks* maps framework id → its codes.

    Every file is read through ``confined``: nothing outside *folder*, no links.
    """
    path = folder / "course.yml"
    data = _read_yaml(folder, PurePosixPath("course.yml"), problems)
    if data is None:
        return None
    fields = Fields(data, path, problems, "course.yml")
    framework = fields.text("framework")
    codes = frameworks.get(framework)
    if framework and codes is None:
        fields.problem(
            "framework", "E-UNKNOWN-FRAMEWORK", f"no framework '{framework}' in frameworks/"
        )
    ctx = lessons.Context(folder, codes)
    listed = fields.texts("modules", required=True)
    modules, names = [], set()
    for index, name in enumerate(listed):
        mark = fields.data["modules"].mark(index)
        rel = _listed_module(folder, name, path, mark, problems)
        if rel is None:
            continue
        names.add(rel)
        module = _module(folder, rel, ctx, problems)
        if module:
            modules.append(module)
    for extra in _module_folders(folder, problems):
        if extra not in names:
            message = f"'{extra}' is not listed in course.yml"
            problems.add(folder / extra / "module.yml", 1, 1, "W-ORPHAN-MODULE", message)
    hours = fields.number("rti_hours", required=False)
    if hours < 0:
        fields.problem("rti_hours", None, "rti_hours cannot be negative")
    return Course(
        id=fields.slug(),
        title=fields.text("title"),
        folder=folder,
        summary=fields.text("summary"),
        audience=fields.text("audience", required=False),
        prerequisites=fields.texts("prerequisites"),
        rti_hours=hours,
        version=fields.text("version"),
        published=fields.boolean("published"),
        framework=framework,
        modules=tuple(modules),
        assets=_assets(folder, problems),
    )


def _module(
    course_folder: Path, rel: PurePosixPath, ctx: lessons.Context, problems: Problems
) -> Module | None:
    path = course_folder / rel / "module.yml"
    data = _read_yaml(course_folder, rel / "module.yml", problems)
    if data is None:
        return None
    fields = Fields(data, path, problems, "module.yml")
    objectives = []
    for raw in fields.items("objectives"):
        objective = Fields(raw, path, problems, "an objective")
        codes = objective.texts("competencies")
        lessons._check_codes(objective, "competencies", codes, ctx)
        objectives.append(Objective(objective.text("text"), codes))
    found: list[Lesson] = []
    listed = set()
    for index, name in enumerate(fields.texts("lessons", required=True)):
        mark = fields.data["lessons"].mark(index)
        lesson_rel = _listed_lesson(course_folder, rel, name, path, mark, problems)
        if lesson_rel is None:
            continue
        listed.add(lesson_rel)
        lesson = lessons.load(course_folder / lesson_rel, ctx, problems)
        if lesson:
            found.append(lesson)
    for entry in _listdir(course_folder, rel, problems):
        if entry.kind == "file" and entry.path.suffix == ".md" and entry.path not in listed:
            message = f"'{entry.path.name}' is not listed in module.yml"
            problems.add(course_folder / entry.path, 1, 1, "W-ORPHAN-LESSON", message)
    module = Module(
        id=fields.slug(),
        title=fields.text("title"),
        folder=rel.as_posix(),
        summary=fields.text("summary", required=False),
        objectives=tuple(objectives),
        lessons=tuple(found),
    )
    if found and not any(lesson.questions for lesson in found):
        problems.add(path, 1, 1, "W-NO-QUIZ", f"module '{module.id}' has no quiz")
    return module


def _listed_module(
    folder: Path, name: str, path: Path, mark: Mark, problems: Problems
) -> PurePosixPath | None:
    """The module folder *name* (written in *path* at *mark*), if it holds a module.yml."""
    try:
        rel = confined.relative(name)
        if rel.parts and confined.kind(folder, rel / "module.yml") == "file":
            return rel
    except confined.Refused as exc:
        problems.refused(exc, path, mark.line, mark.col)
        return None
    message = f"no module folder '{name}' with a module.yml"
    problems.add(path, mark.line, mark.col, "E-MISSING-FILE", message)
    return None


def _listed_lesson(
    folder: Path, module: PurePosixPath, name: str, path: Path, mark: Mark, problems: Problems
) -> PurePosixPath | None:
    """The course-relative path of lesson *name* of *module*, if it is a Markdown file."""
    try:
        rel = confined.relative(name, base=module)
        if rel.suffix == ".md" and confined.kind(folder, rel) == "file":
            return rel
    except confined.Refused as exc:
        problems.refused(exc, path, mark.line, mark.col)
        return None
    problems.add(path, mark.line, mark.col, "E-MISSING-FILE", f"no lesson file '{name}'")
    return None


def _module_folders(folder: Path, problems: Problems) -> list[PurePosixPath]:
    """The course's sub-folders that hold a module.yml."""
    found = []
    for entry in _listdir(folder, PurePosixPath(), problems):
        try:
            if entry.kind == "dir" and confined.kind(folder, entry.path / "module.yml") == "file":
                found.append(entry.path)
        except confined.Refused as exc:
            problems.refused(exc, folder / entry.path)
    return found


def _listdir(folder: Path, rel: PurePosixPath, problems: Problems) -> list[confined.Entry]:
    """The entries of *rel* in *folder*; links and special files among them are reported."""
    try:
        entries = confined.listdir(folder, rel)
    except confined.Refused as exc:
        problems.refused(exc, folder / rel)
        return []
    for entry in entries:
        if entry.refused:
            problems.refused(entry.refused, folder / entry.path)
    return entries


def _assets(folder: Path, problems: Problems) -> tuple[str, ...]:
    """The course-relative paths of the figures under ``assets/``, each within ASSET_BYTES."""
    try:
        entries = confined.walk(folder, "assets")
    except confined.Refused as exc:
        problems.refused(exc, folder / "assets")
        return ()
    found = []
    for entry in entries:
        if entry.refused:
            problems.refused(entry.refused, folder / entry.path)
        elif entry.kind == "file" and entry.path.suffix.lower() in ASSET_TYPES:
            if entry.size > ASSET_BYTES:
                problems.refused(
                    confined.too_large(folder / entry.path, entry.size, ASSET_BYTES), folder
                )
            else:
                found.append(entry.path.as_posix())
    return tuple(found)


def _read_yaml(folder: Path, rel: PurePosixPath, problems: Problems):
    path = folder / rel
    try:
        return yamlfiles.load(confined.read_text(folder, rel, limit=YAML_BYTES))
    except confined.Refused as exc:
        problems.refused(exc, path)
    except yamlfiles.YamlError as exc:
        problems.add(path, exc.mark.line, exc.mark.col, "E-YAML", exc.message)
    except UnicodeDecodeError:
        problems.add(path, 1, 1, "E-YAML", "the file is not UTF-8 text")
    return None

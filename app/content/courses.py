"""A course folder: ``course.yml``, its module folders and their lessons."""

from __future__ import annotations

from pathlib import Path

from app.content import lessons, yamlfiles
from app.content.fields import Fields
from app.content.model import Course, Lesson, Module, Objective
from app.content.problems import Problems


def load(folder: Path, frameworks: dict[str, frozenset[str]], problems: Problems) -> Course | None:
    """Parse and check one course folder; *frameworks* maps framework id → its codes."""
    data = _read_yaml(folder / "course.yml", problems)
    if data is None:
        return None
    path = folder / "course.yml"
    fields = Fields(data, path, problems, "course.yml")
    framework = fields.text("framework")
    codes = frameworks.get(framework)
    if framework and codes is None:
        fields.problem(
            "framework", "E-UNKNOWN-FRAMEWORK", f"no framework '{framework}' in frameworks/"
        )
    ctx = lessons.Context(folder, codes)
    listed = fields.texts("modules", required=True)
    modules = []
    for index, name in enumerate(listed):
        mark = fields.data["modules"].mark(index)
        module_folder = folder / name
        if not (module_folder / "module.yml").is_file():
            problems.add(
                path,
                mark.line,
                mark.col,
                "E-MISSING-FILE",
                f"no module folder '{name}' with a module.yml",
            )
            continue
        module = _module(module_folder, ctx, problems)
        if module:
            modules.append(module)
    for extra in sorted(p for p in folder.iterdir() if (p / "module.yml").is_file()):
        if extra.name not in listed:
            problems.add(
                extra / "module.yml",
                1,
                1,
                "W-ORPHAN-MODULE",
                f"'{extra.name}' is not listed in course.yml",
            )
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
    )


def _module(folder: Path, ctx: lessons.Context, problems: Problems) -> Module | None:
    path = folder / "module.yml"
    data = _read_yaml(path, problems)
    if data is None:
        return None
    fields = Fields(data, path, problems, "module.yml")
    objectives = []
    for raw in fields.items("objectives"):
        objective = Fields(raw, path, problems, "an objective")
        codes = objective.texts("competencies")
        lessons._check_codes(objective, "competencies", codes, ctx)
        objectives.append(Objective(objective.text("text"), codes))
    listed = fields.texts("lessons", required=True)
    found: list[Lesson] = []
    for index, name in enumerate(listed):
        lesson_path = folder / name
        if not lesson_path.is_file() or lesson_path.suffix != ".md":
            mark = fields.data["lessons"].mark(index)
            problems.add(path, mark.line, mark.col, "E-MISSING-FILE", f"no lesson file '{name}'")
            continue
        lesson = lessons.load(lesson_path, ctx, problems)
        if lesson:
            found.append(lesson)
    for extra in sorted(folder.glob("*.md")):
        if extra.name not in listed:
            problems.add(
                extra, 1, 1, "W-ORPHAN-LESSON", f"'{extra.name}' is not listed in module.yml"
            )
    module = Module(
        id=fields.slug(),
        title=fields.text("title"),
        folder=folder.name,
        summary=fields.text("summary", required=False),
        objectives=tuple(objectives),
        lessons=tuple(found),
    )
    if found and not any(lesson.questions for lesson in found):
        problems.add(path, 1, 1, "W-NO-QUIZ", f"module '{module.id}' has no quiz")
    return module


def _read_yaml(path: Path, problems: Problems):
    try:
        return yamlfiles.load(path.read_text(encoding="utf-8"))
    except yamlfiles.YamlError as exc:
        problems.add(path, exc.mark.line, exc.mark.col, "E-YAML", exc.message)
    except UnicodeDecodeError:
        problems.add(path, 1, 1, "E-YAML", "the file is not UTF-8 text")
    except OSError as exc:
        problems.add(path, 1, 1, "E-MISSING-FILE", f"cannot read: {exc.strerror}")
    return None

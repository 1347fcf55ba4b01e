"""``flask curriculum``: validate, sync, stats, and move frameworks in and out as CASE JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app.cli import preview
from app.content import case, confined, hours, limits, validate
from app.content import version as content_version
from app.content.labs import Lab, LabError
from app.database import utcnow
from app.errors import NotFound
from app.extensions import db
from app.services import curriculum_sync, frameworks, lab_catalog

group = AppGroup("curriculum", help="Check and load course content from curricula/.")
group.add_command(preview.command)

ROOT = click.Path(exists=True, file_okay=False, path_type=Path)


def _default_root() -> Path:
    return Path(current_app.config["CURRICULUM_ROOT"])


@group.command("validate")
@click.argument("root", type=ROOT, required=False)
@click.option("--ignore", multiple=True, metavar="CODE", help="Hide warnings with this code.")
def validate_command(root: Path | None, ignore: tuple[str, ...]) -> None:
    """Check every file under ROOT; print problems as file:line:col: CODE message."""
    curriculum, problems = validate.load(
        root or _default_root(), labs_root=_labs_root(), badges_root=_badges_root(root)
    )
    shown = problems.sorted(ignore=frozenset(code for code in ignore if code.startswith("W-")))
    for problem in shown:
        click.echo(str(problem))
    errors = len(problems.errors)
    warnings = sum(1 for p in shown if p.severity == "warning")
    lessons = sum(len(c.lessons()) for c in curriculum.courses)
    click.echo(
        f"{len(curriculum.courses)} courses, {lessons} lessons, {len(curriculum.frameworks)} "
        f"frameworks, {len(curriculum.achievements)} achievements: {errors} errors, "
        f"{warnings} warnings",
        err=True,
    )
    if errors:
        raise SystemExit(1)


@group.command("sync")
@click.argument("root", type=ROOT, required=False)
@click.option("--dry-run", is_flag=True, help="Show what would change and change nothing.")
def sync_command(root: Path | None, dry_run: bool) -> None:
    """Validate ROOT, then load it into the database in one transaction (all or nothing)."""
    badges_root = _badges_root(root)
    root = (root or _default_root()).resolve()
    curriculum, problems = validate.load(root, labs_root=_labs_root(), badges_root=badges_root)
    if problems.errors:
        for problem in problems.errors:
            click.echo(str(problem), err=True)
        raise click.ClickException(f"{len(problems.errors)} errors: nothing was changed.")
    total = sum(len(course.lessons()) for course in curriculum.courses)
    try:
        with click.progressbar(length=total, label="Loading lessons", file=sys.stderr) as bar:
            report = curriculum_sync.sync(
                curriculum,
                version=content_version.describe(root),
                now=utcnow(),
                step=lambda _: bar.update(1),
            )
    except confined.Refused as exc:  # a file changed under us since it was validated
        db.session.rollback()
        where = exc.path or root
        message = f"{where}: {exc.code} {exc.message}: nothing was changed."
        raise click.ClickException(message) from None
    for line in report.lines():
        click.echo(line)
    if dry_run:
        db.session.rollback()
        click.echo("Dry run: nothing was changed.")
    else:
        db.session.commit()
        click.echo("Synced." if report.changed_anything else "Already up to date.")


@group.command("stats")
@click.argument("root", type=ROOT, required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def stats_command(root: Path | None, as_json: bool) -> None:
    """Print each course's lessons, words, quiz items, labs and declared and estimated hours."""
    curriculum, problems = validate.load(
        root or _default_root(), labs_root=_labs_root(), badges_root=_badges_root(root)
    )
    if problems.errors:
        for problem in problems.errors:
            click.echo(str(problem), err=True)
        click.echo(f"{len(problems.errors)} errors: no figures for a broken tree.", err=True)
        raise SystemExit(1)
    found = [hours.measure(c, _stats_labs(hours.lab_ids(c))) for c in curriculum.courses]
    published = hours.total([c for c in found if c.published])
    everything = hours.total(found)
    if as_json:
        click.echo(json.dumps(_stats_json(found, published, everything), indent=2))
        return
    for line in _stats_table(found, published, everything):
        click.echo(line)
    click.echo()
    for course in found:
        if course.over_declared:
            parts = course.estimate
            click.echo(
                f"{course.course} declares {course.declared_hours:g} h; its material justifies "
                f"about {course.estimated_hours:.1f} h (reading {parts.reading / 60:.1f} h, "
                f"worked examples {parts.worked / 60:.1f} h, quizzes {parts.quizzes / 60:.1f} h, "
                f"labs {parts.labs / 60:.1f} h)."
            )
    click.echo(
        f"Estimated h: prose at {hours.STUDY_WPM} words a minute, {hours.WORKED_MINUTES:g} min "
        "per figure, display equation or code block, 1-2 min per quiz item plus its "
        "explanation, and each lab's declared minutes (see curricula/README.md)."
    )


def _stats_labs(ids: list[str]) -> dict[str, Lab]:
    """The lab notebooks among *ids* that exist and parse; a broken one is reported."""
    found = {}
    for ident in ids:
        try:
            found[ident] = lab_catalog.load(_labs_root(), ident)
        except NotFound:
            continue  # planned: validate already says so
        except LabError as exc:
            click.echo(f"lab {ident}: {exc} (counted as not written)", err=True)
    return found


def _stats_table(found: list[hours.CourseHours], published: hours.Total, everything: hours.Total):
    header = (
        "course", "status", "modules", "lessons", "words", "figures", "quiz items", "labs",
        "competencies", "declared h", "estimated h", "declared/estimated",
    )  # fmt: skip
    rows = [header]
    for c in found:
        planned = sum(1 for lab in c.labs if not lab.written)
        labs = str(len(c.labs) - planned) + (f" (+{planned} planned)" if planned else "")
        rows.append((
            c.course, "published" if c.published else "draft", str(c.modules), str(c.lessons),
            str(c.prose.words), str(c.prose.figures), str(c.quiz_items), labs,
            str(len(c.competencies)), f"{c.declared_hours:.1f}", f"{c.estimated_hours:.1f}",
            "-" if c.ratio is None else f"{c.ratio:.2f}",
        ))  # fmt: skip
    for name, total in (("published", published), ("with drafts", everything)):
        label = f"total, {name} ({total.courses} course{'s' if total.courses != 1 else ''})"
        rows.append((
            label, *[""] * 8, f"{total.declared_hours:.1f}", f"{total.estimated_hours:.1f}",
            "-" if total.ratio is None else f"{total.ratio:.2f}",
        ))  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        cells = [
            cell.ljust(w) if i < 2 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ]
        yield "  ".join(cells).rstrip()


def _stats_json(found: list[hours.CourseHours], published: hours.Total, everything: hours.Total):
    return {
        "courses": [course.as_dict() for course in found],
        "totals": {"published": published.as_dict(), "all": everything.as_dict()},
        "model": {
            "study_wpm": hours.STUDY_WPM,
            "worked_minutes": hours.WORKED_MINUTES,
            "quiz_answer_minutes": hours.QUIZ_ANSWER_MINUTES,
            "over_declared_ratio": hours.OVER_DECLARED_RATIO,
        },
    }


@group.command("export-case")
@click.argument("framework")
@click.option("--base-url", default=None, help="Base of CASE URIs (default: PUBLIC_BASE_URL).")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="File to write."
)
def export_case(framework: str, base_url: str | None, output: Path | None) -> None:
    """Print the synced FRAMEWORK (its id) as a 1EdTech CASE 1.1 CFPackage."""
    base = (base_url or current_app.config["PUBLIC_BASE_URL"]).rstrip("/") + "/ims/case/v1p1"
    try:
        row = frameworks.get(framework)
    except Exception as exc:
        raise click.ClickException(str(exc)) from None
    text = json.dumps(frameworks.package(row, base), indent=2, ensure_ascii=False)
    if output:
        output.write_text(text + "\n", encoding="utf-8")
        click.echo(f"Wrote {output}")
    else:
        click.echo(text)


@group.command("import-case")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_case(file: Path) -> None:
    """Import a CASE 1.1 CFPackage (JSON) as a competency framework."""
    try:
        text = confined.read_text(file.parent.resolve(), file.name, limit=limits.CASE_BYTES)
        data = json.loads(text)
        framework = case.read(data, source=f"case:{file.name}")
    except confined.Refused as exc:
        raise click.ClickException(f"{file}: {exc.message}") from None
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise click.ClickException(f"{file} is not JSON: {exc}") from None
    except case.CaseError as exc:
        raise click.ClickException(f"{file}: {exc}") from None
    report = curriculum_sync.Report(version=f"case:{file.name}")
    curriculum_sync.upsert_framework(framework, utcnow(), report)
    db.session.commit()
    items = report.of("competencies")
    click.echo(
        f"Imported '{framework.title}' as framework '{framework.id}': {len(items.added)} added, "
        f"{len(items.changed)} changed, {items.unchanged} unchanged competencies."
    )


def _labs_root() -> Path:
    return Path(current_app.config["LABS_ROOT"])


def _badges_root(root: Path | None) -> Path | None:
    """BADGES_ROOT for the configured curriculum; for a ROOT given, the badges/ beside it."""
    return None if root else Path(current_app.config["BADGES_ROOT"])

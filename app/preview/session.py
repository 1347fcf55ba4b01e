"""A preview session: the files under edit, kept loaded into a database of the preview's own.

``start()`` makes the preview author (an instructor, who sees drafts) in the preview's
database, builds every lab's learner version and loads the tree. Then, for each set of
changed files the watcher reports, ``refresh()``:

1. runs the generator of every changed ``labs/src/<id>.py`` and rebuilds changed labs;
2. validates the whole tree (``content.validate.load``, as ``flask curriculum validate``);
3. if it has no errors, syncs it (``services.curriculum_sync``, as ``flask curriculum sync``)
   and commits; with errors the database keeps the last good content, so pages still show;
4. keeps the new list of problems and moves the generation on, which every open page is
   told of (``wait_for_change``) and reloads for.

The database must be migrated already (``preview.server.build`` runs the migrations).
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask

from app.content import confined, validate
from app.content.labs import LabError
from app.content.model import Curriculum
from app.content.problems import Problem
from app.database import utcnow
from app.domain.roles import OrgKind, Role
from app.errors import Conflict, NotFound
from app.extensions import db
from app.models import User
from app.preview.checks import CheckState, LabChecks
from app.preview.labs import LabBuild, LabSources
from app.preview.tokens import EntryToken
from app.services import accounts, curriculum_sync, lab_catalog, organizations

logger = logging.getLogger(__name__)

AUTHOR_EMAIL = "preview-author@shopfloor.example"
AUTHOR_ORG = "preview"


@dataclass(frozen=True)
class Banner:
    generation: int
    here: tuple[Problem, ...]  # problems in the files of the page shown
    others: tuple[Problem, ...]  # errors elsewhere, up to the banner's limit
    errors: int  # in the whole tree
    warnings: int

    @property
    def more(self) -> int:
        return self.errors + self.warnings - len(self.here) - len(self.others)


@dataclass(frozen=True)
class LessonFiles:
    course: str  # the course's id
    title: str
    files: tuple[str, ...]  # the lesson's file, its module.yml, its course.yml
    labs: tuple[str, ...]  # ids of the labs its lab blocks name


@dataclass(frozen=True)
class PageFiles:
    """Which files each course and lesson comes from, as problems name them."""

    courses: dict[str, tuple[str, ...]] = field(default_factory=dict)  # id → course.yml, folder
    lessons: dict[str, LessonFiles] = field(default_factory=dict)  # lesson id → its files

    def learn(self, curriculum: Curriculum, root: Path) -> PageFiles:
        """These maps updated with what *curriculum* (maybe a broken tree's part) holds."""
        courses, lessons = dict(self.courses), dict(self.lessons)
        for course in curriculum.courses:
            folder = course.folder.relative_to(root).as_posix()
            courses[course.id] = (f"{folder}/course.yml", folder)
            for module in course.modules:
                for lesson in module.lessons:
                    lessons[lesson.id] = LessonFiles(
                        course.id,
                        lesson.title,
                        (
                            f"{folder}/{lesson.path.as_posix()}",
                            f"{folder}/{module.folder}/module.yml",
                            f"{folder}/course.yml",
                        ),
                        tuple(lab.id for lab in lesson.labs),
                    )
        return PageFiles(courses, lessons)


def lab_files(lab_id: str) -> tuple[str, ...]:
    """The files a lab's problems can name."""
    return (f"labs/src/{lab_id}.py", f"labs/{lab_id}.ipynb", f"labs/pitfalls/{lab_id}")


def concerns(problem: Problem, files: Iterable[str]) -> bool:
    """Whether *problem* is in one of *files* (a file, or a folder and everything in it)."""
    return any(problem.path == f or problem.path.startswith(f"{f}/") for f in files)


class PreviewSession:
    def __init__(
        self,
        app: Flask,
        *,
        root: Path,
        labs_root: Path,
        workdir: Path,
        badges_root: Path | None = None,
        token: EntryToken | None = None,
        checks: LabChecks | None = None,
    ) -> None:
        self.app = app
        self.root = root.resolve()
        self.labs_root = labs_root.resolve()
        self.badges_root = (badges_root or self.root.parent / "badges").resolve()
        self.labs = LabSources(self.labs_root, workdir / "learner")
        self.token = token or EntryToken()
        self.checks = checks
        self.generation = 0
        self.problems: tuple[Problem, ...] = ()
        self.files = PageFiles()
        self.synced = 0  # successful syncs, the first included
        self.author_id: int | None = None
        self._changed = threading.Condition()
        self._refreshing = threading.Lock()

    @property
    def watched(self) -> list[Path]:
        """The folders whose files the preview shows: the tree, the labs and the badges."""
        return [self.root, self.labs_root, self.badges_root]

    def start(self) -> None:
        """Make the preview author, build every lab and load the tree (generation 1)."""
        with self.app.app_context():
            self.author_id = _make_author().id
            db.session.commit()
        with self._refreshing:
            for lab_id in self.labs.lab_ids():
                self.labs.build(lab_id)
            self._load()
        self._bump()

    def refresh(self, changed: set[Path]) -> int:
        """Take in the *changed* files; return the new generation."""
        with self._refreshing:
            regenerate, rebuild = self.labs.affected(changed)
            for lab_id in sorted(regenerate):
                self.labs.regenerate(lab_id)
                rebuild.add(lab_id)
            for lab_id in sorted(rebuild):
                if (self.labs_root / f"{lab_id}.ipynb").exists() or lab_id in regenerate:
                    self.labs.build(lab_id)
                else:
                    self.labs.forget(lab_id)
            self._load()
        return self._bump()

    def _load(self) -> None:
        curriculum, found = validate.load(
            self.root, labs_root=self.labs_root, badges_root=self.badges_root
        )
        self.files = self.files.learn(curriculum, self.root)
        problems = [self._shown(p) for p in found.items] + self.labs.problems()
        if not found.errors:
            problems += self._sync(curriculum)
        self.problems = tuple(sorted(problems, key=_order))

    def _sync(self, curriculum: Curriculum) -> list[Problem]:
        """Load *curriculum* into the database; the problem that stopped it, if any."""
        with self.app.app_context():
            try:
                curriculum_sync.sync(curriculum, version=f"preview-{self.synced + 1}", now=utcnow())
                db.session.commit()
            except confined.Refused as exc:  # a file changed under us since it was validated
                db.session.rollback()
                where = exc.path or self.root
                return [self._shown(Problem(str(where), 1, 1, exc.code, exc.message))]
            except Exception as exc:  # keep watching: the next save may fix it
                db.session.rollback()
                logger.exception("preview: loading the tree failed")
                message = f"the tree is valid but could not be loaded ({type(exc).__name__}: {exc})"
                return [Problem(".", 1, 1, "E-PREVIEW-SYNC", message)]
        self.synced += 1
        return []

    def _shown(self, problem: Problem) -> Problem:
        """*problem* with its path as the preview shows it: relative to the tree, or
        ``labs/...`` and ``badges/...`` for the folders beside it."""
        path = Path(problem.path)
        if not path.is_absolute():
            return problem
        for base in (self.root, self.labs_root, self.badges_root):
            if path.is_relative_to(base):
                shown = path.relative_to(base).as_posix()
                prefix = "" if base == self.root else f"{base.name}/"
                return Problem(
                    prefix + shown, problem.line, problem.col, problem.code, problem.message
                )
        return problem

    # -- what pages ask ----------------------------------------------------------------
    def _bump(self) -> int:
        with self._changed:
            self.generation += 1
            self._changed.notify_all()
            return self.generation

    def wait_for_change(self, after: int, timeout: float) -> int:
        """The generation, as soon as it is not *after* (or after *timeout* seconds)."""
        with self._changed:
            self._changed.wait_for(lambda: self.generation != after, timeout)
            return self.generation

    def problems_about(self, files: Iterable[str]) -> tuple[list[Problem], list[Problem]]:
        """The problems in *files*, then all the others (each list errors first)."""
        files = tuple(files)
        here = [p for p in self.problems if concerns(p, files)]
        return here, [p for p in self.problems if not concerns(p, files)]

    def banner(self, files: Iterable[str], *, limit: int = 5) -> Banner:
        """What the problems banner of a page showing *files* lists: that page's problems,
        then errors elsewhere, at most *limit* in all (but every error of the page). Other
        files' warnings are only counted: they would crowd every page."""
        here, others = self.problems_about(files)
        errors_here = sum(1 for p in here if p.severity == "error")
        shown_here = here[: max(limit, errors_here)]  # sorted: errors first
        return Banner(
            self.generation,
            tuple(shown_here),
            tuple(p for p in others if p.severity == "error")[: max(0, limit - len(shown_here))],
            sum(1 for p in self.problems if p.severity == "error"),
            sum(1 for p in self.problems if p.severity != "error"),
        )

    def problems_by_file(self) -> list[tuple[str, list[Problem]]]:
        """Every problem, grouped by file; files with errors first."""
        grouped: dict[str, list[Problem]] = {}
        for problem in self.problems:
            grouped.setdefault(problem.path, []).append(problem)
        return sorted(grouped.items(), key=lambda item: (_order(item[1][0])[0], item[0]))

    def author(self) -> User:
        """The preview author's row (in an app context)."""
        found = db.session.get(User, self.author_id) if self.author_id else None
        if found is None:
            raise NotFound("The preview has no author account: start it again.")
        return found

    def lab(self, lab_id: str) -> LabBuild:
        found = self.labs.builds.get(lab_id)
        if found is None:
            raise NotFound(f"There is no lab {lab_id!r} in {self.labs_root}.")
        return found

    def lab_list(self) -> list[tuple[LabBuild, int]]:
        """Every lab the preview built, with the number of problems in its files."""
        return [
            (build, sum(1 for p in self.problems if concerns(p, lab_files(build.id))))
            for _, build in sorted(self.labs.builds.items())
        ]

    def start_check(self, lab_id: str) -> CheckState:
        """Check the lab as ``flask labs check --seeds 1 <lab_id>`` does, in the background.

        Conflict when checking is off, the lab has errors, or a check is running."""
        if self.checks is None:
            raise Conflict("Checking labs is off in this preview.")
        build = self.lab(lab_id)
        if any(p.severity == "error" for p in build.problems) or build.learner is None:
            raise Conflict("Fix the lab's problems first: a broken lab cannot be checked.")
        try:
            lab = lab_catalog.load(self.labs_root, lab_id)
        except LabError as exc:
            raise Conflict(str(exc)) from None
        return self.checks.start(lab)

    def check_status(self, lab_id: str) -> CheckState | None:
        return self.checks.status(lab_id) if self.checks is not None else None

    def lessons_with_lab(self, lab_id: str) -> list[tuple[str, str, LessonFiles]]:
        """(course id, lesson id, files) of every lesson whose lab block names *lab_id*."""
        return [
            (found.course, lesson_id, found)
            for lesson_id, found in sorted(self.files.lessons.items())
            if lab_id in found.labs
        ]


def _order(problem: Problem) -> tuple:
    return (problem.severity != "error", problem.path, problem.line, problem.col, problem.code)


def _make_author() -> User:
    """The preview author: an instructor of a 'Preview' training partner (so drafts show),
    with a random password nobody is told; the entry token is how a browser signs in."""
    found = accounts.find_by_email(AUTHOR_EMAIL)
    if found is not None:
        return found
    org = organizations.create(
        organizations.NewOrganization(AUTHOR_ORG, "Preview", OrgKind.TRAINING_PARTNER),
        now=utcnow(),
    )
    new = accounts.NewAccount(
        AUTHOR_EMAIL, "Preview Author", secrets.token_urlsafe(32), Role.INSTRUCTOR, org
    )
    return accounts.register(new, now=utcnow())

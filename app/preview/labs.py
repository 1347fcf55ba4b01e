"""Lab sources under preview: run a changed generator, build the learner version, report.

A lab is ``labs/<id>.ipynb``, written by its generator ``labs/src/<id>.py`` (labs/README.md).
When the generator changes, it is run again (this Python, from the repository, with a time
limit); when the notebook or one of its pitfall notebooks changes, the learner version is
built as ``flask labs build`` builds it (``content.labs.learner_version``), but into the
preview's own folder: ``labs/learner/`` is left alone. What goes wrong becomes a problem
shown beside the curriculum's:

- ``E-LAB-GENERATOR``: the generator failed or ran out of time (at the line of the
  generator the traceback names, when it names one);
- ``E-LAB-NOTEBOOK``: the notebook is not a lab notebook, a pitfall notebook is not right for
  it, or the learner version would still hold a solution.
"""

from __future__ import annotations

import logging
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from app.content import confined
from app.content import labs as lab_files
from app.content.problems import Problem
from app.sandbox import notebooks

logger = logging.getLogger(__name__)

GENERATOR_SECONDS = 120.0  # the longest shipped generator takes about 2 s
_TRACEBACK_LINE = re.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d+)')


@dataclass(frozen=True)
class LabBuild:
    """What the preview knows of one lab: its title, its problems, its learner version."""

    id: str
    title: str = ""
    problems: tuple[Problem, ...] = ()
    learner: Path | None = None  # the learner version built for the preview
    version: str = ""  # the lab's content hash (content.labs), "" when it could not be read
    pitfalls: tuple[str, ...] = ()
    generated: bool = False  # labs/src/<id>.py exists
    checks: int = 0
    points: float = 0.0


@dataclass
class LabSources:
    """The labs of *root* (a ``labs/`` folder), built into *out*."""

    root: Path
    out: Path
    python: str = sys.executable
    timeout: float = GENERATOR_SECONDS
    builds: dict[str, LabBuild] = field(default_factory=dict)
    generator_problems: dict[str, tuple[Problem, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.root = self.root.resolve()
        self.out.mkdir(parents=True, exist_ok=True)

    # -- what changed ------------------------------------------------------------------
    def affected(self, paths: set[Path]) -> tuple[set[str], set[str]]:
        """Of *paths*: the ids of labs whose generator changed, and of labs to rebuild."""
        regenerate, rebuild = set(), set()
        for path in paths:
            try:
                parts = PurePosixPath(Path(path).relative_to(self.root).as_posix()).parts
            except ValueError:
                continue
            if len(parts) == 2 and parts[0] == "src" and parts[1].endswith(".py"):
                stem = parts[1][:-3]
                if lab_files.LAB_ID.fullmatch(stem):  # _notebook.py and friends are helpers
                    regenerate.add(stem)
            elif len(parts) == 1 and parts[0].endswith(".ipynb"):
                rebuild.add(parts[0][: -len(".ipynb")])
            elif len(parts) == 3 and parts[0] == lab_files.PITFALLS:
                rebuild.add(parts[1])
        return regenerate, {ident for ident in rebuild if lab_files.LAB_ID.fullmatch(ident)}

    def lab_ids(self) -> list[str]:
        """Every lab with a notebook or a generator, in order."""
        found = set()
        for folder, suffix in ((self.root, ".ipynb"), (self.root / "src", ".py")):
            try:
                entries = confined.listdir(folder)
            except confined.Refused:
                continue
            for entry in entries:
                stem = entry.path.name[: -len(suffix)]
                if entry.path.name.endswith(suffix) and lab_files.LAB_ID.fullmatch(stem):
                    found.add(stem)
        return sorted(found)

    # -- doing it ----------------------------------------------------------------------
    def regenerate(self, lab_id: str) -> None:
        """Run ``labs/src/<lab_id>.py``; a failure is kept as the lab's generator problem."""
        source = self.root / "src" / f"{lab_id}.py"
        shown = f"labs/src/{lab_id}.py"
        if not source.is_file():
            self.generator_problems.pop(lab_id, None)
            return
        try:
            done = subprocess.run(  # noqa: S603 - this Python, the lab author's own generator
                [self.python, str(source)],
                cwd=self.root.parent,
                capture_output=True,
                text=True,
                timeout=self.timeout,
            )
        except subprocess.TimeoutExpired:
            problem = Problem(
                shown, 1, 1, "E-LAB-GENERATOR", f"did not finish within {self.timeout:g} s"
            )
            self.generator_problems[lab_id] = (problem,)
            return
        if done.returncode == 0:
            self.generator_problems.pop(lab_id, None)
            return
        line, message = _failure(done.stderr, source)
        self.generator_problems[lab_id] = (
            Problem(shown, line, 1, "E-LAB-GENERATOR", f"the generator failed: {message}"),
        )

    def build(self, lab_id: str) -> LabBuild:
        """Read ``labs/<lab_id>.ipynb`` and write its learner version into ``out``."""
        import nbformat

        shown = f"labs/{lab_id}.ipynb"
        try:
            raw = lab_files.read_notebook(self.root, f"{lab_id}.ipynb")
            lab = lab_files.parse(notebooks.read(raw))
            learner = lab_files.learner_version(lab)
            for pitfall in lab.pitfalls:  # as `flask labs check` reads them before a run
                lab_files.pitfall_notebook(self.root, lab, pitfall)
        except confined.Refused as exc:
            found = self._missing(lab_id) if exc.code == "E-MISSING-FILE" else exc.message
            return self._keep(LabBuild(lab_id, problems=_problem(shown, found)))
        except (notebooks.BadNotebook, lab_files.LabError) as exc:
            return self._keep(LabBuild(lab_id, problems=_problem(shown, str(exc))))
        target = self.out / f"{lab_id}.ipynb"
        confined.replace_file(self.out.resolve(), target.name, nbformat.writes(learner).encode())
        return self._keep(
            LabBuild(
                lab_id,
                title=lab.title,
                learner=target,
                version=lab.version,
                pitfalls=tuple(p.id for p in lab.pitfalls),
                generated=(self.root / "src" / f"{lab_id}.py").is_file(),
                checks=len(lab.checks),
                points=lab.max_points,
            )
        )

    def _missing(self, lab_id: str) -> str:
        if (self.root / "src" / f"{lab_id}.py").is_file():
            return f"no notebook yet: run .venv/bin/python labs/src/{lab_id}.py"
        return "the notebook is missing"

    def _keep(self, build: LabBuild) -> LabBuild:
        self.builds[build.id] = build
        return build

    def forget(self, lab_id: str) -> None:
        """Drop a lab whose notebook and generator are both gone."""
        self.builds.pop(lab_id, None)
        self.generator_problems.pop(lab_id, None)
        (self.out / f"{lab_id}.ipynb").unlink(missing_ok=True)

    def problems(self) -> list[Problem]:
        found = [p for problems in self.generator_problems.values() for p in problems]
        return found + [p for build in self.builds.values() for p in build.problems]


def _problem(shown: str, message: str) -> tuple[Problem, ...]:
    return (Problem(shown, 1, 1, "E-LAB-NOTEBOOK", message),)


def _failure(stderr: str, source: Path) -> tuple[int, str]:
    """The generator's line a traceback points at (1 if none) and the error's last line."""
    line = 1
    for found in _TRACEBACK_LINE.finditer(stderr):
        if Path(found["file"]).resolve() == source.resolve():
            line = int(found["line"])
    lines = [text for text in stderr.strip().splitlines() if text.strip()]
    return line, (lines[-1].strip() if lines else "it exited with an error")[:500]

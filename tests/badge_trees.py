"""A small curriculum with a program and a badges/ folder beside it, for achievement tests."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import FIXTURE_CURRICULA

REPO = Path(__file__).resolve().parent.parent

GOOD = """\
id: demo-badge
name: Demo Badge
description: Shows the demo skills.
type: Badge
framework: mini
criteria:
  narrative: Do the demo course and its lab.
  rules:
    - mastery: [MINI.A.1, MINI.A.2]
      level: Able
    - mastery: MINI.A.2.1
    - course: demo-course
      lessons: 50%
    - lab: lab-demo
      min_score: 75
    - program: demo-program
      work_process: first
    - program: demo-program
      ojl_hours: 100
      work_process: second
    - program: demo-program
      probation_complete: true
    - program: demo-program
      complete: true
alignments: [MINI.A.1, {framework: mini, code: MINI.A.2}]
artwork: plain
issuers: [lakeshore-cc, carver-state]
instructor_approval: true
valid_for: P2Y6M
tags: [demo]
"""

SIMPLE = """\
id: {id}
name: {name}
description: A lab badge.
type: Badge
criteria:
  narrative: Score well in the demo lab.
  rules:
    - lab: lab-demo
      min_score: {score}
issuers: [lakeshore-cc]
"""


def build(tmp_path: Path) -> Path:
    """Copy the 'good' fixture curriculum (lab-demo written, demo-program added); return it.

    ``labs/`` beside it holds an empty lab-demo notebook, ``badges/`` the artwork templates
    ``plain`` and ``default``.
    """
    root = tmp_path / "curricula"
    shutil.copytree(FIXTURE_CURRICULA / "good", root)
    lesson = root / "demo-course/m1-basics/02-second.md"
    lesson.write_text(lesson.read_text().replace("planned: true\n", ""))
    (root / "programs").mkdir()
    shutil.copy(FIXTURE_CURRICULA / "programs/good.yml", root / "programs/demo.yml")
    (tmp_path / "labs").mkdir()
    (tmp_path / "labs/lab-demo.ipynb").write_text(
        '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'
    )
    (tmp_path / "badges/artwork").mkdir(parents=True)
    (tmp_path / "badges/artwork/plain.svg").write_text("<svg/>")
    (tmp_path / "badges/artwork/default.svg").write_text("<svg/>")
    return root

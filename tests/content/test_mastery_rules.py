"""Mastery rules in framework files: parsed into rules, and every mistake a located error."""

from __future__ import annotations

import textwrap

import pytest

from app.content import frameworks
from app.content.mastery import N_OF_M, MasteryRules, Requirement, Rule
from app.content.problems import Problems

HEAD = """\
id: fw
title: FW
version: "1"
levels:
  - {level: 1, title: Aware}
  - {level: 2, title: Able}
  - {level: 3, title: Proficient}
domains:
  - id: FW.A
    title: A
    competencies:
      - id: FW.A.1
        title: One
        subcompetencies:
          - {id: FW.A.1.1, title: Part}
mastery:
"""


def load(tmp_path, mastery: str):
    path = tmp_path / "fw.yml"
    path.write_text(HEAD + textwrap.indent(textwrap.dedent(mastery), "  "))
    problems = Problems(tmp_path)
    return frameworks.load(path, problems), [str(p) for p in problems.sorted()]


def test_rules_are_read_with_percentages_as_fractions(tmp_path):
    framework, problems = load(
        tmp_path,
        """\
        default:
          method: decaying_average
          weight: 65
          levels: {1: 40, 2: 60, 3: 80}
          mastery: 3
        domains:
          FW.A: {method: n_of_m, n: 2, m: 3}
        competencies:
          FW.A.1.1:
            requires:
              3:
                - {every: lab, min_score: 80}
                - {source: observation, min_level: 3, count: 2}
        """,
    )
    assert problems == []
    assert framework.mastery == MasteryRules(
        default=Rule(
            method="decaying_average",
            weight=0.65,
            levels=((1, 0.4), (2, 0.6), (3, 0.8)),
            mastery=3,
        ),
        domains=(("FW.A", Rule(method=N_OF_M, n=2, m=3)),),
        competencies=(
            (
                "FW.A.1.1",
                Rule(
                    requires=(
                        (
                            3,
                            (
                                Requirement("lab", every=True, min_score=0.8),
                                Requirement("observation", count=2, min_level=3),
                            ),
                        ),
                    )
                ),
            ),
        ),
    )


def test_a_framework_without_rules_has_empty_ones(tmp_path):
    path = tmp_path / "fw.yml"
    path.write_text(HEAD.replace("mastery:\n", ""))
    problems = Problems(tmp_path)
    assert frameworks.load(path, problems).mastery == MasteryRules()
    assert problems.items == []


# (the mastery block, every problem it must produce)
BAD = [
    (
        "default: {method: median}",
        [
            "fw.yml:17:21: E-MASTERY unknown method 'median'; use most_recent, highest, "
            "decaying_average, n_of_m"
        ],
    ),
    (
        "default: {method: highest, weight: 65}",
        ["fw.yml:17:38: E-MASTERY 'weight' does not apply to highest in the default rule"],
    ),
    (
        "default: {method: decaying_average, weight: 0}",
        ["fw.yml:17:47: E-MASTERY 'weight' is a percentage above 0 and at most 100, not 0"],
    ),
    (
        "default: {method: n_of_m, n: 3, m: 2}",
        ["fw.yml:17:32: E-MASTERY n_of_m needs n ≤ m, not n=3 and m=2"],
    ),
    (
        "default: {method: n_of_m, n: 2}",
        ["fw.yml:17:12: E-MASTERY n_of_m in the default rule needs 'm'"],
    ),
    (
        "default: {levels: {1: 50, 2: 40, 5: 90}}",
        [
            "fw.yml:17:39: E-MASTERY '5' is not a level of this framework",
            "fw.yml:17:32: E-MASTERY level 2 needs 40% but level 1 needs more (50%)",
        ],
    ),
    (
        "default: {levels: {3: 120}}",
        [
            "fw.yml:17:25: E-MASTERY the threshold of level 3 is a percentage between 0 and 100,"
            " not 120"
        ],
    ),
    (
        "default: {levels: {1: 50}, mastery: 3}",
        ["fw.yml:17:39: E-MASTERY mastery level 3 has no threshold or requirement for FW.A.1"],
    ),
    (
        "competencies: {FW.NOPE: {method: highest}}",
        ["fw.yml:17:27: E-UNKNOWN-COMPETENCY mastery rule for unknown competency 'FW.NOPE'"],
    ),
    (
        "domains: {FW.A.1: {method: highest}}",
        ["fw.yml:17:21: E-UNKNOWN-COMPETENCY mastery rule for unknown domain 'FW.A.1'"],
    ),
    (
        "default: {requires: {3: [{every: mentor}]}}",
        ["fw.yml:17:36: E-MASTERY unknown source 'mentor' for 'every'; use quiz, lab"],
    ),
    (
        "default: {requires: {3: [{every: lab, source: quiz}]}}",
        ["fw.yml:17:28: E-MASTERY a requirement names either 'every' or 'source', not both"],
    ),
    (
        "default: {requires: {3: [{source: observation, min_level: 7, colour: red}]}}",
        [
            "fw.yml:17:61: E-MASTERY 7 is not a level of this framework",
            "fw.yml:17:72: E-MASTERY unknown key 'colour' in a requirement",
        ],
    ),
    (
        "default: {threshold: 80}",
        ["fw.yml:17:24: E-MASTERY unknown key 'threshold' in the default rule"],
    ),
    ("defaults: {}", ["fw.yml:17:13: E-MASTERY unknown key 'defaults' in mastery"]),
    (
        "[highest]",
        ["fw.yml:17:3: E-MASTERY 'mastery' must be a mapping (default, domains, competencies)"],
    ),
]


@pytest.mark.parametrize("block,expected", BAD, ids=[b for b, _ in BAD])
def test_a_bad_rule_is_a_located_error(tmp_path, block, expected):
    _, problems = load(tmp_path, block)
    assert sorted(problems) == sorted(expected)

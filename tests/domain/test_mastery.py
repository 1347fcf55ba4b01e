"""The mastery function: its methods, levels, requirements and "why not yet", and properties."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.content.mastery import (
    DECAYING_AVERAGE,
    HIGHEST,
    MOST_RECENT,
    N_OF_M,
    Effective,
    MasteryRules,
    Requirement,
    Rule,
    resolve,
)
from app.domain.evidence import ASSESSMENT, PRACTICE
from app.domain.mastery import Evidence, Source, assess, judged_level, value

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
LEVELS = ((1, 0.4), (2, 0.6), (3, 0.8))
TITLES = {1: "Aware", 2: "Developing", 3: "Proficient", 4: "Expert"}


def rule(method=DECAYING_AVERAGE, *, weight=0.65, n=1, m=1, levels=LEVELS, mastery=3, requires=()):
    return Effective(method, weight, n, m, levels, mastery, requires)


def ev(
    score, minutes=0, *, kind="lab", ref="lab-a#attempt-1", purpose=ASSESSMENT, level=None, id=0
):
    at = T0 + timedelta(minutes=minutes)
    return Evidence(kind, ref, purpose, score, level, at, id)


def series(*scores):
    return [ev(s, minutes=i, id=i + 1) for i, s in enumerate(scores)]


# Decaying average, computed by hand: w·latest + (1 − w)·mean(earlier), w = 0.65 by default.
DECAYING_TABLE = [
    ((0.5,), 0.65, 0.5),
    ((0.5, 1.0), 0.65, 0.825),  # 0.65·1.0 + 0.35·0.5
    ((1.0, 0.5), 0.65, 0.675),  # 0.65·0.5 + 0.35·1.0
    ((0.2, 0.4, 0.9), 0.65, 0.69),  # 0.65·0.9 + 0.35·0.3
    ((0.6, 0.6, 0.6, 0.6), 0.65, 0.6),
    ((0.0, 0.0, 1.0), 0.65, 0.65),
    ((1.0, 1.0, 0.0), 0.65, 0.35),
    ((0.3, 0.7), 0.5, 0.5),
    ((0.4, 0.8, 0.6, 1.0), 0.8, 0.92),  # 0.8·1.0 + 0.2·mean(0.4, 0.8, 0.6)
]


@pytest.mark.parametrize("scores,weight,expected", DECAYING_TABLE)
def test_decaying_average_matches_the_hand_computed_table(scores, weight, expected):
    assert value(rule(weight=weight), series(*scores)) == pytest.approx(expected)


def test_each_method_on_one_series():
    scores = series(0.9, 0.5, 0.7, 0.6)
    assert value(rule(HIGHEST), scores) == 0.9
    assert value(rule(MOST_RECENT), scores) == 0.6
    assert value(rule(N_OF_M, n=2, m=3), scores) == 0.6  # latest three: 0.5, 0.7, 0.6
    assert value(rule(N_OF_M, n=3, m=3), scores) == 0.5
    assert value(rule(N_OF_M, n=2, m=3), series(0.9)) is None  # fewer than n scores


def test_practice_never_counts_and_is_reported_as_practised():
    """Does a perfect practice score give mastery? It must not: it shows as practised."""
    pieces = [ev(1.0, i, purpose=PRACTICE, kind="quiz", ref=f"q{i}") for i in range(5)]
    outcome = assess(rule(), pieces)
    assert outcome.value is None and outcome.level is None and not outcome.mastered
    assert outcome.practised == 5 and outcome.assessed == 0


def test_levels_follow_the_thresholds():
    assert assess(rule(HIGHEST), series(0.3)).level is None
    assert assess(rule(HIGHEST), series(0.45)).level == 1
    assert assess(rule(HIGHEST), series(0.79)).level == 2
    outcome = assess(rule(HIGHEST), series(0.8))
    assert outcome.level == 3 and outcome.mastered and outcome.missing == ()


def test_why_not_yet_names_the_value_and_points_at_the_work():
    labs = (Source("lab", "lab-a", "OEE lab"), Source("quiz", "q-1"))
    outcome = assess(rule(), series(0.5, 0.7), labs, TITLES)
    assert outcome.level == 2 and outcome.target == 3
    [gap] = outcome.missing
    assert gap.text == (
        "Level 3 (Proficient) needs your decaying average to be at least 80 %; it is 63 %."
    )
    assert gap.sources == labs


def test_nothing_yet_says_so():
    [gap] = assess(rule(), [], (), TITLES).missing
    assert (
        gap.text
        == "Level 3 (Proficient) needs assessed work scoring at least 80 %; there is none yet."
    )


EVERY_LAB = Requirement("lab", every=True, min_score=0.8)
MENTOR = Requirement("observation", min_level=3)


def test_every_lab_and_a_mentor_observation_at_level_3():
    """ "≥ 80 % on every lab mapped to it and one mentor observation at level 3"."""
    precise = rule(HIGHEST, requires=((3, (EVERY_LAB, MENTOR)),))
    sources = (Source("lab", "lab-a"), Source("lab", "lab-b", "the graded lab “Lab B”"))
    pieces = [ev(0.9, 1, ref="lab-a#attempt-1"), ev(0.7, 2, ref="lab-b#attempt-1")]
    outcome = assess(precise, pieces, sources, TITLES)
    assert outcome.level == 2 and outcome.value == 0.9
    assert [(m.text, m.sources) for m in outcome.missing] == [
        (
            "Level 3 (Proficient) needs the graded lab “Lab B” with a score of at least 80 %.",
            (sources[1],),
        ),
        (
            "Level 3 (Proficient) needs a mentor observation with level 3 or higher.",
            (Source("observation"),),
        ),
    ]
    pieces += [
        ev(0.85, 3, ref="lab-b#attempt-2"),
        ev(None, 4, kind="observation", ref="obs-1", level=2),
    ]
    assert [m.text for m in assess(precise, pieces, sources, TITLES).missing] == [
        "Level 3 (Proficient) needs a mentor observation with level 3 or higher."
    ]
    pieces.append(ev(None, 5, kind="observation", ref="obs-2", level=3))
    outcome = assess(precise, pieces, sources, TITLES)
    assert outcome.mastered and outcome.missing == ()


def test_a_level_without_a_threshold_needs_only_its_requirements():
    expert = rule(HIGHEST, requires=((4, (Requirement("observation", min_level=4),)),))
    outcome = assess(expert, series(0.95), (), TITLES)
    assert outcome.level == 3 and outcome.mastered and outcome.target == 4
    assert [m.text for m in outcome.missing] == [
        "Level 4 (Expert) needs a mentor observation with level 4 or higher."
    ]
    done = [*series(0.95), ev(None, 9, kind="observation", ref="o", level=4)]
    assert assess(expert, done).level == 4 and assess(expert, done).target is None


def test_a_judgement_at_a_level_is_believed_but_requirements_still_apply():
    """An instructor's rubric at level 2, with no score, gives level 2; an observation at 3
    gives 3 only once level 3's labs are done; practice and OJL hours judge nothing."""
    precise = rule(HIGHEST, requires=((3, (EVERY_LAB,)),))
    sources = (Source("lab", "lab-a"),)
    rubric = ev(None, 1, kind="rubric", ref="rubric#1", level=2)
    assert assess(precise, [rubric], sources, TITLES).level == 2
    observed = [rubric, ev(None, 2, kind="observation", ref="observation#1", level=3)]
    outcome = assess(precise, observed, sources, TITLES)
    assert outcome.level == 2 and [m.text for m in outcome.missing] == [
        "Level 3 (Proficient) needs the graded lab 'lab-a' with a score of at least 80 %."
    ]
    observed.append(ev(0.8, 3, ref="lab-a#attempt-1"))
    assert assess(precise, observed, sources, TITLES).mastered
    unjudged = [ev(None, 1, kind="ojl", ref="ojl#1", level=3),
                ev(None, 2, kind="rubric", ref="rubric#2", level=3, purpose=PRACTICE)]  # fmt: skip
    assert assess(precise, unjudged).level is None


def test_the_latest_judgement_counts_for_most_recent_the_highest_otherwise():
    judged = [ev(None, 1, kind="observation", ref="o#1", level=3),
              ev(None, 2, kind="observation", ref="o#2", level=1)]  # fmt: skip
    assert assess(rule(MOST_RECENT), judged).level == 1
    assert assess(rule(HIGHEST), judged).level == 3


def test_count_requirements_say_how_many_are_there():
    twice = rule(HIGHEST, requires=((3, (Requirement("quiz", count=2, min_score=1.0),)),))
    pieces = [*series(0.9), ev(1.0, 5, kind="quiz", ref="q-1")]
    [gap] = assess(twice, pieces, (), TITLES).missing
    assert gap.text == (
        "Level 3 (Proficient) needs 2 checked questions with a score of at least 100 %"
        " (you have 1)."
    )


def test_most_recent_breaks_ties_in_time_by_the_order_written():
    same_time = [ev(0.9, 0, id=2), ev(0.3, 0, id=1)]
    assert value(rule(MOST_RECENT), same_time) == 0.9
    assert value(rule(MOST_RECENT), list(reversed(same_time))) == 0.9


# Properties ----------------------------------------------------------------------------

scores = st.floats(min_value=0, max_value=1, allow_nan=False)
pieces = st.lists(
    st.builds(
        lambda s, minute, ident, purpose: ev(s, minute, id=ident, purpose=purpose),
        scores,
        st.integers(0, 50),
        st.integers(0, 1000),
        st.sampled_from([ASSESSMENT, ASSESSMENT, PRACTICE]),
    ),
    max_size=12,
)


@given(pieces, pieces)
def test_more_evidence_never_lowers_highest(before, more):
    highest = rule(HIGHEST)
    earlier, later = assess(highest, before), assess(highest, before + more)
    assert (later.value or 0) >= (earlier.value or 0)
    assert (later.level or 0) >= (earlier.level or 0)


@given(pieces, st.randoms(use_true_random=False))
def test_methods_over_time_do_not_depend_on_the_order_given(evidence, rnd):
    shuffled = list(evidence)
    rnd.shuffle(shuffled)
    for method in (HIGHEST, MOST_RECENT, DECAYING_AVERAGE):
        assert assess(rule(method), evidence) == assess(rule(method), shuffled)


@given(st.lists(scores, min_size=1, max_size=10), st.integers(1, 5), st.integers(0, 5))
def test_n_of_m_depends_only_on_the_latest_m(values, n, extra):
    m = n + extra
    latest = series(*values)[-m:]
    n_of_m = rule(N_OF_M, n=n, m=m)
    found = value(n_of_m, latest)
    assert found == value(n_of_m, list(reversed(latest)))
    if found is not None:  # at least n of the latest m reach the value, and it is the best such
        assert sum(e.score >= found for e in latest) >= n
        assert all(sum(e.score >= t for e in latest) < n for t in [found + 1e-6] if found < 1)


@given(st.lists(st.tuples(scores, st.integers(0, 30)), min_size=1, max_size=10))
def test_most_recent_is_the_latest_in_time(timed):
    evidence = [ev(s, minute, id=i) for i, (s, minute) in enumerate(timed)]
    latest = max(evidence, key=lambda e: (e.at, e.id))
    assert value(rule(MOST_RECENT), evidence) == latest.score


@given(pieces)
def test_the_level_reached_meets_its_threshold(evidence):
    outcome = assess(rule(), evidence)
    if outcome.level is not None:
        judged = judged_level(rule(), evidence) or 0
        assert judged >= outcome.level or outcome.value >= dict(LEVELS)[outcome.level] - 1e-9
    assert outcome.mastered == (outcome.level == 3)
    assert (outcome.missing == ()) == outcome.mastered


# Resolving the rules of a framework ------------------------------------------------------


def test_rules_merge_from_default_to_domain_to_competency():
    rules = MasteryRules(
        default=Rule(
            method=DECAYING_AVERAGE,
            weight=0.7,
            levels=LEVELS,
            mastery=3,
            requires=((4, (MENTOR,)),),
        ),  # fmt: skip
        domains=(("D", Rule(method=N_OF_M, n=2, m=3)),),
        competencies=(("D.1", Rule(requires=((3, (EVERY_LAB,)),))),),
    )
    plain = resolve(rules, "E.1", ("E",), 4)
    assert (plain.method, plain.weight, plain.mastery, plain.ladder) == (
        DECAYING_AVERAGE, 0.7, 3, (1, 2, 3, 4),
    )  # fmt: skip
    precise = resolve(rules, "D.1", ("D",), 4)
    assert (precise.method, precise.n, precise.m, precise.weight) == (N_OF_M, 2, 3, 0.65)
    assert precise.requires == ((3, (EVERY_LAB,)), (4, (MENTOR,)))


def test_a_framework_without_rules_gets_the_built_in_one():
    built_in = resolve(MasteryRules(), "X.1", ("X",), 4)
    assert (built_in.method, built_in.weight, built_in.levels, built_in.mastery) == (
        DECAYING_AVERAGE, 0.65, ((4, 0.8),), 4,
    )  # fmt: skip


def test_rules_survive_the_trip_through_json():
    rules = MasteryRules(
        default=Rule(method=HIGHEST, levels=LEVELS, mastery=2, requires=((3, (MENTOR,)),)),
        competencies=(("D.1", Rule(method=N_OF_M, n=1, m=2)),),
    )
    assert MasteryRules.from_json(rules.as_json()) == rules

"""Whatever comes back from the learner's kernel is untrusted data: reading and judging it
never raises, never passes by accident, and never echoes hidden text."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from app.content.labs import Check
from app.domain import grading, observations

IDS = ("a", "b")

plain_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**450), max_value=10**450)
    | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=30,
)


def record(found) -> str:
    """The text form a record has in a kernel's reply: the repr of a JSON string."""
    return repr(json.dumps(found))


def check(compare="close", visible=True, **extra) -> Check:
    fields = {"id": "a", "points": 1.0, "observe": "x", "expected": "reference"}
    return Check(**{**fields, "compare": compare, "visible": visible, **extra})


def test_a_well_formed_record_is_read():
    text = record({"a": {"value": [1, 2.5, "x"]}, "b": {"error": "NameError: name 'x'"}})
    assert observations.parse(text, IDS) == {
        "a": {"value": [1, 2.5, "x"]},
        "b": {"error": "NameError: name 'x'"},
    }


def test_only_the_checks_a_step_observes_are_taken_from_it():
    assert observations.parse(record({"a": {"value": 1}, "b": {"value": 2}}), ["a"]) == {
        "a": {"value": 1}
    }


def test_malformed_entries_are_not_observations():
    """Review finding: {"inputs": ["error"]} crashed judge() with a TypeError."""
    text = record(
        {
            "a": ["error"],
            "b": {"value": 1, "error": "both"},
        }
    )
    assert observations.parse(text, IDS) == {}
    assert observations.parse(record({"a": {"error": ["not", "text"]}}), IDS) == {
        "a": {"error": "the result could not be read"}
    }


def test_a_record_nested_50000_levels_deep_is_refused_without_recursion_error():
    deep = "[" * 50_000 + "]" * 50_000
    text = repr('{"a": {"value": ' + deep + "}}")
    assert observations.parse(text, IDS) == {}
    medium = json.loads("[" * 100 + "]" * 100)
    assert observations.parse(record({"a": {"value": medium}}), IDS) == {
        "a": {"error": "the result could not be read"}
    }


def test_garbage_text_is_no_record():
    for text in (None, "", "'not json'", "((((((((((((1))))))))))))", "(" * 100_000, "b'x'", "1"):
        assert observations.parse(text, IDS) == {}


def test_error_messages_are_bounded_single_lines_without_escapes():
    text = record({"a": {"error": "ValueError: \x1b[31mred\x1b[0m\nline two\t" + "x" * 5000}})
    message = observations.parse(text, IDS)["a"]["error"]
    assert "\x1b" not in message and "\n" not in message and len(message) <= 200
    assert message.startswith("ValueError: [31mred [0m line two")


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=200))
def test_parse_never_raises_on_any_text(text):
    assert isinstance(observations.parse(text, IDS), dict)


@settings(max_examples=300, deadline=None)
@given(entry=plain_json, expected=plain_json, compare=st.sampled_from(["close", "equal", "set"]))
def test_judging_any_plain_value_never_raises(entry, expected, compare):
    """Review finding: 400-digit integers raised OverflowError in math.isclose."""
    found = observations.parse(record({"a": {"value": entry}}), IDS).get("a")
    result = grading.judge(check(compare, tolerance=0.01), found, expected, "")
    assert result.passed in (True, False)
    assert result.earned in (0.0, 1.0)


def test_huge_integers_fail_instead_of_crashing():
    assert not grading.compare(check("close", tolerance=0.01), 10**400, 1.5)
    assert not grading.compare(check("close", tolerance=0.01), [10**400], [1e308])
    assert grading.compare(check("equal"), 10**400, 10**400)


def test_booleans_are_not_numbers():
    assert not grading.compare(check("equal"), True, 1)
    assert not grading.compare(check("equal"), [0], [False])
    assert not grading.compare(check("close", tolerance=0.5), True, 1.0)


def test_null_never_matches_a_real_expected_value():
    for compare in ("close", "equal", "set"):
        for expected in (0, 0.0, "", [], {}, [1.0], {"x": 1}):
            assert not grading.compare(check(compare, tolerance=0.01), None, expected)


def test_hidden_check_feedback_is_the_authors_words_only():
    """Review finding: judge echoed observed['error'], which quoted hidden inputs."""
    leak = "ValueError: case (41.2, [3, 9, 7]) from the hidden test"
    hidden = check("close", visible=False, hint="Check the edge case of an empty window.")
    result = grading.judge(hidden, {"error": leak}, 1.0, "")
    assert result.feedback == "Check the edge case of an empty window."
    assert "41.2" not in result.feedback
    plain = grading.judge(check("close", visible=False), {"value": 2.0}, 1.0, "")
    assert plain.feedback == "This hidden check did not pass."
    visible = grading.judge(
        check("close"), {"error": "NameError: name 'oee' is not defined"}, 1, ""
    )
    assert visible.feedback == "Could not read your result: NameError: name 'oee' is not defined"

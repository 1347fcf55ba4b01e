"""A small xAPI 1.0.3 statement validator (the rules our exports rely on), and its own tests.

It checks, per the specification's data part: the required properties and no unknown ones;
UUIDs in standard form (variant 2); absolute IRIs with a scheme; language maps keyed by
RFC 5646 tags; an Agent with exactly one inverse functional identifier (mbox as mailto:,
mbox_sha1sum as 40 hex digits, openid, or account with an IRL homePage and a name); result
score ranges (scaled in [-1, 1], min < max, raw between them); booleans and numbers typed as
such; context rules (registration a UUID, revision and platform only with an Activity object,
contextActivities keys and arrays); ISO 8601 timestamps with a time zone and durations.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime

import pytest

STATEMENT_KEYS = {
    "id",
    "actor",
    "verb",
    "object",
    "result",
    "context",
    "timestamp",
    "stored",
    "authority",
    "version",
    "attachments",
}
IFIS = ("mbox", "mbox_sha1sum", "openid", "account")
INTERACTION_TYPES = {
    "true-false",
    "choice",
    "fill-in",
    "long-fill-in",
    "matching",
    "performance",
    "sequencing",
    "likert",
    "numeric",
    "other",
}
# RFC 5646 in outline: a 2-3 letter language (or 4-8), then subtags of 1-8 letters or digits.
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z]{3}){0,3}(-[A-Za-z0-9]{1,8})*$|^[A-Za-z]{4,8}$")
IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]+$")
UUID_FORM = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
TIMESTAMP = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"
)  # RFC 3339, the profile of ISO 8601 the spec asks for, with the zone it recommends
DURATION = re.compile(
    r"^P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$|^P\d+W$"
)


def validate(statement: dict) -> list[str]:
    """Every rule *statement* breaks, as readable messages; [] when it is valid."""
    problems: list[str] = []
    check = _Checker(problems)
    check.statement(statement)
    return problems


class _Checker:
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems

    def fail(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def keys(self, value, where: str, allowed: set[str], required: set[str] = frozenset()):
        if not isinstance(value, dict):
            self.fail(where, "must be an object")
            return False
        for key in sorted(set(value) - allowed):
            self.fail(f"{where}.{key}", "is not a property xAPI allows here")
        for key in sorted(required - set(value)):
            self.fail(f"{where}.{key}", "is required")
        for key, item in value.items():
            if item is None:
                self.fail(f"{where}.{key}", "must not be null")
            elif item == {}:
                self.fail(f"{where}.{key}", "should not be an empty object")
        return True

    def statement(self, s: dict) -> None:
        required = {"actor", "verb", "object"}
        if not self.keys(s, "statement", STATEMENT_KEYS, required) or required - set(s):
            return
        if "id" in s:
            self.uuid(s["id"], "id")
        self.agent(s["actor"], "actor")
        self.verb(s["verb"])
        is_activity = self.object(s["object"])
        if "result" in s:
            self.result(s["result"])
        if "context" in s:
            self.context(s["context"], is_activity)
        if "timestamp" in s:
            self.timestamp(s["timestamp"], "timestamp")
        if "stored" in s:
            self.fail("stored", "is set by the LRS, not the provider")

    def uuid(self, value, where: str) -> None:
        if not isinstance(value, str) or not UUID_FORM.match(value):
            self.fail(where, f"{value!r} is not a UUID in standard (lower-case) form")
        elif str(uuid.UUID(value)) != value:
            self.fail(where, f"{value!r} is not in standard form")

    def iri(self, value, where: str) -> None:
        if not isinstance(value, str) or not IRI.match(value):
            self.fail(where, f"{value!r} is not an absolute IRI")

    def irl(self, value, where: str) -> None:
        self.iri(value, where)
        if isinstance(value, str) and not value.startswith(("http://", "https://")):
            self.fail(where, f"{value!r} is not an IRL (http or https)")

    def language_map(self, value, where: str) -> None:
        if not isinstance(value, dict) or not value:
            self.fail(where, "must be a non-empty language map")
            return
        for tag, text in value.items():
            if not LANGUAGE_TAG.match(tag):
                self.fail(where, f"{tag!r} is not an RFC 5646 language tag")
            if not isinstance(text, str):
                self.fail(f"{where}.{tag}", "must be a string")

    def agent(self, agent, where: str) -> None:
        allowed = {"objectType", "name", *IFIS}
        if not self.keys(agent, where, allowed):
            return
        if agent.get("objectType", "Agent") != "Agent":
            self.fail(f"{where}.objectType", "must be Agent")
        found = [key for key in IFIS if key in agent]
        if len(found) != 1:
            self.fail(where, f"must have exactly one inverse functional identifier, has {found}")
        if "mbox" in agent and not re.match(r"^mailto:[^@\s]+@[^@\s]+$", str(agent["mbox"])):
            self.fail(f"{where}.mbox", "must be a mailto: IRI")
        if "mbox_sha1sum" in agent and not re.match(r"^[0-9a-f]{40}$", str(agent["mbox_sha1sum"])):
            self.fail(f"{where}.mbox_sha1sum", "must be 40 hex digits")
        if "openid" in agent:
            self.iri(agent["openid"], f"{where}.openid")
        if "account" in agent:
            account = agent["account"]
            if self.keys(account, f"{where}.account", {"homePage", "name"}, {"homePage", "name"}):
                self.irl(account.get("homePage"), f"{where}.account.homePage")
                if not isinstance(account.get("name"), str) or not account.get("name"):
                    self.fail(f"{where}.account.name", "must be a non-empty string")

    def verb(self, verb) -> None:
        if self.keys(verb, "verb", {"id", "display"}, {"id"}):
            self.iri(verb.get("id"), "verb.id")
            if "display" in verb:
                self.language_map(verb["display"], "verb.display")
            else:
                self.fail("verb.display", "should be given (a language map)")

    def object(self, target) -> bool:
        if not isinstance(target, dict):
            self.fail("object", "must be an object")
            return False
        if target.get("objectType", "Activity") != "Activity":
            return False  # our exports only send Activities; others are not checked here
        self.activity(target, "object")
        return True

    def activity(self, activity, where: str) -> None:
        if not self.keys(activity, where, {"objectType", "id", "definition"}, {"id"}):
            return
        self.iri(activity.get("id"), f"{where}.id")
        if "definition" not in activity:
            return
        definition = activity["definition"]
        allowed = {
            "name",
            "description",
            "type",
            "moreInfo",
            "extensions",
            "interactionType",
            "correctResponsesPattern",
            "choices",
            "scale",
            "source",
            "target",
            "steps",
        }
        if not self.keys(definition, f"{where}.definition", allowed):
            return
        for key in ("name", "description"):
            if key in definition:
                self.language_map(definition[key], f"{where}.definition.{key}")
        if "type" in definition:
            self.iri(definition["type"], f"{where}.definition.type")
        if "moreInfo" in definition:
            self.irl(definition["moreInfo"], f"{where}.definition.moreInfo")
        self.extensions(definition.get("extensions"), f"{where}.definition.extensions")
        interaction = set(allowed) - {"name", "description", "type", "moreInfo", "extensions"}
        if interaction & set(definition):
            kind = definition.get("interactionType")
            if kind not in INTERACTION_TYPES:
                self.fail(f"{where}.definition.interactionType", f"{kind!r} is not one")

    def extensions(self, value, where: str) -> None:
        if value is None:
            return
        if not isinstance(value, dict):
            self.fail(where, "must be an object")
            return
        for key in value:
            self.iri(key, f"{where} key")

    def result(self, result) -> None:
        allowed = {"score", "success", "completion", "response", "duration", "extensions"}
        if not self.keys(result, "result", allowed):
            return
        for key in ("success", "completion"):
            if key in result and not isinstance(result[key], bool):
                self.fail(f"result.{key}", "must be a boolean")
        if "response" in result and not isinstance(result["response"], str):
            self.fail("result.response", "must be a string")
        if "duration" in result and not DURATION.match(str(result["duration"])):
            self.fail("result.duration", f"{result['duration']!r} is not an ISO 8601 duration")
        self.extensions(result.get("extensions"), "result.extensions")
        if "score" in result:
            self.score(result["score"])

    def score(self, score) -> None:
        if not self.keys(score, "result.score", {"scaled", "raw", "min", "max"}):
            return
        for key, value in score.items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                self.fail(f"result.score.{key}", "must be a number")
                return
        if "scaled" in score and not -1 <= score["scaled"] <= 1:
            self.fail("result.score.scaled", f"{score['scaled']} is outside [-1, 1]")
        low, high = score.get("min"), score.get("max")
        if low is not None and high is not None and not low < high:
            self.fail("result.score", "min must be less than max")
        raw = score.get("raw")
        if raw is not None and (
            (low is not None and raw < low) or (high is not None and raw > high)
        ):
            self.fail("result.score.raw", f"{raw} is not between min and max")

    def context(self, context, is_activity: bool) -> None:
        allowed = {
            "registration",
            "instructor",
            "team",
            "contextActivities",
            "revision",
            "platform",
            "language",
            "statement",
            "extensions",
        }
        if not self.keys(context, "context", allowed):
            return
        if "registration" in context:
            self.uuid(context["registration"], "context.registration")
        if "instructor" in context:
            self.agent(context["instructor"], "context.instructor")
        for key in ("revision", "platform"):
            if key in context and not is_activity:
                self.fail(f"context.{key}", "is only allowed when the object is an Activity")
            if key in context and not isinstance(context[key], str):
                self.fail(f"context.{key}", "must be a string")
        if "language" in context and not LANGUAGE_TAG.match(str(context["language"])):
            self.fail("context.language", f"{context['language']!r} is not an RFC 5646 tag")
        self.extensions(context.get("extensions"), "context.extensions")
        activities = context.get("contextActivities")
        if activities is None:
            return
        if self.keys(
            activities, "context.contextActivities", {"parent", "grouping", "category", "other"}
        ):
            for key, value in activities.items():
                items = value if isinstance(value, list) else [value]
                for n, item in enumerate(items):
                    self.activity(item, f"context.contextActivities.{key}[{n}]")

    def timestamp(self, value, where: str) -> None:
        if not isinstance(value, str) or not TIMESTAMP.match(value):
            self.fail(where, f"{value!r} is not an ISO 8601 timestamp with a time zone")
            return
        datetime.fromisoformat(value.replace("Z", "+00:00"))  # a real date and time


# -- the validator's own tests: it must refuse what the rules refuse ------------------------------

GOOD = {
    "id": "0f8fad5b-d9cb-469f-a165-70867728950e",
    "actor": {"objectType": "Agent", "account": {"homePage": "https://x.example", "name": "7"}},
    "verb": {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"en": "answered"}},
    "object": {"objectType": "Activity", "id": "https://x.example/xapi/activities/question/q1"},
    "result": {"score": {"scaled": 0.5, "raw": 1, "min": 0, "max": 2}, "success": False},
    "context": {
        "registration": "5c8e1b2a-3f4d-4e6a-8b9c-0d1e2f3a4b5c",
        "platform": "Shopfloor",
        "language": "en-US",
        "contextActivities": {"parent": [{"id": "https://x.example/lesson/1"}]},
    },
    "timestamp": "2026-12-06T15:13:13.123+00:00",
}


def changed(path: str, value) -> dict:
    import copy

    statement = copy.deepcopy(GOOD)
    *parents, last = path.split(".")
    target = statement
    for key in parents:
        target = target[key]
    if value is KeyError:
        del target[last]
    else:
        target[last] = value
    return statement


def test_validator_accepts_a_good_statement():
    assert validate(GOOD) == []


@pytest.mark.parametrize(
    ("path", "value", "says"),
    [
        ("verb", KeyError, "verb: is required"),
        ("id", "0F8FAD5B-D9CB-469F-A165-70867728950E", "standard"),
        ("id", "not-a-uuid", "UUID"),
        ("actor.mbox", "mailto:someone@x.example", "exactly one inverse functional"),
        ("actor.account", KeyError, "exactly one inverse functional"),
        ("actor.account", {"homePage": "x.example", "name": "7"}, "absolute IRI"),
        ("verb.id", "answered", "absolute IRI"),
        ("verb.display", {"en_US": "answered"}, "RFC 5646"),
        ("verb.display", KeyError, "should be given"),
        ("result.score", {"scaled": 1.5}, "outside [-1, 1]"),
        ("result.score", {"raw": 3, "min": 0, "max": 2}, "between min and max"),
        ("result.score", {"min": 2, "max": 2}, "min must be less than max"),
        ("result.success", "true", "boolean"),
        ("result.duration", "6 hours", "duration"),
        ("timestamp", "2026-12-06 15:13:13", "time zone"),
        ("timestamp", "2026-12-06T15:13:13", "time zone"),
        ("context.registration", 42, "UUID"),
        ("context.language", "English!", "RFC 5646"),
        ("context.contextActivities", {"parents": []}, "not a property"),
        ("context.team", None, "null"),
        ("stored", "2026-12-06T15:13:13Z", "set by the LRS"),
        ("extra", 1, "not a property"),
    ],
)
def test_validator_refuses_what_the_rules_refuse(path, value, says):
    problems = validate(changed(path, value))
    assert any(says in problem for problem in problems), problems

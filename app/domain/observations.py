"""What the grader learns from the learner's kernel, and how little it trusts it.

After the learner's cells ran, the grader evaluates each check's ``observe`` expression in
that kernel. Everything about this is hostile ground: the learner's code ran first and may
have replaced builtins, registered hooks or started threads. So:

- the grader's own steps (hidden tests, observations) run out of band, as user expressions
  of silent requests (the sandbox's reply cells): no input transformer, run-cell event, display
  hook or history of the kernel sees their code, and there is no marker in the output for
  learner code to copy, because the record comes back on the request's reply;
- what comes back is parsed here as untrusted data: bounded in size and depth, checked for
  shape, and any defect fails the check it concerns, never the grader;
- a forged record can at most claim values, and every value is judged against an expected
  value computed outside the learner's kernel, so forging earns no more than knowing the
  answers.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Collection, Mapping
from typing import Any

MAX_DEPTH = 32  # nesting of one observed value (the kernel side stops at 8)
MAX_ERROR_CHARS = 200  # of an error message shown to the learner

# Kernel-side: turn a value into plain JSON data. Runs with the learner's objects, so it
# accepts only exact built-in types (a subclass could lie in __eq__ or __iter__).
_OBSERVE = r"""
import sys as _sys
import json as _json
_sys.settrace(None)
_sys.setprofile(None)
try:
    from IPython import get_ipython as _get_ipython
    _printers = _get_ipython().display_formatter.formatters["text/plain"]
    _printers.type_printers.pop(str, None)
    _printers.deferred_printers.pop(("builtins", "str"), None)
except Exception:
    pass

def _plain(value, depth=0):
    kind = type(value)
    if depth > 8:
        raise TypeError("nested too deeply")
    if value is None or kind in (bool, int, str):
        return value
    if kind is float:
        return value if value == value and abs(value) != float("inf") else repr(value)
    if kind in (list, tuple):
        return [_plain(v, depth + 1) for v in value[:10000]]
    if kind is dict:
        return {str(k): _plain(v, depth + 1) for k, v in list(value.items())[:10000]}
    module = getattr(kind, "__module__", "") or ""
    if module.startswith("numpy") and hasattr(value, "tolist"):
        return _plain(value.tolist(), depth + 1)
    if module.startswith("pandas") and hasattr(value, "to_dict") and hasattr(value, "index"):
        return _plain(value.to_dict(), depth + 1)
    raise TypeError("a " + str(kind.__name__) + " is not plain data (numbers, text, lists)")

def _message(error):
    try:
        text = str(error)
    except BaseException:
        text = ""
    return (str(type(error).__name__) + ": " + text)[:500]

found = {}
for _name, _expression in EXPRESSIONS.items():
    try:
        found[_name] = {"value": _plain(eval(_expression, user_ns))}
    except KeyboardInterrupt:
        raise
    except BaseException as _error:
        found[_name] = {"error": _message(_error)}
result = _json.dumps(found)
"""


_UNTRACE = "__import__('sys').settrace(None), __import__('sys').setprofile(None), "


def observe_expression(expressions: Mapping[str, str]) -> str:
    """One expression that evaluates each named *expressions* in the kernel; its value is JSON.

    The code runs in a namespace of its own, with the learner's namespace as ``user_ns``.
    """
    source = "EXPRESSIONS = " + json.dumps(dict(expressions)) + "\n" + _OBSERVE
    # Tracing and profiling stop before the grader's own frames start, so no trace function
    # of the learner's is attached to them.
    return (
        f"({_UNTRACE}(lambda __shopfloor: (exec({source!r}, __shopfloor), "
        "__shopfloor['result'])[-1])({'user_ns': globals()}))[-1]"
    )


def exec_expression(source: str, name: str = "<hidden test>") -> str:
    """One expression that runs *source* (statements) in the learner's namespace."""
    return f"({_UNTRACE}exec(compile({source!r}, {name!r}, 'exec'), globals()))[-1]"


def parse(text: str | None, ids: Collection[str]) -> dict[str, dict[str, Any]]:
    """The observations for *ids* in one record's text, each ``{"value": v}`` or ``{"error": s}``.

    *text* is the text form of the observe expression's value (a Python string literal
    holding JSON). Anything malformed is left out (the check then fails as not observed)
    or becomes an error entry; nothing here raises on bad input.
    """
    record = _load_record(text)
    found: dict[str, dict[str, Any]] = {}
    for key in ids:
        entry = record.get(key)
        if not isinstance(entry, dict) or len(entry) != 1:
            continue
        if "value" in entry and _depth_ok(entry["value"]):
            found[key] = {"value": entry["value"]}
        elif isinstance(entry.get("error"), str):
            found[key] = {"error": clean_message(entry["error"])}
        else:
            found[key] = {"error": "the result could not be read"}
    return found


def _load_record(text: str | None) -> dict:
    if not isinstance(text, str) or not text:
        return {}
    try:
        literal = ast.literal_eval(text)
        data = json.loads(literal) if isinstance(literal, str) else None
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


def _depth_ok(value: Any) -> bool:
    """Is *value* plain JSON data no deeper than MAX_DEPTH? (iterative: no recursion limit)"""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            return False
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
        elif item is not None and not isinstance(item, (bool, int, float, str)):
            return False
    return True


def clean_message(text: str) -> str:
    """A bounded, single-line message without control characters or terminal escapes."""
    printable = "".join(ch if ch.isprintable() else " " for ch in text)
    words = " ".join(printable.split())
    return words if len(words) <= MAX_ERROR_CHARS else words[: MAX_ERROR_CHARS - 1] + "…"

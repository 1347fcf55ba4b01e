"""Share Werkzeug's compiled URL builders between the apps a test run builds.

Werkzeug compiles two small Python functions for each URL rule (the functions ``url_for``
calls); the app compiles them when a rule is first built (app/routing.py). The suite builds
a fresh app for nearly every test, and a page renders dozens of addresses, so each test
would compile again what the test before it compiled. The functions depend only on the
rule's text, its parsed parts and its defaults, never on the app, so one compiled function
serves every app that adds the same rule. A rule whose defaults fill in one of its own
variables has the default's converted value folded into its code; such rules are compiled
as usual.

Only the suite does this: a served process builds its app once.
"""

from __future__ import annotations

from werkzeug.routing import Rule

_compile_builder = Rule._compile_builder
_builders: dict = {}


def _key(rule: Rule, append_unknown: bool):
    defaults = rule.defaults or {}
    variables = {data for is_dynamic, data in rule._trace if is_dynamic}
    if variables & defaults.keys():
        return None
    try:
        return (rule.rule, tuple(rule._trace), tuple(sorted(defaults.items())), append_unknown)
    except TypeError:  # defaults that cannot be compared or hashed
        return None


def _shared_builder(self: Rule, append_unknown: bool = True):
    key = _key(self, append_unknown)
    if key is None:
        return _compile_builder(self, append_unknown)
    try:
        hash(key)
    except TypeError:
        return _compile_builder(self, append_unknown)
    builder = _builders.get(key)
    if builder is None:
        builder = _builders[key] = _compile_builder(self, append_unknown)
    return builder


def install() -> None:
    Rule._compile_builder = _shared_builder

"""URL rules that compile their URL builders when ``url_for`` first needs them.

Werkzeug compiles two small Python functions for each rule as it is added to the app's URL
map: the functions ``url_for`` calls to build the rule's address, with and without extra
query arguments. For the app's ~175 rules that was about 0.2 s of every start, ``flask
--help`` included, for addresses a command never builds and a served process builds a few
at a time. Matching a request to a rule does not use them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.routing import Rule


class LazyRule(Rule):
    """A ``Rule`` whose builders are compiled on the first ``build`` that uses them."""

    def _compile_builder(self, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
        # Rule.compile() binds what this returns as self._build / self._build_unknown.
        attribute = "_build_unknown" if append_unknown else "_build"

        def build_first(rule: Rule, **values: Any) -> tuple[str, str]:
            builder = Rule._compile_builder(rule, append_unknown).__get__(rule, None)
            setattr(rule, attribute, builder)
            return builder(**values)

        return build_first

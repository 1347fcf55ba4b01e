"""Every JSON body the app reads goes through here: nesting deeper than MAX_JSON_DEPTH is a 400.

``request.get_json()`` (silent or not) parses with the app's JSON provider, so bounding it
here covers every view that reads JSON, today's and later ones, without a check of their own.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.json.provider import DefaultJSONProvider

from app.domain import bounded_json
from app.errors import BadRequest


class BoundedJSONProvider(DefaultJSONProvider):
    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return bounded_json.loads(s, max_depth=self._app.config["MAX_JSON_DEPTH"], **kwargs)
        except bounded_json.TooDeep as exc:
            # Not a ValueError on purpose: get_json(silent=True) would swallow it, and the
            # sender should learn why the body was refused.
            raise BadRequest(str(exc)) from None


def init_app(app: Flask) -> None:
    app.json = BoundedJSONProvider(app)

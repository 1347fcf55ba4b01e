"""Shopfloor's Flask class: an app that finishes its setup when it is first used.

``create_app()`` reads and checks the configuration and lists the commands, and leaves the
rest (the database, the lab engine, the web layer and the thousands of lines behind them) to
a setup function that runs the first time anything needs it:

- a request, through the app or its test client (``__call__``);
- a URL: building one or matching one (``url_map``), which every request context does;
- an extension: ``app.extensions``, or the database (``extensions.Database``), so any
  database work finishes the setup before its first statement;
- a template: the Jinja environment, its filters and context processors.

So ``flask --help`` imports none of it, a command that only reads files
(``flask curriculum validate``) never connects a database or starts an engine, and a command
that touches the database pays for the wiring once, on first use.
The setup runs once per app, in one thread; other threads wait for it. If it fails, every
later use raises the same error. A server that wants the cost paid before its first request
calls ``finish_setup()`` itself (``gunicorn.conf.py`` does, in each worker).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from flask import Flask
from werkzeug.routing import Map


class SetupFailed(RuntimeError):
    """The app's deferred setup raised; every use after it raises this."""


class Shopfloor(Flask):
    _setup: Callable[[Flask], None] | None = None  # until defer_setup(): set up as usual
    _setup_done = True

    def defer_setup(self, setup: Callable[[Flask], None]) -> None:
        """Run *setup(app)* the first time the app is used (see the module docstring)."""
        self._setup, self._setup_done = setup, False
        self._setup_running = False
        self._setup_error: BaseException | None = None
        self._setup_lock = threading.RLock()

    def finish_setup(self) -> Shopfloor:
        """Run the deferred setup now, unless it has run. Returns the app."""
        if self._setup_done:
            return self
        with self._setup_lock:  # re-entrant: the setup itself uses the app
            if self._setup_error is not None:
                raise SetupFailed(f"Shopfloor could not start: {self._setup_error}")
            if self._setup_done or self._setup_running:
                return self
            self._setup_running = True
            try:
                self._setup(self)
            except BaseException as exc:
                self._setup_error = exc
                raise
            finally:
                self._setup_running = False
            self._setup_done = True
        return self

    # -- The ways in: each finishes the setup before it is used ----------------------------

    def __call__(self, environ: Any, start_response: Any) -> Any:
        # Before Flask looks up self.wsgi_app: the setup may wrap it (ProxyFix).
        return self.finish_setup().wsgi_app(environ, start_response)

    @property
    def url_map(self) -> Map:
        return self.finish_setup()._url_map

    @url_map.setter
    def url_map(self, value: Map) -> None:
        self._url_map = value

    @property
    def extensions(self) -> dict[str, Any]:
        return self.finish_setup()._extensions

    @extensions.setter
    def extensions(self, value: dict[str, Any]) -> None:
        self._extensions = value

    def create_jinja_environment(self) -> Any:
        self.finish_setup()
        made = self.__dict__.get("jinja_env")  # by the setup, adding its filters
        if made is not None:
            return made
        made = super().create_jinja_environment()
        # Compiled templates kept beyond this app: the tests build thousands of apps in one
        # process, and compiling the same templates for each was a tenth of their time.
        made.bytecode_cache = self.config.get("TEMPLATE_BYTECODE_CACHE")
        return made

    @property
    def debug(self) -> bool:
        return Flask.debug.fget(self)

    @debug.setter
    def debug(self, value: bool) -> None:
        # Flask's setter passes the flag on to the Jinja environment, making one if there is
        # none yet; the `flask` command sets it on every start. A new environment reads it.
        if "jinja_env" in self.__dict__:
            Flask.debug.fset(self, value)
        else:
            self.config["DEBUG"] = value

    def update_template_context(self, context: dict[str, Any]) -> None:
        self.finish_setup()
        super().update_template_context(context)

"""Error pages and the one table mapping domain errors to HTTP statuses."""

from __future__ import annotations

import logging

from flask import Flask, Response, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from app import errors
from app.extensions import db

logger = logging.getLogger(__name__)

STATUS_FOR = {
    errors.NotFound: 404,
    errors.PermissionDenied: 403,
    errors.Conflict: 409,
    errors.InvalidInput: 422,
    errors.BadRequest: 400,
}

TITLES = {
    400: ("Bad request", "The request could not be understood. Go back and try again."),
    403: ("Not allowed", "Your account does not have access to this page."),
    404: ("Page not found", "There is no page at this address. It may have moved."),
    405: ("Not allowed", "That action cannot be done this way."),
    409: ("Conflict", "That clashes with something that already exists."),
    413: ("Too large", "What you sent is larger than this page accepts."),
    422: ("Check your input", "Some of what you sent is not valid."),
    429: ("Too many attempts", "Please wait a little while before you try again."),
    500: ("Something went wrong", "We could not finish that. The error has been logged."),
}


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return request.is_json or best == "application/json" or request.path.startswith("/ims/")


def render_error(
    status: int, detail: str | None = None, extra: dict | None = None
) -> tuple[Response | str, int]:
    db.session.rollback()
    title, default = TITLES.get(status, TITLES[500])
    message = detail or default
    if _wants_json():
        return {**(extra or {}), "error": title, "message": message, "status": status}, status
    try:
        page = render_template("errors/error.html", status=status, title=title, message=message)
    except Exception:
        # The page itself failed (say, the database is down): answer with plain text.
        logger.exception("error page for %s failed to render", status)
        return f"{title}: {message}", status
    return page, status


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return render_error(
            400,
            "This form has expired or was not sent from Shopfloor. Reload the page and try again.",
        )

    @app.errorhandler(errors.DomainError)
    def domain_error(exc: errors.DomainError):
        status = next((code for cls, code in STATUS_FOR.items() if isinstance(exc, cls)), 400)
        return render_error(status, str(exc) or None, exc.details)

    @app.errorhandler(SecurityError)
    def untrusted_host(exc: SecurityError):
        # A Host outside TRUSTED_HOSTS: no URL can be built for it, so no page either.
        return Response(
            "Bad request: this server does not answer to that host name.\n",
            400,
            mimetype="text/plain",
        )

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if exc.code is None or exc.code < 400:
            return exc
        detail = exc.description if exc.code in (400, 413) and _custom(exc) else None
        return render_error(exc.code, detail)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        # The route's name, not its path: paths can carry secrets (invitation and reset links).
        logger.exception("unhandled error on %s %s", request.method, request.endpoint)
        return render_error(500)


def _custom(exc: HTTPException) -> bool:
    """True when the description was written for this error, not Werkzeug's default text."""
    return exc.description != type(exc).description and not isinstance(exc, InternalServerError)

"""Operating Shopfloor: liveness, readiness, Prometheus metrics, request ids and access lines.

``/healthz`` and ``/readyz`` are public, like ``/metrics`` from this host; none of them uses a
session, a CSRF token or a rate limit. Every request gets a request id (a safe incoming
``X-Request-ID`` or a new one), echoed in the response and carried by its log lines.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import time

from flask import Blueprint, Flask, Response, abort, current_app, g, request

from app import engine, logs, metrics
from app.extensions import csrf, db, limiter
from app.services import readiness

bp = Blueprint("ops", __name__)
access_log = logging.getLogger("app.access")

# View arguments whose values are secrets (sign-up, reset and invitation links): never logged.
SECRET_ARGS = frozenset({"token", "code"})


@bp.get("/healthz")
def healthz():
    """Liveness: the process answers. It touches nothing else, so a slow database cannot fail it."""
    return {"status": "ok"}


@bp.get("/readyz")
def readyz():
    """Readiness: the database, Redis (when configured) and the lab engine's kernel hosts.

    One set of checks at a time, its answer kept READINESS_CACHE_SECONDS (readiness.Answers).
    """
    timeout = float(current_app.config["READINESS_TIMEOUT_SECONDS"])
    answers: readiness.Answers = current_app.extensions["readiness"]
    results = answers.get(lambda: readiness.run_checks(_readiness_checks(timeout), timeout=timeout))
    checks = {name: {"ok": ok, "detail": detail} for name, (ok, detail) in results.items()}
    failing = {name: check for name, check in checks.items() if not check["ok"]}
    if failing:
        return {"status": "not ready", "checks": failing}, 503
    return {"status": "ready", "checks": checks}


@bp.get("/metrics")
def prometheus():
    """Prometheus metrics: for this host, or for a scraper that presents METRICS_TOKEN."""
    if not (_from_loopback() or _has_metrics_token()):
        abort(404)
    body = metrics.exposition(engine.current().stats)
    return Response(body, content_type=metrics.CONTENT_TYPE)


def _readiness_checks(timeout: float) -> list[readiness.Check]:
    checks = [readiness.database(db.engine)]
    if current_app.config.get("REDIS_URL"):
        checks.append(readiness.redis(current_app.config["REDIS_URL"], timeout))
    checks.append(readiness.lab_engine(engine.current().readiness))
    return checks


def _from_loopback() -> bool:
    # A loopback request that carries X-Forwarded-For came through a proxy on this host that the
    # app was not told about (PROXY_COUNT): the real client is elsewhere.
    if "X-Forwarded-For" in request.headers and not current_app.config["PROXY_COUNT"]:
        return False
    # Behind configured proxies, the client address is the proxies' word: only a request
    # whose X-Forwarded-For they filled in (and ProxyFix read) says where it came from.
    if current_app.config["PROXY_COUNT"] and "X-Forwarded-For" not in request.headers:
        return False
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


def _has_metrics_token() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    offered = request.headers.get("Authorization", "")
    return bool(token) and hmac.compare_digest(offered.encode(), f"Bearer {token}".encode())


def _begin() -> None:
    g.ops_started = time.perf_counter()
    g.request_id = logs.choose_request_id(request.headers.get("X-Request-ID"))
    logs.request_id.set(g.request_id)
    metrics.REQUESTS_IN_FLIGHT.inc()


def _answer(response: Response) -> Response:
    if "request_id" in g:
        response.headers["X-Request-ID"] = g.request_id
    g.ops_status = response.status_code
    return response


def _end(_exc: BaseException | None) -> None:
    started = g.pop("ops_started", None)
    if started is None:
        return
    metrics.REQUESTS_IN_FLIGHT.dec()
    seconds = time.perf_counter() - started
    status = g.pop("ops_status", 500)  # no answer made: the exception propagated
    route = request.url_rule.rule if request.url_rule else "unmatched"
    metrics.observe_request(route, request.method, status, seconds)
    if current_app.config["LOG_FORMAT"] == "json":
        _log_access(route, status, seconds)
    logs.request_id.set(None)


def _log_access(route: str, status: int, seconds: float) -> None:
    path = _loggable_path()
    fields = {
        "method": request.method,
        "path": path,
        "route": route,
        "status": status,
        "duration_ms": round(seconds * 1000, 1),
        "remote_addr": request.remote_addr,
    }
    access_log.info("%s %s %s", request.method, path, status, extra=fields)


def _loggable_path() -> str:
    path = request.path
    for name, value in (request.view_args or {}).items():
        if name in SECRET_ARGS and isinstance(value, str) and value:
            path = path.replace(value, "[redacted]")
    return path


def init_app(app: Flask) -> None:
    app.extensions["readiness"] = readiness.Answers(float(app.config["READINESS_CACHE_SECONDS"]))
    # First in and last out, so that requests stopped by another hook (a CSRF failure, a rate
    # limit) are counted, timed and given a request id too.
    app.before_request_funcs.setdefault(None, []).insert(0, _begin)
    app.after_request_funcs.setdefault(None, []).insert(0, _answer)
    app.teardown_request(_end)
    csrf.exempt(bp)
    limiter.exempt(bp)

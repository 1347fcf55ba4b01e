"""Operating Shopfloor: probes, metrics and request ids, as a load balancer or scraper sees them."""

from __future__ import annotations

import json
import logging
import re
import threading

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import event

from app import logs, metrics
from app.extensions import db, limiter
from tests.waiting import poll

UNREACHABLE_DB = "postgresql://nobody@127.0.0.1:1/nothing"
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"
ELSEWHERE = {"REMOTE_ADDR": "203.0.113.9"}


def samples(body: bytes) -> list:
    return [s for family in text_string_to_metric_families(body.decode()) for s in family.samples]


def test_healthz_answers_while_the_database_is_down(make_app):
    """Liveness says only that the process answers: a database outage must not restart it."""
    client = make_app(SQLALCHEMY_DATABASE_URI=UNREACHABLE_DB).test_client()
    response = client.get("/healthz")
    assert (response.status_code, response.get_json()) == (200, {"status": "ok"})
    assert "Set-Cookie" not in response.headers


def test_readyz_is_ready_when_the_database_answers(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ready"
    assert body["checks"]["database"] == {"ok": True, "detail": "ok"}
    assert "Set-Cookie" not in response.headers


def test_readyz_reports_an_unreachable_database_without_its_address(make_app):
    client = make_app(SQLALCHEMY_DATABASE_URI=UNREACHABLE_DB).test_client()
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "not ready"
    assert body["checks"]["database"]["ok"] is False
    assert "127.0.0.1" not in response.get_data(as_text=True)
    assert "nobody" not in response.get_data(as_text=True)


def test_readyz_checks_redis_when_configured(make_app, redis_url):
    response = make_app(REDIS_URL=redis_url).test_client().get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["checks"]["redis"] == {"ok": True, "detail": "ok"}


def test_readyz_names_only_the_failing_check_when_redis_is_unreachable(make_app):
    response = make_app(REDIS_URL=UNREACHABLE_REDIS).test_client().get("/readyz")
    assert response.status_code == 503
    assert list(response.get_json()["checks"]) == ["redis"]
    assert response.get_json()["checks"]["redis"]["ok"] is False


def test_readyz_includes_the_lab_engines_kernel_hosts(make_app, monkeypatch):
    app = make_app(READINESS_CACHE_SECONDS=0)  # every probe checks again
    hosts = [("kernel-host:a", True, "3 kernels"), ("kernel-host:b", False, "no answer")]
    monkeypatch.setattr(app.extensions["lab_engine"], "readiness", lambda: hosts, raising=False)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"] == {"kernel-host:b": {"ok": False, "detail": "no answer"}}

    hosts[1] = ("kernel-host:b", True, "1 kernel")
    response = app.test_client().get("/readyz")
    assert response.status_code == 200
    assert set(response.get_json()["checks"]) == {"database", "kernel-host:a", "kernel-host:b"}


def test_readyz_gives_up_on_a_check_that_hangs(make_app, monkeypatch):
    """A probe must get an answer in time even when a kernel host stops answering."""
    app = make_app(READINESS_TIMEOUT_SECONDS=0.2)
    release = threading.Event()
    monkeypatch.setattr(
        app.extensions["lab_engine"], "readiness", lambda: release.wait(30) and [], raising=False
    )
    try:
        response = app.test_client().get("/readyz")
    finally:
        release.set()
    assert response.status_code == 503
    assert response.get_json()["checks"]["lab_engine"] == {
        "ok": False,
        "detail": "no answer within 0.2 s",
    }


def _count_checks(app, monkeypatch, hosts: list) -> dict:
    """Count the database's ``SELECT 1`` and the lab engine's checks; *hosts* is its answer.

    The engine's check waits while ``counts["hold"]`` is set (an Event), so a test can keep
    one set of checks in flight.
    """
    counts = {"database": 0, "engine": 0, "hold": None}

    def engine_readiness():
        counts["engine"] += 1
        if counts["hold"] is not None:
            counts["hold"].wait(30)
        return list(hosts)

    def statement(_conn, _cursor, sql, *_args):
        if sql.strip().upper() == "SELECT 1":
            counts["database"] += 1

    monkeypatch.setattr(app.extensions["lab_engine"], "readiness", engine_readiness, raising=False)
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", statement)
    return counts


def test_concurrent_readiness_probes_share_one_set_of_checks(make_app, monkeypatch):
    """Review finding: every /readyz opened its own database, Redis and kernel-host checks, so
    a burst of probes (or of anonymous requests) multiplied the load on all three."""
    app = make_app(READINESS_CACHE_SECONDS=0, READINESS_TIMEOUT_SECONDS=30)
    counts = _count_checks(app, monkeypatch, [("kernel-host:a", True, "2 kernels")])
    counts["hold"] = release = threading.Event()
    statuses: list[int] = []

    def probe():
        statuses.append(app.test_client().get("/readyz").status_code)

    probes = [threading.Thread(target=probe) for _ in range(8)]
    for thread in probes:
        thread.start()
    answers = app.extensions["readiness"]
    try:
        # One probe runs the checks (held in the engine's); the seven others wait for it.
        assert poll(lambda: answers.waiting == 7 and counts["engine"] == 1, seconds=20)
    finally:
        release.set()
        for thread in probes:
            thread.join(30)
    assert statuses == [200] * 8
    assert (counts["engine"], counts["database"]) == (1, 1)
    counts["hold"] = None
    assert app.test_client().get("/readyz").status_code == 200  # a later probe checks again
    assert (counts["engine"], counts["database"]) == (2, 2)


def test_readyz_keeps_its_answer_for_the_cache_time_then_sees_a_failure(make_app, monkeypatch):
    app = make_app(READINESS_CACHE_SECONDS=5)
    hosts = [("kernel-host:a", True, "1 kernel")]
    counts = _count_checks(app, monkeypatch, hosts)
    now = [1000.0]
    app.extensions["readiness"].clock = lambda: now[0]
    client = app.test_client()
    assert client.get("/readyz").status_code == 200
    hosts[0] = ("kernel-host:a", False, "no heartbeat")
    now[0] += 4.9
    assert client.get("/readyz").status_code == 200  # the kept answer: no new checks
    assert (counts["engine"], counts["database"]) == (1, 1)
    now[0] += 0.2
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"] == {
        "kernel-host:a": {"ok": False, "detail": "no heartbeat"}
    }
    assert (counts["engine"], counts["database"]) == (2, 2)


def test_ops_endpoints_have_no_rate_limit_csrf_or_session(make_app):
    """Probes every few seconds must never be refused, nor be handed a session cookie."""
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_DEFAULT="2 per minute", WTF_CSRF_ENABLED=True)
    client = app.test_client()
    try:
        for _ in range(4):
            for url in ("/healthz", "/readyz", "/metrics"):
                response = client.get(url)
                assert response.status_code == 200, url
                assert "Set-Cookie" not in response.headers, url
        statuses = [client.get("/privacy").status_code for _ in range(3)]
        assert statuses == [200, 200, 429]  # the default limit is really on
    finally:
        # Flask-Limiter keeps the first default limits it is given on its one (module-wide)
        # object; the apps built after this test in the same process must not inherit them.
        limiter.limit_manager.set_default_limits([])


def test_metrics_label_requests_by_route_not_by_raw_path(client):
    for slug in ("no-such-org-71f3", "no-such-org-71f3", "other-org-9c2e"):
        assert client.get(f"/orgs/{slug}/logo.png").status_code == 404
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    body = response.get_data(as_text=True)
    assert "no-such-org-71f3" not in body and "other-org-9c2e" not in body
    counts = [
        s
        for s in samples(response.data)
        if s.name == "shopfloor_http_request_duration_seconds_count"
        and s.labels["route"] == "/orgs/<slug>/logo.png"
    ]
    assert [(s.labels["method"], s.labels["status"]) for s in counts] == [("GET", "404")]
    assert counts[0].value >= 3
    assert "shopfloor_http_requests_in_flight" in body


def test_metrics_put_unknown_methods_under_one_label(client):
    client.open("/privacy", method="BREW")
    labels = {
        s.labels["method"]
        for s in samples(client.get("/metrics").data)
        if s.name == "shopfloor_http_request_duration_seconds_count"
    }
    assert "BREW" not in labels and "other" in labels


def test_metrics_show_the_lab_engines_gauges_and_grading_times(app, monkeypatch):
    stats = {
        "queue_depth": 4,
        "grading_running": 2,
        "pool_size": 1,
        "kernels": {"host-a": 3, "host-b": 0},
        "kernel_memory_bytes": {"host-a": 3 * 2**20},
        "references_cached": 7,  # any other figure the engine adds is shown too
        "version": "not a number",
    }
    monkeypatch.setattr(app.extensions["lab_engine"], "stats", lambda: stats, raising=False)
    before = _grading_count(app.test_client().get("/metrics").data)
    metrics.observe_grading(1.5)
    found = {
        (s.name, s.labels.get("host")): s.value
        for s in samples(app.test_client().get("/metrics").data)
    }
    assert found[("shopfloor_lab_queue_depth", None)] == 4
    assert found[("shopfloor_lab_grading_running", None)] == 2
    assert found[("shopfloor_lab_pool_size", None)] == 1
    assert found[("shopfloor_lab_kernels", "host-a")] == 3
    assert found[("shopfloor_lab_kernels", "host-b")] == 0
    assert found[("shopfloor_lab_kernel_memory_bytes", "host-a")] == 3 * 2**20
    assert found[("shopfloor_lab_references_cached", None)] == 7
    assert ("shopfloor_lab_version", None) not in found
    assert found[("shopfloor_grading_duration_seconds_count", None)] == before + 1


def test_metrics_count_the_submissions_waiting_for_a_grader(app):
    """The real engine's figures: what is queued, what is being graded, kernels alive."""
    import nbformat

    from app.content.labs import parse
    from app.database import utcnow
    from app.extensions import db
    from app.services import lab_submissions
    from tests.sandbox.labs_fixture import HONEST, source_notebook, submission

    with app.app_context():
        lab = parse(source_notebook())
        for seed in (1, 2):
            lab_submissions.store(
                None, lab, nbformat.writes(submission(HONEST)), seed=seed, now=utcnow()
            )
        db.session.commit()
    found = {
        (s.name, s.labels.get("host")): s.value
        for s in samples(app.test_client().get("/metrics").data)
    }
    assert found[("shopfloor_lab_queue_depth", None)] == 2
    assert found[("shopfloor_lab_grading_running", None)] == 0
    assert found[("shopfloor_lab_kernels", "local")] == 0


def _grading_count(body: bytes) -> float:
    return next(
        s.value for s in samples(body) if s.name == "shopfloor_grading_duration_seconds_count"
    )


def test_metrics_still_answer_when_the_engine_stats_fail(app, monkeypatch):
    def broken():
        raise RuntimeError("engine is restarting")

    monkeypatch.setattr(app.extensions["lab_engine"], "stats", broken, raising=False)
    response = app.test_client().get("/metrics")
    assert response.status_code == 200
    assert "shopfloor_lab_queue_depth" not in response.get_data(as_text=True)


def test_metrics_are_hidden_from_other_hosts_without_the_token(make_app):
    client = make_app(METRICS_TOKEN="scrape-secret-123").test_client()
    assert client.get("/metrics", environ_base=ELSEWHERE).status_code == 404
    wrong = {"Authorization": "Bearer guess"}
    assert client.get("/metrics", environ_base=ELSEWHERE, headers=wrong).status_code == 404
    right = {"Authorization": "Bearer scrape-secret-123"}
    assert client.get("/metrics", environ_base=ELSEWHERE, headers=right).status_code == 200


def test_metrics_are_hidden_from_other_hosts_when_no_token_is_set(client):
    empty = {"Authorization": "Bearer "}
    assert client.get("/metrics", environ_base=ELSEWHERE, headers=empty).status_code == 404
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200


def test_metrics_are_hidden_behind_a_local_proxy_the_app_was_not_told_about(client):
    """nginx on the same host forwards the world's requests from 127.0.0.1."""
    forwarded = {"X-Forwarded-For": "198.51.100.7"}
    assert client.get("/metrics", headers=forwarded).status_code == 404


def test_metrics_trust_the_client_address_a_configured_proxy_passes_on(make_app):
    client = make_app(PROXY_COUNT=1).test_client()
    outside = {"X-Forwarded-For": "198.51.100.7"}
    assert client.get("/metrics", headers=outside).status_code == 404
    assert client.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 200


def test_a_safe_request_id_is_echoed(client):
    response = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a.01_X"})
    assert response.headers["X-Request-ID"] == "lb-7f3a.01_X"


@pytest.mark.parametrize(
    "hostile", ["", "has space", 'quote"d', "<script>", "x" * 65, "semi;colon", "ümlaut"]
)
def test_a_hostile_request_id_is_replaced(client, hostile):
    response = client.get("/healthz", headers={"X-Request-ID": hostile})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


def test_each_request_without_an_id_gets_a_new_one(client):
    first, second = (client.get("/privacy").headers["X-Request-ID"] for _ in range(2))
    assert first != second


@pytest.fixture
def json_logs(make_app, capsys):
    """An app logging JSON to stderr; the root logger is restored afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    app = make_app(LOG_FORMAT="json")
    logs.configure(app)
    capsys.readouterr()
    yield app, lambda: [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    root.handlers[:] = handlers
    root.setLevel(level)


def test_json_mode_writes_one_access_line_per_request(json_logs):
    app, lines = json_logs
    app.test_client().get("/privacy", headers={"X-Request-ID": "probe-1"})
    access = [line for line in lines() if line["logger"] == "app.access"]
    assert len(access) == 1
    line = access[0]
    assert {k: line[k] for k in ("level", "request_id", "method", "path", "route", "status")} == {
        "level": "INFO",
        "request_id": "probe-1",
        "method": "GET",
        "path": "/privacy",
        "route": "/privacy",
        "status": 200,
    }
    assert isinstance(line["duration_ms"], float) and line["time"].endswith("+00:00")


def test_json_access_lines_leave_out_link_tokens(json_logs):
    app, lines = json_logs
    app.test_client().get("/reset-password/secret-reset-token-42")
    (line,) = [line for line in lines() if line["logger"] == "app.access"]
    assert "secret-reset-token-42" not in json.dumps(line)
    assert line["path"] == "/reset-password/[redacted]"


def test_lines_logged_while_handling_a_request_carry_its_id(json_logs, monkeypatch):
    app, lines = json_logs
    app.config["REDIS_URL"] = UNREACHABLE_REDIS  # its check logs a warning on its own thread
    app.test_client().get("/readyz", headers={"X-Request-ID": "probe-2"})
    warnings = [line for line in lines() if line["logger"] == "app.services.readiness"]
    assert warnings and {line["request_id"] for line in warnings} == {"probe-2"}
    assert logs.request_id.get() is None  # nothing carries over to what the thread does next


def test_metrics_behind_a_proxy_need_the_proxys_word_that_the_client_is_local(make_app):
    """Review finding: a proxy that sends no X-Forwarded-For made every client local."""
    app = make_app(PROXY_COUNT=1)
    assert app.test_client().get("/metrics").status_code == 404
    local = app.test_client().get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"})
    assert local.status_code == 200

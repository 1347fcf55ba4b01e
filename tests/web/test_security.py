"""Headers, cookies, error pages and rate limits that protect every page."""

from __future__ import annotations

import uuid

import redis

from app.extensions import db
from tests import factories
from tests.conftest import sign_in, submit


def test_every_page_sends_a_strict_content_security_policy(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "http" not in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"


def test_session_cookie_is_httponly_lax_and_secure_over_https(app):
    with app.app_context():
        factories.make_user(email="kai@plant.example")
        db.session.commit()
    data = {"email": "kai@plant.example", "password": factories.PASSWORD}
    plain = submit(app.test_client(), "/login", data)
    cookie = plain.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    https = app.test_client()
    secure = submit(https, "https://localhost/login", data, base_url="https://localhost")
    assert "Secure" in secure.headers["Set-Cookie"]
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def test_an_https_public_address_makes_cookies_secure_behind_any_proxy(make_app):
    """TLS ending at a proxy the app was not told about still gets Secure cookies and HSTS."""
    app = make_app(PUBLIC_BASE_URL="https://learn.example.org", TRUSTED_HOSTS=["localhost"])
    with app.app_context():
        factories.make_user(email="kai@plant.example")
        db.session.commit()
    data = {"email": "kai@plant.example", "password": factories.PASSWORD}
    response = submit(app.test_client(), "/login", data)  # plain http as far as the app sees
    assert "Secure" in response.headers["Set-Cookie"]
    assert "HttpOnly" in response.headers["Set-Cookie"]
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_not_found_page_is_in_the_site_look(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Page not found" in page and "Shopfloor" in page


def test_json_clients_get_json_errors(client):
    response = client.get("/no/such/page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json() == {
        "error": "Page not found",
        "message": "There is no page at this address. It may have moved.",
        "status": 404,
    }


def test_server_errors_show_no_stack_trace(make_app, caplog):
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in page
    assert "secret internals" not in page and "Traceback" not in page
    assert "secret internals" in caplog.text  # but it is logged for the operator


def test_login_is_rate_limited(make_app):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    data = {"email": "kai@plant.example", "password": "wrong-password-x"}
    statuses = [submit(client, "/login", data).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = submit(client, "/login", data)
    assert "Too many attempts" in response.get_data(as_text=True)
    assert "Retry-After" in response.headers


def test_password_reset_requests_are_rate_limited(make_app):
    app = make_app(RATELIMIT_ENABLED=True, RESET_RATE_LIMIT="2 per minute")
    client = app.test_client()
    statuses = [
        submit(client, "/forgot-password", {"email": "kai@plant.example"}).status_code
        for _ in range(3)
    ]
    assert statuses == [200, 200, 429]


def test_healthz_reports_ok(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_markup_in_names_is_escaped(app, client):
    with app.app_context():
        user = factories.make_user(name='<script>alert("x")</script>')
        db.session.commit()
        sign_in(client, user)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;" in page


def test_rate_limits_are_kept_in_redis_when_configured(make_app, redis_url):
    """With REDIS_URL set, every worker and host counts against one budget kept in Redis."""
    url = redis_url
    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    prefix = f"shopfloor-test-{uuid.uuid4().hex}"
    app = make_app(
        RATELIMIT_ENABLED=True,
        LOGIN_RATE_LIMIT="2 per minute",
        REDIS_URL=url,
        RATELIMIT_KEY_PREFIX=prefix,
    )
    assert app.config["RATELIMIT_STORAGE_URI"] == url
    data = {"email": "kai@plant.example", "password": "wrong-password-x"}
    statuses = [submit(app.test_client(), "/login", data).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    keys = client.keys(f"*{prefix}*")
    assert keys, "the rate-limit counters are not in Redis"
    client.delete(*keys)


def test_unsandboxed_development_setting_shows_a_warning_on_every_page(make_app):
    normal = make_app().test_client().get("/").get_data(as_text=True)
    assert "WITHOUT the sandbox" not in normal
    unsafe = make_app(SANDBOX={"backend": "jupyter", "allow_unsandboxed": True})
    page = unsafe.test_client().get("/").get_data(as_text=True)
    assert "Lab code runs WITHOUT the sandbox on this server" in page

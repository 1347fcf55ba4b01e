"""Configuration defaults and the checks that run before the app starts.

Load order (see ``create_app``): these defaults, then ``instance/config.py``, then
``SHOPFLOOR_*`` environment variables (plus the conventional ``DATABASE_URL`` and
``REDIS_URL``), then the overrides a caller passes (tests pass a dict).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import MutableMapping
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import click


class ConfigError(click.ClickException):
    """The configuration cannot work; the message says what to change.

    It is a ``ClickException`` so that ``flask <command>`` prints the message alone,
    without a traceback, when the app cannot be built.
    """


class Config:
    # Signs sessions and CSRF tokens. From SHOPFLOOR_SECRET_KEY, instance/config.py,
    # or generated once into instance/secret_key (mode 0600). Never committed.
    SECRET_KEY: str | None = None
    # Development conveniences: the mail outbox viewer at /dev/outbox and a banner.
    # `make run` turns it on; never on in production.
    DEV_MODE = False
    # Set by `flask curriculum preview` on the app it serves, never by hand: it registers
    # the preview's pages (token sign-in, live reload, problems, lab checks; app/preview/)
    # and the problems banner on every page.
    PREVIEW = False
    # Database; None means instance/shopfloor.db (SQLite). DATABASE_URL overrides.
    SQLALCHEMY_DATABASE_URI: str | None = None
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {"pool_pre_ping": True}
    # Redis for shared state (rate limits); None keeps everything in process.
    REDIS_URL: str | None = None
    # Prefix of every key the lab engine keeps in Redis (events, kernel hosts, placements),
    # so several sites (or test runs) can share one Redis.
    REDIS_PREFIX = "shopfloor:"

    # Sessions: HttpOnly and SameSite=Lax always; Secure whenever the request came over
    # HTTPS (see web/security.py), or always when this is True.
    SESSION_COOKIE_NAME = "shopfloor_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    PERMANENT_SESSION_LIFETIME = timedelta(days=14)
    # Number of reverse proxies in front of the app whose X-Forwarded-* headers to trust.
    PROXY_COUNT = 0

    # CSRF tokens last as long as a session, so a form left open on a shop-floor tablet
    # during a shift still submits.
    WTF_CSRF_TIME_LIMIT: int | None = None

    # Rate limits (Flask-Limiter). Storage is memory:// unless REDIS_URL is set.
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI: str | None = None
    RATELIMIT_HEADERS_ENABLED = True
    # While Redis is away, count in this process rather than fail every limited page (sign-in).
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    LOGIN_RATE_LIMIT = "10 per minute;50 per hour"
    RESET_RATE_LIMIT = "5 per 15 minutes;20 per day"
    REGISTER_RATE_LIMIT = "10 per hour"

    # Password reset links expire after this many minutes and work once.
    PASSWORD_RESET_MINUTES = 60
    # Registration links (sent to confirm the address before a password is chosen) expire
    # after this many hours; they stop working once the account exists.
    REGISTRATION_LINK_HOURS = 24
    # Registration and password-reset requests look the address up, write and mail on a
    # background thread after answering, so the answer is the same, in words and in time,
    # whether or not the address has an account. None: on, except under TESTING (tests run
    # the work inline, to read the mail at once).
    BACKGROUND_ACCOUNT_TASKS: bool | None = None

    # Mail: with MAIL_SERVER set, mail goes over SMTP; otherwise it is written to
    # instance/outbox as .eml files (shown at /dev/outbox in DEV_MODE).
    MAIL_SERVER: str | None = None
    MAIL_PORT = 587
    MAIL_USE_TLS = True  # STARTTLS on MAIL_PORT
    MAIL_USE_SSL = False  # implicit TLS (usually port 465)
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_DEFAULT_SENDER = "Shopfloor <no-reply@shopfloor.localhost>"
    MAIL_OUTBOX_DIR: str | None = None  # None means instance/outbox

    # Where `flask curriculum validate|sync` read from by default (the repository's folders).
    CURRICULUM_ROOT = str(Path(__file__).resolve().parent.parent / "curricula")
    LABS_ROOT = str(Path(__file__).resolve().parent.parent / "labs")
    # Where achievement definitions live (badges/*.yml): checked and loaded with the curriculum.
    BADGES_ROOT = str(Path(__file__).resolve().parent.parent / "badges")
    # The lab engine. backend: "jupyter" (sandboxed kernels) or "fake" (tests of pages only).
    # lab_python: the lab environment's interpreter (relative to the repository).
    # pool_size: kernels started ahead of time, each used once.
    # allow_unsandboxed: DEVELOPMENT ONLY, for machines without bubblewrap; loudly logged and
    # shown as a banner. limits: overrides of app.sandbox.base.Limits.
    # From the environment: SHOPFLOOR_SANDBOX__ALLOW_UNSANDBOXED=true and so on.
    SANDBOX: dict[str, Any] = {
        "backend": "jupyter",
        "lab_python": ".venv-lab/bin/python",
        "allow_unsandboxed": False,
        "pool_size": 2,  # warm single-use kernels kept ready (0: start one per run)
        "read_only": [],  # extra folders learners may read (lab data)
        "packages": ["plcsim"],  # importable in kernels, read-only
        "limits": {},
    }
    # The largest request accepted (notebook uploads, autosaves); larger ones get 413.
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    # JSON request bodies nested deeper than this (lists and objects) are refused with 400,
    # before anything walks them (see web/json_bodies.py). Notebook files have their own bound.
    MAX_JSON_DEPTH = 100
    # Where lab submissions are graded. "embedded": LAB_WORKERS threads in the web process
    # (or `flask labs worker` processes) take them from the database. "distributed": each
    # submission is a Celery task on REDIS_URL, run by `celery -A wsgi:celery_app worker`
    # on any number of machines (docs/operations.md).
    LAB_ENGINE = "embedded"
    # Where learners' workspace kernels run. "local": in the web process (serve it as one
    # process with threads). "hosts": on `flask labs kernel-host` processes, reached over
    # Redis, so the web tier can run as many processes on as many machines as it needs
    # (needs LAB_ENGINE = "distributed").
    LAB_KERNELS = "local"
    # Threads in the web process that grade lab submissions (0: run `flask labs worker`).
    LAB_WORKERS = 2
    # A grader that has held a submission this long is presumed dead; another takes it over
    # (and the first one's outcome, should it still come, is dropped). Longer than any grade.
    LAB_GRADING_LEASE_SECONDS = 660
    # Distributed: a task whose worker vanished is handed out again after this long (Redis
    # visibility timeout); longer than the longest grade, so a slow one is never run twice.
    LAB_GRADING_VISIBILITY_SECONDS = 900
    # Distributed: how often a worker looks for submissions whose task was lost (a Redis
    # restart without persistence, say) and queues them again.
    LAB_GRADING_SWEEP_SECONDS = 60
    # The lab workspace's interactive kernels (one per learner with a lab open). They live in
    # the web process, so serve the app as one process with threads while they are used.
    LAB_KERNEL_IDLE_SECONDS = 900  # a kernel unused this long is shut down (its code is saved)
    LAB_RUN_THREADS = 32  # learners whose cells can run at the same moment
    # Interactive kernels alive at once (each may use up to SANDBOX limits memory_mb); at the
    # cap the one unused longest is shut down to make room. 0: no cap.
    LAB_MAX_KERNELS = 24
    # How many rendered lessons to keep in memory, keyed by content hash.
    LESSON_CACHE_SIZE = 512
    # With REDIS_URL set, rendered lessons are also kept in Redis (under REDIS_PREFIX) for this
    # many seconds, so a lesson one process rendered is not rendered again by the others.
    # Keys name the content, so nothing stale is served; this only lets old versions expire.
    # 0: keep rendered lessons in each process only.
    LESSON_CACHE_REDIS_SECONDS = 7 * 24 * 3600
    # Signed-in lesson pages, whole, kept per process for the session that saw them and
    # served again while nothing they show has changed (app/web/page_cache.py): at most this
    # many bytes of HTML (0 turns it off), each page at most this many seconds (text such as
    # "due in 2 days" ages; a process that died mid-change leaves a page stale this long).
    PAGE_CACHE_BYTES = 32 * 1024 * 1024
    PAGE_CACHE_SECONDS = 300
    # A jinja2.BytecodeCache for compiled templates (None: each app compiles its own, once).
    # The tests share one in memory across the thousands of apps they build.
    TEMPLATE_BYTECODE_CACHE: Any = None

    # Where the issuing organisations' Ed25519 signing keys live (never in the database):
    # one folder per organisation (mode 0700), each private key a file of its own (0600).
    # None means instance/keys. From the environment: SHOPFLOOR_KEYS_DIR=/srv/shopfloor/keys.
    KEYS_DIR: str | None = None
    # The verification page fetches other issuers' credentials, DID documents and status lists
    # over https (public addresses only). False: only this Shopfloor's credentials are checked.
    VERIFY_REMOTE_FETCH = True

    # The address people use to reach Shopfloor, e.g. "https://learn.example.org" (a path
    # prefix is allowed). Every absolute URL the app hands out (links in email, CASE URIs) is
    # built from it, never from the request's Host header, which a client chooses. Required
    # outside DEV_MODE/TESTING: start-up fails without it. DEV_MODE defaults to
    # http://127.0.0.1:5000 (`make run`), TESTING to http://localhost (Flask's test client).
    # An https:// address also marks the session cookie Secure.
    PUBLIC_BASE_URL: str | None = None
    # Host names this app answers to (Flask/Werkzeug TRUSTED_HOSTS); a request whose Host (or
    # X-Forwarded-Host, behind PROXY_COUNT proxies) is not one of them gets 400. A leading dot
    # allows subdomains (".example.org"). None: the host of PUBLIC_BASE_URL, plus localhost and
    # 127.0.0.1 in DEV_MODE/TESTING. From the environment as JSON:
    # SHOPFLOOR_TRUSTED_HOSTS='["learn.example.org", "10.0.0.5"]' (health checks by IP).
    TRUSTED_HOSTS: list[str] | None = None

    # Operations (web/ops.py, logs.py, metrics.py).
    # Log lines: "text" (Flask's usual lines, for `flask run`) or "json" (one object per line
    # with the request id, plus one access line per request; advised under gunicorn).
    LOG_FORMAT = "text"
    # The root logger's level; None: INFO for json (access lines are INFO), WARNING for text.
    LOG_LEVEL: str | None = None
    # /metrics answers requests from this host; others must send "Authorization: Bearer <this>".
    # None: only this host. Several processes: also set PROMETHEUS_MULTIPROC_DIR (see metrics.py).
    METRICS_TOKEN: str | None = None
    # /readyz gives the database, Redis and kernel hosts this long to answer, all at once.
    READINESS_TIMEOUT_SECONDS = 2.0
    # /readyz answers from its last checks for this long, and runs one set of checks at a time
    # per process (probes that come meanwhile wait for it), so many probes or a flood of
    # requests cost the database, Redis and the kernel hosts one check per interval. 0: check
    # for every probe that does not arrive while a check is under way.
    READINESS_CACHE_SECONDS = 1.0


def load_environment(config: MutableMapping[str, Any], environ: MutableMapping[str, str]) -> None:
    """Apply the conventional unprefixed variables (the SHOPFLOOR_* ones Flask reads)."""
    if environ.get("DATABASE_URL"):
        config["SQLALCHEMY_DATABASE_URI"] = environ["DATABASE_URL"]
    if environ.get("REDIS_URL"):
        config["REDIS_URL"] = environ["REDIS_URL"]


def finish(config: MutableMapping[str, Any], instance_path: Path) -> None:
    """Fill in derived defaults and refuse settings that cannot work."""
    instance_path.mkdir(parents=True, exist_ok=True)
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = _instance_secret(instance_path / "secret_key")
    if not config.get("SQLALCHEMY_DATABASE_URI"):
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance_path / 'shopfloor.db'}"
    if not config.get("RATELIMIT_STORAGE_URI"):
        config["RATELIMIT_STORAGE_URI"] = config.get("REDIS_URL") or "memory://"
    if not config.get("MAIL_OUTBOX_DIR"):
        config["MAIL_OUTBOX_DIR"] = str(instance_path / "outbox")
    if not config.get("KEYS_DIR"):
        config["KEYS_DIR"] = str(instance_path / "keys")
    if len(config["SECRET_KEY"]) < 32 and not config.get("TESTING"):
        raise ConfigError("SECRET_KEY is too short: use at least 32 random characters.")
    config["PUBLIC_BASE_URL"] = public_base_url(config)
    if config.get("TRUSTED_HOSTS") is None:
        config["TRUSTED_HOSTS"] = default_trusted_hosts(config)
    elif isinstance(config["TRUSTED_HOSTS"], str):
        config["TRUSTED_HOSTS"] = [h.strip() for h in config["TRUSTED_HOSTS"].split(",") if h]
    if config["PUBLIC_BASE_URL"].startswith("https://"):
        config["SESSION_COOKIE_SECURE"] = True
    if config.get("LAB_ENGINE") not in ("embedded", "distributed"):
        raise ConfigError('LAB_ENGINE must be "embedded" or "distributed".')
    notebook = float((config.get("SANDBOX") or {}).get("limits", {}).get("notebook_seconds", 300))
    # A grade runs the learner's notebook and may wait as long again for the reference.
    if float(config["LAB_GRADING_LEASE_SECONDS"]) <= 2 * notebook:
        raise ConfigError(
            f"LAB_GRADING_LEASE_SECONDS must exceed the longest grade (2 x the sandbox's "
            f"notebook_seconds = {2 * notebook:g} s), or healthy grades are taken over."
        )
    if float(config["LAB_GRADING_VISIBILITY_SECONDS"]) <= float(
        config["LAB_GRADING_LEASE_SECONDS"]
    ):
        raise ConfigError("LAB_GRADING_VISIBILITY_SECONDS must be longer than the lease.")
    if config.get("LAB_KERNELS") not in ("local", "hosts"):
        raise ConfigError('LAB_KERNELS must be "local" or "hosts".')
    if config["LAB_KERNELS"] == "hosts" and config["LAB_ENGINE"] != "distributed":
        raise ConfigError('LAB_KERNELS = "hosts" needs LAB_ENGINE = "distributed".')
    if config["LAB_ENGINE"] == "distributed" and not config.get("REDIS_URL"):
        raise ConfigError(
            "LAB_ENGINE is distributed but REDIS_URL is not set: grading tasks need Redis "
            "(e.g. REDIS_URL=redis://127.0.0.1:6379/0)."
        )


def _relaxed(config: MutableMapping[str, Any]) -> bool:
    """Development or tests: conveniences allowed that production must configure."""
    return bool(config.get("DEV_MODE") or config.get("TESTING"))


def public_base_url(config: MutableMapping[str, Any]) -> str:
    """Return PUBLIC_BASE_URL checked and without a trailing slash; ConfigError if unusable."""
    raw = (config.get("PUBLIC_BASE_URL") or "").strip()
    if not raw:
        if config.get("TESTING"):
            return "http://localhost"
        if config.get("DEV_MODE"):
            return "http://127.0.0.1:5000"
        raise ConfigError(
            "PUBLIC_BASE_URL is not set. Set SHOPFLOOR_PUBLIC_BASE_URL to the address people use "
            "to reach Shopfloor, e.g. https://learn.example.org: links in emails (password "
            "resets) are built from it, never from the Host header a client sends."
        )
    parts = urlsplit(raw)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.username is not None
        or parts.query
        or parts.fragment
    ):
        raise ConfigError(
            f"PUBLIC_BASE_URL must be an http:// or https:// address without user, query or "
            f"fragment, like https://learn.example.org; got {raw!r}."
        )
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path.rstrip("/"), "", ""))


def default_trusted_hosts(config: MutableMapping[str, Any]) -> list[str]:
    """The host of PUBLIC_BASE_URL, and the loopback names in development and tests."""
    hosts = [urlsplit(config["PUBLIC_BASE_URL"]).hostname or ""]
    if _relaxed(config):
        hosts += ["localhost", "127.0.0.1"]
    return list(dict.fromkeys(hosts))


def finish_database(config: MutableMapping[str, Any]) -> None:
    """Normalise the database URL and check its driver is installed.

    Apart from finish(): parsing a URL imports SQLAlchemy and the driver, which only the
    app's first use of the database needs (app.application).
    """
    config["SQLALCHEMY_DATABASE_URI"] = database_url(config["SQLALCHEMY_DATABASE_URI"])


def database_url(url: str) -> str:
    """Normalise a database URL and check that its driver is installed.

    ``postgres://`` and ``postgresql://`` select psycopg 3, the driver Shopfloor ships.
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(
            f"DATABASE_URL is not a database URL: {url!r}. "
            "Examples: sqlite:////srv/shopfloor.db, postgresql://user@host/dbname"
        ) from None
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    try:
        parsed.get_dialect().import_dbapi()
    except (NoSuchModuleError, ImportError) as exc:
        raise ConfigError(
            f"DATABASE_URL uses '{parsed.drivername}', which this installation cannot load "
            f"({exc}). Shopfloor supports sqlite:// and postgresql:// (psycopg 3); for another "
            "database install its SQLAlchemy driver into the virtual environment."
        ) from None
    return parsed.render_as_string(hide_password=False)


def _instance_secret(path: Path) -> str:
    """Read the generated secret key, creating it once (0600) if missing."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(32))
    return path.read_text().strip()

"""Signed-in pages served again from memory while nothing they show has changed.

A page a class reads over and over (a lesson) costs a session check, a few queries and a
large template. ``@cached_page`` keeps the HTML a view rendered for one signed-in session
and serves it again after one small query that checks, live:

- the session still holds (its row exists, has not expired, and the login id is current),
  exactly as Flask-Login's user loader would decide;
- the user's version and the site's version (services.page_versions) are those the page was
  rendered at: any committed change the page could show moves one of them.

The key also holds the address, the session's key and its CSRF token (the forms on the page
carry it), so a page is only ever served to the session it was rendered for. A request with
flashed messages waiting, or without a session, runs the view as usual; so does anything
but a 200 HTML answer, which is never kept. Entries live at most PAGE_CACHE_SECONDS (text
such as "due in 2 days" ages) in a per-process LRU bounded by PAGE_CACHE_BYTES (0: off).

Use it only for pages that show the viewer's own data and shared data (a lesson). A page
that shows other people's rows (a gradebook, an instructor's dashboard) must not: their
changes move their versions, not the viewer's.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from functools import cache, wraps

from flask import Flask, Response, current_app, request, session
from flask_wtf.csrf import generate_csrf
from sqlalchemy import bindparam, select
from sqlalchemy.orm import aliased

from app.database import utcnow
from app.extensions import db, login_manager
from app.models import LoginSession, PageVersion, User
from app.services import login_sessions, page_versions
from app.web.sessions import SESSION_KEY

CSRF_KEY = "csrf_token"  # Flask-WTF's raw token in the session (WTF_CSRF_FIELD_NAME)


class PageCache:
    """A thread-safe LRU of page bodies, bounded by their total size and by their age."""

    def __init__(self, max_bytes: int, seconds: float, clock=time.monotonic) -> None:
        self.max_bytes = max_bytes
        self.seconds = seconds
        self.clock = clock
        self.items: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: str) -> bytes | None:
        with self.lock:
            item = self.items.get(key)
            if item is None or item[0] < self.clock():
                if item is not None:
                    self._drop(key)
                self.misses += 1
                return None
            self.items.move_to_end(key)
            self.hits += 1
            return item[1]

    def put(self, key: str, body: bytes) -> None:
        if len(body) > self.max_bytes // 8:  # one page never crowds out the rest
            return
        with self.lock:
            if key in self.items:
                self._drop(key)
            self.items[key] = (self.clock() + self.seconds, body)
            self.size += len(body)
            while self.size > self.max_bytes:
                self._drop(next(iter(self.items)))

    def _drop(self, key: str) -> None:
        self.size -= len(self.items.pop(key)[1])


def init_app(app: Flask) -> None:
    page_versions.install()
    size = int(app.config["PAGE_CACHE_BYTES"])
    seconds = float(app.config["PAGE_CACHE_SECONDS"])
    app.extensions["page_cache"] = PageCache(size, seconds) if size > 0 else None


def cached_page(vary: Callable[[], str] | None = None) -> Callable:
    """Serve the view's page from the cache while its session and versions still match.

    Put it above ``@login_required``: a hit never loads the user; a miss runs the view,
    which checks sign-in and permissions as it always does. *vary* names what else the
    page shows that is not in the database (e.g. which lab notebooks are built), as text
    that changes when it does.
    """

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            cache: PageCache | None = current_app.extensions.get("page_cache")
            key = _key(vary() if vary else "") if cache is not None else None
            if key is None:
                return view(*args, **kwargs)
            body = cache.get(key)
            if body is not None:
                return Response(body, mimetype="text/html")
            response = current_app.make_response(view(*args, **kwargs))
            if _keepable(response):
                cache.put(key, response.get_data())
            return response

        return wrapper

    return decorate


def _keepable(response: Response) -> bool:
    return (
        response.status_code == 200
        and response.mimetype == "text/html"
        and not response.direct_passthrough
    )


def _key(extra: str) -> str | None:
    """This request's cache key, or None when the page must be rendered (or refused)."""
    login_id, key = session.get("_user_id"), session.get(SESSION_KEY)
    if not (isinstance(login_id, str) and isinstance(key, str)):
        return None
    if CSRF_KEY not in session:
        generate_csrf()  # what the page's forms would do: the token is part of the key
    csrf = session.get(CSRF_KEY)
    if not isinstance(csrf, str):
        return None
    if "_flashes" in session or len(key) > 128:
        return None
    # A session used from another browser than the one it signed in on: Flask-Login's
    # session protection decides what happens (marks it not fresh, or signs it out).
    if session.get("_id") != login_manager._session_identifier_generator():
        return None
    user_id, _, token = login_id.partition(":")
    if not user_id.isdigit() or not token:
        return None
    row = db.session.execute(
        _state_query(),
        {
            "user_id": int(user_id),
            "key_hash": login_sessions.digest(key),
            "since": utcnow() - current_app.permanent_session_lifetime,
            "user_scope": page_versions.user_scope(int(user_id)),
        },
    ).one_or_none()
    if row is None or not secrets.compare_digest(row.session_token, token):
        return None
    versions = (str(row.mine or 0), str(row.site or 0))
    parts = (request.full_path, login_id, key, csrf, *versions, extra)
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


@cache
def _state_query():
    """The session's token and the two versions, in one round trip. Built on first use:
    building it configures every mapper, which the ``flask`` command need not do."""
    mine, site = aliased(PageVersion), aliased(PageVersion)
    return (
        select(User.session_token, mine.version.label("mine"), site.version.label("site"))
        .join(LoginSession, LoginSession.user_id == User.id)
        .outerjoin(mine, mine.scope == bindparam("user_scope"))
        .outerjoin(site, site.scope == page_versions.SITE)
        .where(
            User.id == bindparam("user_id"),
            LoginSession.key_hash == bindparam("key_hash"),
            LoginSession.created_at > bindparam("since"),
        )
    )

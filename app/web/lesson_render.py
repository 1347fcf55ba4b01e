"""Rendering lessons for the web: URLs for links and figures, and a cache of rendered lessons.

Rendered HTML depends only on the lesson's file (its content hash) and on the course's content
key (which lesson each link points to: ``courses.content_key``), so the two together are the
cache key. Each process keeps an LRU of rendered lessons; with ``REDIS_URL`` set, a second tier
in Redis lets every process (and machine) use a lesson another one rendered. What is kept in
Redis is JSON signed with the app's secret key, never pickle: a Redis that anyone else can
write to can neither run code here nor put HTML into a page. When Redis fails, pages render
as if it were not configured, and the log says so once per outage.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import posixpath
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, current_app, url_for
from markupsafe import Markup

from app.content import lexers, markdown, maths
from app.models import Course
from app.services import courses

logger = logging.getLogger(__name__)

Key = tuple[str, ...]


class LRUCache:
    """A small thread-safe least-recently-used cache."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict = OrderedDict()
        self.lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key, make):
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                self.hits += 1
                return self.items[key]
        value = make()
        with self.lock:
            self.misses += 1
            self.items[key] = value
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return value


class SharedRenders:
    """Rendered lessons in Redis, for every process: signed JSON under a content-keyed name.

    Every failure (Redis down or slow, a value that is not ours) counts as "not there": the
    caller renders. The first failure of an outage is logged as a warning, and Redis is left
    alone for ``PAUSE_SECONDS`` so that a Redis that stopped answering costs a page at most
    one short timeout now and then; the first success after it is logged too.
    """

    PAUSE_SECONDS = 10.0
    TIMEOUT_SECONDS = 0.5

    def __init__(
        self, url: str, *, prefix: str, seconds: int, secret: str, clock=time.monotonic
    ) -> None:
        self.url = url
        self.prefix = f"{prefix}lesson-render:"
        self.seconds = seconds
        self.secret = hashlib.sha256(b"shopfloor lesson render\0" + secret.encode()).digest()
        self.clock = clock
        self.paused_until = 0.0
        self.failing = False
        self.lock = threading.Lock()
        self._client = None

    @property
    def client(self):
        """The Redis client, made at first use: the import costs 0.1 s, which commands and
        processes that never render a lesson do not pay."""
        if self._client is None:
            import redis

            with self.lock:
                if self._client is None:
                    self._client = redis.Redis.from_url(
                        self.url,
                        socket_connect_timeout=self.TIMEOUT_SECONDS,
                        socket_timeout=self.TIMEOUT_SECONDS,
                    )
        return self._client

    def load(self, key: Key) -> markdown.Rendered | None:
        raw = self._call(lambda: self.client.get(self._name(key)))
        if raw is None:
            return None
        try:
            return _decode(self._verified(raw))
        except (ValueError, TypeError, KeyError) as exc:
            logger.warning("shared lesson cache: ignoring a stored value (%s)", exc)
            return None

    def store(self, key: Key, rendered: markdown.Rendered) -> None:
        body = json.dumps(_encode(rendered), separators=(",", ":")).encode()
        value = self._signature(body) + b"." + body
        self._call(lambda: self.client.set(self._name(key), value, ex=self.seconds))

    def _name(self, key: Key) -> str:
        named = [RENDERER, *key]  # a new renderer never reads what an older one stored
        return self.prefix + hashlib.sha256(json.dumps(named).encode()).hexdigest()

    def _signature(self, body: bytes) -> bytes:
        return hmac.new(self.secret, body, hashlib.sha256).hexdigest().encode()

    def _verified(self, raw: bytes) -> bytes:
        signature, _, body = raw.partition(b".")
        if not hmac.compare_digest(signature, self._signature(body)):
            raise ValueError("its signature does not match this site's secret key")
        return body

    def _call(self, request: Callable[[], Any]) -> Any:
        if self.clock() < self.paused_until:
            return None
        from redis.exceptions import RedisError

        try:
            answer = request()
        except (RedisError, OSError, ValueError) as exc:  # render instead: never fail a page
            with self.lock:
                self.paused_until = self.clock() + self.PAUSE_SECONDS
                first, self.failing = not self.failing, True
            if first:
                logger.warning(
                    "shared lesson cache: Redis failed (%s: %s); rendering in this process "
                    "until it answers again",
                    type(exc).__name__,
                    exc,
                )
            return None
        if self.failing:
            with self.lock:
                recovered, self.failing = self.failing, False
            if recovered:
                logger.info("shared lesson cache: Redis answers again")
        return answer


class RenderCache:
    """The process's LRU of rendered lessons, in front of the shared tier when there is one."""

    def __init__(self, size: int, shared: SharedRenders | None = None) -> None:
        self.local = LRUCache(size)
        self.shared = shared
        self.rendered = 0  # lessons this process rendered itself
        self.shared_hits = 0  # lessons it took from the shared tier instead

    # The LRU's figures, as before the shared tier (hits and misses of this process).
    @property
    def hits(self) -> int:
        return self.local.hits

    @property
    def misses(self) -> int:
        return self.local.misses

    def get(self, key: Key, render: Callable[[], markdown.Rendered]) -> markdown.Rendered:
        return self.local.get(key, lambda: self._fetch(key, render))

    def _fetch(self, key: Key, render: Callable[[], markdown.Rendered]) -> markdown.Rendered:
        if self.shared is not None:
            found = self.shared.load(key)
            if found is not None:
                self.shared_hits += 1
                return found
        value = render()
        self.rendered += 1
        if self.shared is not None:
            self.shared.store(key, value)
        return value


def init_app(app: Flask) -> None:
    shared = None
    seconds = int(app.config["LESSON_CACHE_REDIS_SECONDS"])
    if app.config.get("REDIS_URL") and seconds > 0:
        shared = SharedRenders(
            app.config["REDIS_URL"],
            prefix=app.config["REDIS_PREFIX"],
            seconds=seconds,
            secret=app.config["SECRET_KEY"],
        )
    app.extensions["lesson_cache"] = RenderCache(int(app.config["LESSON_CACHE_SIZE"]), shared)


def rendered(course: Course, lesson: courses.LessonRef) -> markdown.Rendered:
    cache: RenderCache = current_app.extensions["lesson_cache"]
    key = (*courses.content_key(course), lesson.content_hash)
    return cache.get(key, lambda: _render(course, lesson))


def _render(course: Course, lesson: courses.LessonRef) -> markdown.Rendered:
    paths = courses.lesson_paths(course)
    folder = posixpath.dirname(lesson.path)

    def link(href: str) -> str | None:
        target, _, anchor = href.partition("#")
        slug = paths.get(posixpath.normpath(posixpath.join(folder, target)))
        if slug is None:
            return None
        url = url_for("courses.lesson", slug=course.slug, lesson_slug=slug)
        return f"{url}#{anchor}" if anchor else url

    def asset(src: str) -> str | None:
        if "://" in src:
            return None
        for candidate in (posixpath.join(folder, src), src):
            path = posixpath.normpath(candidate)
            if path.startswith("assets/"):
                return url_for("courses.asset", slug=course.slug, name=path.removeprefix("assets/"))
        return None

    return markdown.render(courses.lesson_source(lesson.id), link=link, asset=asset)


# -- The shared tier's values: JSON with the exact shape of markdown.Rendered ----------------

FORMAT = 1
# The code that turns a lesson into HTML: a release that changes it (a figure gets a frame,
# say) renders again rather than serve what the last release left in Redis.
RENDERER = hashlib.sha256(
    b"".join(Path(module.__file__).read_bytes() for module in (markdown, maths, lexers))
).hexdigest()[:16]


def _encode(value: markdown.Rendered) -> dict:
    return {
        "format": FORMAT,
        "parts": [[part.kind, str(part.html), part.ref] for part in value.parts],
        "toc": [[heading.level, heading.id, heading.text] for heading in value.toc],
        "text": value.text,
    }


def _decode(body: bytes) -> markdown.Rendered:
    """Rebuild a rendered lesson from verified JSON; ValueError or TypeError for another shape."""
    data = json.loads(body)
    if data["format"] != FORMAT:
        raise ValueError(f"format {data['format']!r}, not {FORMAT}")
    parts = tuple(
        markdown.Part(kind=_text(kind), html=Markup(_text(html)), ref=_text(ref))  # noqa: S704 - signed: our own renderer's output
        for kind, html, ref in data["parts"]
    )
    toc = tuple(
        markdown.Heading(level=int(level), id=_text(anchor), text=_text(text))
        for level, anchor, text in data["toc"]
    )
    return markdown.Rendered(parts=parts, toc=toc, text=_text(data["text"]))


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, found {type(value).__name__}")
    return value

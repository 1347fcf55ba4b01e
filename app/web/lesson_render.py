"""Rendering lessons for the web: URLs for links and figures, and an in-memory cache.

Rendered HTML depends only on the lesson's file (its content hash) and on the course's
content version (which lesson each link points to), so that pair is the cache key.
"""

from __future__ import annotations

import posixpath
import threading
from collections import OrderedDict

from flask import Flask, current_app, url_for

from app.content import markdown
from app.models import Course, Lesson
from app.services import courses


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


def init_app(app: Flask) -> None:
    app.extensions["lesson_cache"] = LRUCache(int(app.config["LESSON_CACHE_SIZE"]))


def rendered(course: Course, lesson: Lesson) -> markdown.Rendered:
    cache: LRUCache = current_app.extensions["lesson_cache"]
    key = (lesson.content_hash, course.slug, course.content_version)
    return cache.get(key, lambda: _render(course, lesson))


def _render(course: Course, lesson: Lesson) -> markdown.Rendered:
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

    return markdown.render(lesson.source, link=link, asset=asset)

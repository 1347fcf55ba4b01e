"""Catalog, course pages, lessons, quizzes and search."""

from __future__ import annotations

import io
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user, login_required

from app import policy
from app.database import utcnow
from app.errors import Conflict, NotFound
from app.extensions import db
from app.services import courses, quizzes
from app.web import awarding, lesson_render
from app.web.access import require
from app.web.page_cache import cached_page
from app.web.quiz_answers import answer_from_form, answer_from_json, feedback_json

bp = Blueprint("courses", __name__)


@bp.get("/courses")
def catalog():
    return render_template("courses/catalog.html", cards=courses.catalog(current_user))


@bp.get("/courses/<slug>")
def detail(slug: str):
    course = courses.get_course(slug)
    require(policy.can_view_course(current_user, course))
    outline = courses.outline(course, current_user)
    lab_links = {
        entry.lesson.id: courses.lesson_labs(_labs_root(), entry.lesson)
        for item in outline.modules
        for entry in item.lessons
        if entry.lesson.labs
    }
    return render_template("courses/detail.html", outline=outline, lab_links=lab_links)


@bp.get("/courses/<slug>/lessons/<lesson_slug>")
@cached_page(vary=lambda: courses.labs_stamp(_labs_root()))  # a class reads lessons at once
@login_required
def lesson(slug: str, lesson_slug: str):
    course = courses.get_course(slug)
    require(policy.can_read_lesson(current_user, course))
    # What depends only on the content is kept per content version (the course's map, the
    # render cache); the learner's own progress and answers cost two small queries.
    lesson = courses.lesson_ref(course, lesson_slug)
    previous, following = courses.neighbours(course, lesson)
    return render_template(
        "courses/lesson.html",
        course=course,
        lesson=lesson,
        page=lesson_render.rendered(course, lesson),
        questions=quizzes.views(current_user, lesson),
        completed=courses.is_completed(current_user, lesson),
        lab_links=courses.lesson_labs(_labs_root(), lesson),
        previous=previous,
        following=following,
    )


@bp.post("/courses/<slug>/lessons/<lesson_slug>/complete")
@login_required
def complete(slug: str, lesson_slug: str):
    course, lesson = _readable_lesson(slug, lesson_slug)
    done = request.form.get("done", "1") == "1"
    courses.set_completed(current_user, lesson, done, now=utcnow())
    db.session.commit()
    awarding.after_progress(current_user.id)
    _, following = courses.neighbours(course, lesson)
    if done and following is not None:
        return redirect(url_for(".lesson", slug=slug, lesson_slug=following.slug))
    return redirect(url_for(".lesson", slug=slug, lesson_slug=lesson_slug))


@bp.get("/courses/<slug>/lessons/<lesson_slug>/labs/<lab_id>.ipynb")
@login_required
def lab_download(slug: str, lesson_slug: str, lab_id: str):
    _, lesson = _readable_lesson(slug, lesson_slug)
    data = courses.learner_notebook(_labs_root(), lab_id)
    if data is None or lab_id not in {lab["id"] for lab in lesson.labs}:
        raise NotFound("This lab's notebook is not available yet.")
    return send_file(
        io.BytesIO(data),
        mimetype="application/x-ipynb+json",
        as_attachment=True,
        download_name=f"{lab_id}.ipynb",
    )


def _labs_root() -> Path:
    return Path(current_app.config["LABS_ROOT"])


def _readable_lesson(slug: str, lesson_slug: str):
    course = courses.get_course(slug)
    require(policy.can_read_lesson(current_user, course))
    return course, courses.get_lesson(course, lesson_slug)


@bp.post("/courses/<slug>/questions/<question_slug>")
@login_required
def answer(slug: str, question_slug: str):
    course = courses.get_course(slug)
    require(policy.can_answer_quiz(current_user, course))
    question = quizzes.get_question(course, question_slug)
    raw = answer_from_json(request) if request.is_json else answer_from_form(question, request.form)
    back = url_for(
        ".lesson", slug=slug, lesson_slug=question.lesson.slug, _anchor=f"q-{question.slug}"
    )
    try:
        feedback = quizzes.answer(current_user, question, raw, now=utcnow())
    except Conflict as exc:  # a checked question that takes no more attempts
        if request.is_json:
            raise
        flash(str(exc), "error")
        return redirect(back)
    db.session.commit()
    awarding.after_progress(current_user.id)
    if request.is_json:
        return feedback_json(question, feedback)
    return redirect(back)


@bp.get("/courses/<slug>/assets/<path:name>")
def asset(slug: str, name: str):
    course = courses.get_course(slug)
    require(policy.can_view_course(current_user, course))
    found = courses.get_asset(course, f"assets/{name}")
    response = Response(found.data, mimetype=found.media_type)
    response.set_etag(found.sha256)
    response.headers["Cache-Control"] = "public, max-age=3600"
    # SVG figures are documents: never let one run script or load anything.
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    )
    return response.make_conditional(request)


@bp.get("/search")
def search():
    query = request.args.get("q", "")[:200]
    hits = courses.search(current_user, query) if query.strip() else []
    return render_template("courses/search.html", query=query, hits=hits)

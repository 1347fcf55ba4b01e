"""The web layer: blueprints, request-wide security, error pages."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app import engine
from app.extensions import login_manager
from app.web import (
    access,
    account,
    admin,
    apprenticeship,
    assessments,
    auth,
    badges,
    case,
    cohorts,
    competencies,
    courses,
    credential_admin,
    credentials,
    deferred,
    dev,
    did,
    employers,
    errors,
    exports,
    filters,
    gradebook,
    invitations,
    json_bodies,
    lab_attempts,
    labs,
    learner_record,
    lesson_render,
    main,
    ops,
    org_admin,
    orgs,
    page_cache,
    prior_learning,
    program,
    security,
    sessions,
    verify,
)


def init_app(app: Flask) -> None:
    if app.config["PROXY_COUNT"]:
        count = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    ops.init_app(app)
    security.init_app(app)
    json_bodies.init_app(app)
    deferred.init_app(app)
    errors.init_app(app)
    access.init_app(app)
    filters.init_app(app)
    lesson_render.init_app(app)
    page_cache.init_app(app)
    login_manager.user_loader(sessions.load_user)
    app.before_request(lambda: engine.current().start())  # graders start with the first request
    app.context_processor(lambda: {"sandbox_unprotected": not engine.current().sandboxed})
    for module in (
        ops,
        main,
        auth,
        account,
        orgs,
        admin,
        dev,
        courses,
        labs,
        lab_attempts,
        case,
        apprenticeship,
        competencies,
        exports,
        assessments,
        prior_learning,
        did,
        credential_admin,
        credentials,
        badges,
        learner_record,
        verify,
        org_admin,
        invitations,
        cohorts,
        gradebook,
        employers,
        program,
    ):
        app.register_blueprint(module.bp)
    if app.config["PREVIEW"]:  # `flask curriculum preview` only: never on a served site
        from app.web import preview

        app.register_blueprint(preview.bp)

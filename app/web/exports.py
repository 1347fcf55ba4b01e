"""Exports: the RAPIDS apprentice CSV and xAPI statements (JSON lines) for program staff, and
a learner's own statements. Files are streamed, so a large program does not sit in memory.

What each file holds and where every value comes from: README.md, "Exports".
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    current_app,
    render_template,
    request,
    stream_with_context,
)
from flask_login import current_user, login_required

from app import policy
from app.database import latest_today, utcnow
from app.models import Organization
from app.services import exports_rapids, exports_xapi, organizations, programs
from app.web.access import require

bp = Blueprint("exports", __name__, url_prefix="/exports")

JSON_LINES = "application/x-ndjson"


@bp.get("/")
@login_required
def index():
    require(policy.can_view_exports(current_user))
    staff_org = current_user.organization
    choices = organizations.list_all() if policy.is_platform_admin(current_user) else []
    return render_template(
        "exports/index.html",
        org=staff_org if policy.can_export_program_data(current_user, staff_org) else None,
        choices=choices,
        everything=policy.can_export_program_data(current_user, None),
    )


@bp.get("/rapids.csv")
@login_required
def rapids_csv():
    org = _org()
    require(policy.can_export_program_data(current_user, org))
    today = latest_today()
    catalog = programs.catalog(Path(current_app.config["CURRICULUM_ROOT"]))
    found = exports_rapids.rows(org, catalog, today=today)
    name = f"rapids-{org.slug if org else 'all'}-{today:%Y%m%d}.csv"
    return _download(exports_rapids.csv_lines(found), "text/csv", name)


@bp.get("/xapi.jsonl")
@login_required
def xapi_jsonl():
    org = _org()
    require(policy.can_export_program_data(current_user, org))
    since = exports_xapi.parse_since(request.args.get("since"))
    scope = exports_xapi.Scope(org=org, since=since)
    name = f"xapi-{org.slug if org else 'all'}-{utcnow():%Y%m%d}.jsonl"
    return _download(_statements(scope), JSON_LINES, name)


@bp.get("/my-statements.jsonl")
@login_required
def my_statements():
    require(policy.can_export_own_statements(current_user))
    scope = exports_xapi.Scope(learner=current_user._get_current_object())
    return _download(_statements(scope), JSON_LINES, f"my-xapi-{utcnow():%Y%m%d}.jsonl")


def _org() -> Organization | None:
    """?org=SLUG; without it, staff get their own organization and the platform admin all."""
    slug = request.args.get("org", "").strip()
    if slug:
        return organizations.get_by_slug(slug)
    return None if policy.is_platform_admin(current_user) else current_user.organization


def _statements(scope: exports_xapi.Scope) -> Iterator[str]:
    base = current_app.config["PUBLIC_BASE_URL"]
    return exports_xapi.json_lines(exports_xapi.statements(scope, base_url=base))


def _download(lines: Iterator[str], mimetype: str, filename: str) -> Response:
    return Response(
        stream_with_context(lines),
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",  # personal data: no copies in shared caches
        },
    )

"""The state program view: a program operator's figures, charts and CSV exports, for its
staff (``policy.can_view_program``).

Thin: ``services.program_report`` reads the filters and counts; ``domain.charts`` lays the
charts out; the templates draw them as SVG beside tables of the same figures.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app import policy
from app.database import utcnow
from app.domain import charts
from app.domain.periods import Period
from app.domain.roles import Role
from app.errors import InvalidInput
from app.services import program_exports, program_report
from app.web.access import require

bp = Blueprint("program", __name__)


@bp.get("/programs")
@login_required
def index():
    """The programs the person works for: straight to the one, or a list of several."""
    programs = [
        p
        for p in program_report.programs_of(_candidate_orgs())
        if policy.can_view_program(current_user, p)
    ]
    admin = policy.is_platform_admin(current_user)
    require(bool(programs) or admin)
    if len(programs) == 1 and not admin:
        return redirect(url_for("program.dashboard", slug=programs[0].slug))
    return render_template("program/index.html", programs=programs)


def _candidate_orgs() -> set[int]:
    if policy.is_platform_admin(current_user):
        return program_report.operator_ids()
    return policy.orgs_where(current_user, frozenset({Role.PARTNER_ADMIN}))


@bp.get("/programs/<slug>")
@login_required
def dashboard(slug: str):
    operator = program_report.get_program(slug)
    require(policy.can_view_program(current_user, operator))
    filters, choices, refused = _filters(operator, "program/dashboard.html")
    if refused is not None:
        return refused
    found = program_report.report(
        operator, filters, labs_root=_labs_root(), organizations=choices.organizations
    )
    return render_template(
        "program/dashboard.html", operator=operator, options=choices, problem=None,
        asked=request.args, report=found, filters=filters, charts=_charts(found),
        definitions=program_report.DEFINITIONS, places_note=program_report.PLACES_NOTE,
    )  # fmt: skip


@bp.get("/programs/<slug>/competencies")
@login_required
def competencies(slug: str):
    operator = program_report.get_program(slug)
    require(policy.can_view_program(current_user, operator))
    filters, choices, refused = _filters(operator, "program/competencies.html")
    if refused is not None:
        return refused
    rows = program_report.attainment(operator, filters, organizations=choices.organizations)
    chart = charts.shares([(r.code, r.title, r.mastered, r.learners) for r in rows])
    return render_template(
        "program/competencies.html", operator=operator, options=choices, problem=None,
        asked=request.args, filters=filters, rows=rows, chart=chart,
        definition=program_report.DEFINITIONS["attainment"][1],
    )  # fmt: skip


def _filters(operator, template: str):
    """(filters, the form's choices, None), or, for filters that cannot be read, (None,
    choices, the page saying what is wrong with status 422)."""
    today = utcnow().date()
    choices = program_report.options(operator, today=today)
    try:
        filters = program_report.read_filters(operator, request.args, today=today,
                                              choices=choices)  # fmt: skip
    except InvalidInput as exc:
        page = render_template(template, operator=operator, options=choices, problem=exc,
                               asked=request.args, filters=None, report=None)  # fmt: skip
        return None, choices, (page, 422)
    return filters, choices, None


@bp.get("/programs/<slug>/report.csv")
@login_required
def report_csv(slug: str):
    operator = program_report.get_program(slug)
    require(policy.can_view_program(current_user, operator))
    table = request.args.get("table", "summary")
    if table not in program_exports.TABLES:
        raise InvalidInput("table", "Choose one of: " + ", ".join(program_exports.TABLES) + ".")
    filters = program_report.read_filters(operator, request.args, today=utcnow().date())
    if table == "attainment":
        text = program_exports.attainment_csv(program_report.attainment(operator, filters))
    else:
        found = program_report.report(operator, filters, labs_root=_labs_root())
        text = program_exports.table_csv(found, table)
    name = f"{operator.slug}-{table}-{filters.slug}.csv"
    return Response(
        text, mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )  # fmt: skip


def _labs_root() -> Path:
    return Path(current_app.config["LABS_ROOT"])


def _category(piece: Period, unit: str) -> str:
    """A chart's category label, on two lines: "Q3" / "2026", "Jul" / "2026", "2026"."""
    if unit == "year":
        return piece.label
    if unit == "quarter":
        year, quarter = piece.label.split("-")
        return f"{quarter}\n{year}"
    month, year = piece.label.split(" ")
    return f"{month}\n{year}"


def _charts(found: program_report.Report) -> dict[str, object]:
    people = found.by_period
    credentials = found.credentials_by_period
    return {
        "people": charts.columns(
            [_category(b.period, found.unit) for b in people],
            [
                charts.Series("enrolled", tuple(b.values[0] for b in people), "bar-a"),
                charts.Series("completing", tuple(b.values[1] for b in people), "bar-b"),
            ],
        ),
        "credentials": charts.columns(
            [_category(b.period, found.credential_unit) for b in credentials],
            [charts.Series("issued", tuple(b.values[0] for b in credentials), "bar-a")],
        ),
    }

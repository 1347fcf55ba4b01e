"""The state program's figures: what the training partners and employers taking part in a
program operator's program achieved, by partner, by place and by period.

Every figure is an aggregate query (GROUP BY) scoped to the organizations whose
``program_operator_id`` is the operator's: nothing of an organization outside the program is
counted. What each figure means is written once, in ``DEFINITIONS``, and shown on the page
and in the CSV exports. Filters: a training partner, a state and county, and a period.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import and_, or_, select

from app.domain import periods
from app.domain.periods import Period
from app.domain.roles import OrgKind
from app.errors import InvalidInput, NotFound
from app.extensions import db
from app.models import Organization
from app.services import program_attainment
from app.services import program_employers as employers
from app.services import program_figures as figures

# What each figure counts, in the words the page and the CSV files use.
DEFINITIONS: dict[str, tuple[str, str]] = {
    "manufacturers": (
        "Manufacturers served",
        "Employers taking part in the program that, during the period, sent at least one "
        "worker to a program cohort, or had an apprentice who started in the period or is "
        "still active.",
    ),
    "enrolled": (
        "Workers enrolled",
        "People who were learners in a program partner's cohort at some time during the "
        "period: the cohort's dates overlap the period, they joined before it ended and had "
        "not left before it began. Each person counts once.",
    ),
    "completing": (
        "Workers completing",
        "Learners of a program cohort who completed the last lesson of their cohort's course "
        "during the period, with every lesson of that course then complete. Cohorts that "
        "follow a program without a course are not counted.",
    ),
    "apprentices_active": (
        "Apprentices active",
        "Registered apprentices whose apprenticeship is active and started by the period's "
        "last day, with an employer in the program or trained by a program partner.",
    ),
    "apprentices_new": (
        "Apprentices starting",
        "Apprenticeships (any status now) whose start date falls in the period.",
    ),
    "apprentices_completed": (
        "Apprentices completed (to date)",
        "Apprenticeships marked completed that had started by the period's last day. "
        "Shopfloor does not record the day an apprenticeship ends, so a completion cannot be "
        "placed in a period.",
    ),
    "lab_hours": (
        "Lab hours (estimated)",
        "For each program learner's first attempt at a lab graded in the period (once per "
        "learner and lab: later attempts add nothing), the time the lab's author estimates it "
        "takes (the minutes in the lab notebook; 30 when it gives none). An estimate of "
        "learning time, not time measured on task.",
    ),
    "credentials": (
        "Credentials issued",
        "Credentials issued in the period by the program's training partners, not counting "
        "any revoked since.",
    ),
    "attainment": (
        "Competency attainment",
        "Of the workers enrolled in the period whose course follows the framework, the "
        "share who have mastered each competency today (their current level, from "
        "assessed work).",
    ),
}
PLACES_NOTE = (
    "Training figures (workers, lab hours, credentials) count where the training partner is; "
    "manufacturer and apprentice figures where the employer is."
)


# -- The program and its organizations -----------------------------------------------------------


def get_program(slug: str) -> Organization:
    """The program operator *slug*; NotFound for anything else (an unknown slug, a partner)."""
    org = db.session.scalar(select(Organization).where(Organization.slug == slug))
    if org is None or org.kind is not OrgKind.PROGRAM_OPERATOR:
        raise NotFound("There is no state program at this address.")
    return org


def participants(operator: Organization) -> list[Organization]:
    """The training partners and employers taking part in *operator*'s program, by name.

    A company that registered itself takes part once staff have verified it (until then it
    sends nobody to a cohort and enrols no apprentice)."""
    query = (
        select(Organization)
        .where(
            Organization.program_operator_id == operator.id,
            or_(
                Organization.kind == OrgKind.TRAINING_PARTNER,
                and_(Organization.kind == OrgKind.EMPLOYER, Organization.verified_at.is_not(None)),
            ),
        )
        .order_by(Organization.name, Organization.id)
    )
    return list(db.session.scalars(query))


def operator_ids() -> set[int]:
    """Every program operator's id (the platform admin may open any program)."""
    query = select(Organization.id).where(Organization.kind == OrgKind.PROGRAM_OPERATOR)
    return set(db.session.scalars(query))


def programs_of(org_ids: Iterable[int]) -> list[Organization]:
    """The program operators among *org_ids* (a person's organizations), by name."""
    ids = list(org_ids)
    if not ids:
        return []
    query = select(Organization).where(
        Organization.id.in_(ids), Organization.kind == OrgKind.PROGRAM_OPERATOR
    )
    return list(db.session.scalars(query.order_by(Organization.name)))


# -- Filters -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    period: Period
    partner: Organization | None = None
    state: str = ""  # a USPS code, "": every state
    county: str = ""  # a county of *state*, "": every county

    def args(self, **changes: str | None) -> dict[str, str]:
        """The query string that asks for these filters (with *changes*), for links."""
        found = {
            "partner": self.partner.slug if self.partner else "",
            "state": self.state,
            "county": f"{self.state}:{self.county}" if self.county else "",
            "period": self.period.label,  # a quarter or a year by name, else the dates
            "from": "" if self.period.label else self.period.first.isoformat(),
            "to": "" if self.period.label else self.period.last.isoformat(),
        }
        found.update({k: v or "" for k, v in changes.items()})
        if found.get("period"):
            found["from"] = found["to"] = ""
        return {k: v for k, v in found.items() if v}

    @property
    def slug(self) -> str:
        """A file-name part naming the period ("2026-Q3", "2026-01-01_2026-02-15")."""
        if self.period.label:
            return self.period.label
        return f"{self.period.first.isoformat()}_{self.period.last.isoformat()}"


@dataclass(frozen=True)
class Options:
    organizations: list[Organization]  # every partner and employer taking part
    partners: list[Organization]
    states: list[str]
    counties: list[tuple[str, str]]  # (state, county)
    shortcuts: list[Period]


def options(operator: Organization, *, today: date) -> Options:
    """What the filter form offers: the program's partners and places, and period links."""
    orgs = participants(operator)
    places = sorted({(o.state, o.county) for o in orgs if o.state})
    return Options(
        organizations=orgs,
        partners=[o for o in orgs if o.kind is OrgKind.TRAINING_PARTNER],
        states=sorted({state for state, _ in places}),
        counties=[(s, c) for s, c in places if c],
        shortcuts=periods.shortcuts(today),
    )


def read_filters(
    operator: Organization,
    args: Mapping[str, str],
    *,
    today: date,
    choices: Options | None = None,
) -> Filters:
    """The filters a request asks for (among *choices*, the form's options, read again if
    not given); InvalidInput naming the field that is wrong."""
    try:
        period = periods.read(
            args.get("period", ""), args.get("from", ""), args.get("to", ""), today=today
        )
    except periods.PeriodError as exc:
        raise InvalidInput(exc.field, exc.message) from None
    found = choices or options(operator, today=today)
    partner = None
    if slug := args.get("partner", "").strip():
        partner = next((p for p in found.partners if p.slug == slug), None)
        if partner is None:
            raise InvalidInput("partner", "Choose one of the program's training partners.")
    state = args.get("state", "").strip().upper()
    if state and state not in found.states:
        raise InvalidInput("state", "Choose one of the states where the program works.")
    county = ""
    if raw := args.get("county", "").strip():
        county_state, _, county = raw.partition(":")
        county_state = county_state.strip().upper()
        if (county_state, county) not in found.counties:
            raise InvalidInput("county", "Choose one of the counties where the program works.")
        if state and county_state != state:
            raise InvalidInput(
                "county", f"{county} is in {county_state}, not {state}. Choose a county there."
            )
        state = county_state
    return Filters(period=period, partner=partner, state=state, county=county)


# -- The report ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Totals:
    manufacturers: int = 0
    enrolled: int = 0
    completing: int = 0
    apprentices_active: int = 0
    apprentices_new: int = 0
    apprentices_completed: int = 0
    lab_hours: float = 0.0
    labs_graded: int = 0  # learner × lab pairs behind lab_hours
    labs_unestimated: int = 0  # pairs whose lab file is gone: not in lab_hours
    credentials: int = 0


@dataclass(frozen=True)
class PartnerRow:
    org: Organization
    cohorts: int = 0
    enrolled: int = 0
    completing: int = 0
    lab_hours: float = 0.0
    credentials: int = 0
    manufacturers: int = 0  # program employers sending it workers in the period
    apprentices_active: int = 0


@dataclass(frozen=True)
class CountyRow:
    state: str
    county: str
    partners: int = 0
    employers: int = 0
    manufacturers: int = 0
    enrolled: int = 0
    completing: int = 0
    lab_hours: float = 0.0
    credentials: int = 0
    apprentices_active: int = 0

    @property
    def place(self) -> str:
        return f"{self.county}, {self.state}" if self.county else f"{self.state} (no county)"


@dataclass(frozen=True)
class Bucket:
    period: Period
    values: tuple[int, ...]


@dataclass(frozen=True)
class AttainmentRow:
    code: str
    title: str
    framework: str
    mastered: int
    learners: int

    @property
    def percent(self) -> int:
        return round(100 * self.mastered / self.learners) if self.learners else 0


@dataclass(frozen=True)
class Report:
    operator: Organization
    filters: Filters
    totals: Totals
    partners: list[PartnerRow]
    counties: list[CountyRow]
    unit: str  # "month", "quarter" or "year": the pieces of ``by_period``
    by_period: list[Bucket]  # (enrolled, completing)
    credential_unit: str
    credentials_by_period: list[Bucket]  # (issued,)


def report(
    operator: Organization,
    filters: Filters,
    *,
    labs_root: Path,
    organizations: list[Organization] | None = None,
) -> Report:
    """Every figure of the program view for *filters* (*organizations*: the program's, when
    the caller has them already)."""
    orgs = participants(operator) if organizations is None else organizations
    scope = _scope(orgs, filters)
    batch = figures.Batch(scope)  # every figure in one statement
    enrolled = figures.enrolled(batch)
    completing = figures.completing(batch)
    hours = figures.lab_hours(batch, labs_root)
    issued = figures.credentials(batch)
    served, apprentices = employers.manufacturers_and_apprentices(batch)
    batch.run()
    cohorts = figures.cohorts_running(scope)
    totals = Totals(
        manufacturers=int(served.total),
        enrolled=int(enrolled.total),
        completing=int(completing.total),
        apprentices_active=int(apprentices.total),
        apprentices_new=int(apprentices.extra.get("new", 0)),
        apprentices_completed=int(apprentices.extra.get("completed", 0)),
        lab_hours=hours.total,
        labs_graded=int(hours.extra.get("graded", 0)),
        labs_unestimated=int(hours.extra.get("unestimated", 0)),
        credentials=int(issued.total),
    )
    partners = [
        PartnerRow(
            org,
            cohorts=cohorts.get(org.id, 0),
            enrolled=int(enrolled.by_org.get(org.id, 0)),
            completing=int(completing.by_org.get(org.id, 0)),
            lab_hours=hours.by_org.get(org.id, 0.0),
            credentials=int(issued.by_org.get(org.id, 0)),
            manufacturers=int(served.by_org.get(org.id, 0)),
            apprentices_active=int(apprentices.by_org.get(org.id, 0)),
        )
        for org in orgs
        if org.id in set(scope.partners)
    ]
    places = _places(orgs, scope)
    counties = [
        CountyRow(
            state,
            county,
            partners=n_partners,
            employers=n_employers,
            manufacturers=int(served.by_place.get((state, county), 0)),
            enrolled=int(enrolled.by_place.get((state, county), 0)),
            completing=int(completing.by_place.get((state, county), 0)),
            lab_hours=hours.by_place.get((state, county), 0.0),
            credentials=int(issued.by_place.get((state, county), 0)),
            apprentices_active=int(apprentices.by_place.get((state, county), 0)),
        )  # fmt: skip
        for (state, county), (n_partners, n_employers) in places
    ]
    return Report(
        operator=operator,
        filters=filters,
        totals=totals,
        partners=partners,
        counties=counties,
        unit=enrolled.unit,
        by_period=[
            Bucket(piece, (e, c))
            for piece, e, c in zip(
                enrolled.buckets, enrolled.series, completing.series, strict=True
            )
        ],  # fmt: skip
        credential_unit=issued.unit,
        credentials_by_period=[
            Bucket(piece, (n,)) for piece, n in zip(issued.buckets, issued.series, strict=True)
        ],
    )


def attainment(
    operator: Organization, filters: Filters, *, organizations: list[Organization] | None = None
) -> list[AttainmentRow]:
    """Competency attainment of the workers enrolled under *filters* (its own page: the
    dashboard links to it)."""
    orgs = participants(operator) if organizations is None else organizations
    scope = _scope(orgs, filters)
    return [
        AttainmentRow(
            a.competency.code,
            a.competency.title,
            a.competency.framework.title,
            a.mastered,
            a.learners,
        )  # fmt: skip
        for a in program_attainment.attainment(scope)
    ]


def _scope(orgs: list[Organization], filters: Filters) -> figures.Scope:
    def in_place(org: Organization) -> bool:
        return (not filters.state or org.state == filters.state) and (
            not filters.county or org.county == filters.county
        )

    def chosen(org: Organization) -> bool:
        return filters.partner is None or org.id == filters.partner.id

    partners = [o for o in orgs if o.kind is OrgKind.TRAINING_PARTNER]
    employers = [o for o in orgs if o.kind is OrgKind.EMPLOYER]
    return figures.Scope(
        period=filters.period,
        partners=[o.id for o in partners if chosen(o) and in_place(o)],
        linked_partners=[o.id for o in partners if chosen(o)],
        employers=[o.id for o in employers if in_place(o)],
        all_employers=[o.id for o in employers],
        filtered_by_partner=filters.partner is not None,
    )


def _places(
    orgs: list[Organization], scope: figures.Scope
) -> list[tuple[tuple[str, str], tuple[int, int]]]:
    """Each place of a partner or employer the filters leave, with how many of each."""
    partners, employers = set(scope.partners), set(scope.employers)
    found: dict[tuple[str, str], list[int]] = {}
    for org in orgs:
        if org.id in partners or org.id in employers:
            counts = found.setdefault((org.state, org.county), [0, 0])
            counts[0 if org.id in partners else 1] += 1
    return [(place, (p, e)) for place, (p, e) in sorted(found.items())]

"""Competency frameworks as stored, and their CASE 1.1 form."""

from __future__ import annotations

from sqlalchemy import select

from app.content import case
from app.content.model import Competency as CompetencyItem
from app.content.model import Framework as FrameworkSpec
from app.content.model import Level, Related
from app.errors import NotFound
from app.extensions import db
from app.models import Competency, Framework


def get(slug: str) -> Framework:
    row = db.session.scalar(select(Framework).where(Framework.slug == slug))
    if row is None:
        raise NotFound(f"There is no framework '{slug}'.")
    return row


def by_uuid(identifier: str) -> Framework:
    row = db.session.scalar(
        select(Framework).where(Framework.uuid == identifier, Framework.archived_at.is_(None))
    )
    if row is None:
        raise NotFound(f"There is no CFDocument '{identifier}'.")
    return row


def active() -> list[Framework]:
    query = select(Framework).where(Framework.archived_at.is_(None)).order_by(Framework.title)
    return list(db.session.scalars(query))


def competency_by_uuid(identifier: str) -> Competency:
    row = db.session.scalar(
        select(Competency).where(Competency.uuid == identifier, Competency.archived_at.is_(None))
    )
    if row is None:
        raise NotFound(f"There is no CFItem '{identifier}'.")
    return row


def spec(row: Framework) -> FrameworkSpec:
    """The stored framework as the plain dataclass the CASE builder takes."""
    items = tuple(
        CompetencyItem(
            code=c.code,
            title=c.title,
            description=c.description,
            kind=c.kind,
            parent=c.parent_code,
            position=c.position,
            precedes=tuple(c.precedes),
            related=tuple(Related(**r) for r in c.related),
            uuid=c.uuid,
        )
        for c in row.competencies
        if c.archived_at is None
    )
    return FrameworkSpec(
        id=row.slug,
        title=row.title,
        version=row.version,
        description=row.description,
        creator=row.creator,
        publisher=row.publisher,
        language=row.language,
        subjects=tuple(row.subjects),
        license_title=row.license_title,
        license_uri=row.license_uri,
        levels=tuple(Level(**level) for level in row.levels),
        items=items,
        source=row.source,
        uuid=row.uuid,
    )


def package(row: Framework, base: str) -> dict:
    return case.package(spec(row), case.Urls(base), row.updated_at)


def document(row: Framework, base: str) -> dict:
    return case.document(spec(row), case.Urls(base), row.updated_at)


def item(row: Competency, base: str) -> dict:
    framework = spec(row.framework)
    entry = next(i for i in framework.items if i.code == row.code)
    return case.item(framework, entry, case.Urls(base), row.framework.updated_at)

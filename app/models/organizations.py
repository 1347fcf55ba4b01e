from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Enum, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.database import UTCDateTime, utcnow
from app.domain.roles import OrgKind
from app.extensions import db

if TYPE_CHECKING:
    from app.models.users import User


class Organization(db.Model):
    """A training partner (community college, HBCU), an employer or a program operator."""

    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[OrgKind] = mapped_column(
        Enum(OrgKind, native_enum=False, length=32, values_callable=lambda e: [m.value for m in e])
    )
    location: Mapped[str] = mapped_column(String(120), default="")
    description: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Branding and identity, shown on the credentials the organization issues.
    short_name: Mapped[str] = mapped_column(String(40), default="")
    website: Mapped[str] = mapped_column(String(300), default="")  # https:// address or ""
    brand_primary: Mapped[str] = mapped_column(String(7), default="")  # "#rrggbb" or ""
    brand_secondary: Mapped[str] = mapped_column(String(7), default="")
    ipeds_unit_id: Mapped[str] = mapped_column(String(6), default="")  # six digits
    opeid: Mapped[str] = mapped_column(String(8), default="")  # eight digits
    # The logo as domain.logos made it: an RGBA PNG within 512 × 512 pixels, at most 256 KB.
    # Deferred: pages that load organizations load it only when they show it.
    logo_png: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    logo_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # None: no logo
    # A parent institution (a college district, a university system), shown as parentOrg.
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL")
    )

    # Where it is, for the state program's figures: a USPS state code and a county name.
    state: Mapped[str] = mapped_column(String(2), default="", server_default="")
    county: Mapped[str] = mapped_column(String(80), default="", server_default="")
    # The program operator whose state program this partner or employer takes part in.
    program_operator_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL"), index=True
    )
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When a platform admin or the staff of its state program confirmed a company that
    # registered itself; until then it enrols no apprentice and sends nobody to a cohort.
    # Organizations made by staff are verified as they are made; who confirmed one is in its
    # audit trail ("organization.verified").
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    parent: Mapped[Organization | None] = relationship(remote_side=[id], foreign_keys=[parent_id])
    program_operator: Mapped[Organization | None] = relationship(
        remote_side=[id], foreign_keys=[program_operator_id]
    )
    members: Mapped[list[User]] = relationship(back_populates="organization")

    @property
    def has_logo(self) -> bool:
        return self.logo_updated_at is not None

    @property
    def logo_version(self) -> int:
        """Changes with the logo (pages add it to the logo's address, past caches); 0: none."""
        return int(self.logo_updated_at.timestamp()) if self.logo_updated_at is not None else 0

    def __repr__(self) -> str:
        return f"<Organization {self.slug}>"

"""Achievement definitions, as loaded from ``badges/*.yml`` by the curriculum sync.

Rows are keyed by the stable id in the file (``slug``) and archived, never deleted, when
their file goes away, so credentials issued for them keep pointing at their definition.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.database import UTCDateTime, utcnow
from app.extensions import db


class Achievement(db.Model):
    __tablename__ = "achievements"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    # The Open Badges 3.0 achievementType (Badge, Certificate, ...) or an "ext:" extension.
    achievement_type: Mapped[str] = mapped_column("type", String(100), default="")
    # {"narrative": str, "rules": [...]}: content.achievement_rules.rules_as_json
    criteria: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # [{framework, code, uuid, name, description}]: CASE items the achievement aligns to
    alignments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    issuers: Mapped[list[str]] = mapped_column(JSON, default=list)  # organization slugs
    instructor_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    valid_for: Mapped[str] = mapped_column(String(32), default="")  # ISO 8601, e.g. P3Y
    artwork: Mapped[str] = mapped_column(String(64), default="default")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    content_version: Mapped[str] = mapped_column(String(100), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

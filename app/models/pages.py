from __future__ import annotations

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class PageVersion(db.Model):
    """How many committed changes a scope has seen: ``site``, or ``user:<id>``.

    A cached page is kept under the versions of the scopes it was rendered from, so any
    change a page could show makes its next view a fresh render (services.page_versions).
    A scope with no row is at version 0.
    """

    __tablename__ = "page_versions"

    scope: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)

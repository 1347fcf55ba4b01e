"""Each issuer's Bitstring Status Lists: handing out random entries, setting and clearing
bits, and the signed BitstringStatusListCredential that publishes them.

A list is signed again only when it changed since it was last published; the signed copy is
kept with the list, so serving it is a read.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import select

from app.credentials import proofs
from app.credentials import status_list as bitstring
from app.errors import NotFound
from app.extensions import db
from app.models import Credential, Organization, StatusList
from app.services import keys

# How long a verifier may keep a published list before fetching it again.
TTL_MS = 5 * 60 * 1000
PURPOSE = "revocation"


def list_url(row: StatusList) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL']}/credentials/status/{row.public_id}"


def _current(issuer: Organization | None) -> StatusList | None:
    issuer_id = issuer.id if issuer is not None else None
    query = (
        select(StatusList)
        .where(
            StatusList.issuer_id.is_(None)
            if issuer_id is None
            else StatusList.issuer_id == issuer_id
        )
        .where(StatusList.purpose == PURPOSE, StatusList.used < StatusList.size)
        .order_by(StatusList.id.desc())
        .with_for_update()
    )
    return db.session.scalars(query).first()


def allocate(issuer: Organization | None, *, now: datetime) -> tuple[StatusList, int]:
    """Return (list, index): a random unused entry in *issuer*'s current list (a new list
    when there is none or it is full). The row is locked until the transaction ends."""
    row = _current(issuer)
    if row is None:
        row = StatusList(
            public_id=str(uuid.uuid4()),
            issuer_id=issuer.id if issuer is not None else None,
            purpose=PURPOSE,
            size=bitstring.MIN_LENGTH,
            used=0,
            bits=bytes(bitstring.MIN_LENGTH // 8),
            version=1,
            created_at=now,
            updated_at=now,
        )
        db.session.add(row)
        db.session.flush()
        published(row, now=now)
    taken = set(
        db.session.scalars(
            select(Credential.status_index).where(Credential.status_list_id == row.id)
        )
    )
    index = bitstring.allocate_index(taken, length=row.size)
    row.used = len(taken) + 1
    return row, index


def _locked(list_id: int) -> StatusList:
    """The list read afresh and locked until the transaction ends (PostgreSQL: FOR UPDATE;
    SQLite takes the whole database for the write), so two changes at once cannot both
    start from the same bits and lose one."""
    query = (
        select(StatusList)
        .where(StatusList.id == list_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return db.session.scalars(query).one()


def set_bit(row: StatusList, index: int, value: bool, *, now: datetime) -> None:
    """Set (revoked or suspended) or clear entry *index*, and publish the list again."""
    row = _locked(row.id)
    bits = bitstring.StatusList(row.size, bytearray(row.bits))
    if bits.get(index) == value:
        return
    bits.set(index, value)
    row.bits = bytes(bits.bits)
    row.version += 1
    row.updated_at = now
    published(row, now=now)


def is_set(row: StatusList, index: int) -> bool:
    return bitstring.StatusList(row.size, bytearray(row.bits)).get(index)


def get(public_id: str) -> StatusList:
    row = db.session.scalar(select(StatusList).where(StatusList.public_id == public_id))
    if row is None:
        raise NotFound("There is no status list at this address.")
    return row


def published(row: StatusList, *, now: datetime) -> dict[str, Any]:
    """The signed BitstringStatusListCredential of *row*, signed again if it changed."""
    if row.published is not None and row.published_version == row.version:
        return row.published
    issuer = db.session.get(Organization, row.issuer_id) if row.issuer_id else None
    method, private_key = keys.signing_key(issuer)
    unsigned = bitstring.status_list_credential(
        list_url=list_url(row),
        issuer=keys.did_for(issuer),
        status_list=bitstring.StatusList(row.size, bytearray(row.bits)),
        valid_from=proofs.xsd_datetime(now),
        purpose=row.purpose,
        ttl_ms=TTL_MS,
    )
    signed = proofs.sign(unsigned, private_key, verification_method=method, created=now)
    row.published = signed
    row.published_version = row.version
    row.published_at = now
    return signed


def fetch_local(url: str, *, now: datetime) -> dict[str, Any] | None:
    """The published list at *url* if it is one of ours, else None."""
    prefix = f"{current_app.config['PUBLIC_BASE_URL']}/credentials/status/"
    if not url.startswith(prefix):
        return None
    try:
        row = get(url.removeprefix(prefix))
    except NotFound:
        return None
    return published(row, now=now)

"""The learner's Comprehensive Learner Record (CLR 2.0), signed on download."""

from __future__ import annotations

import json

from flask import Blueprint, Response
from flask_login import current_user, login_required

from app import policy
from app.database import utcnow
from app.services import learner_record
from app.web.access import require

bp = Blueprint("learner_record", __name__)


@bp.get("/credentials/learner-record.json")
@login_required
def download():
    require(policy.can_view_own_credentials(current_user))
    record = learner_record.build(current_user, now=utcnow())
    body = json.dumps(record, indent=2, ensure_ascii=False)
    name = f"learner-record-{utcnow():%Y-%m-%d}.json"
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )

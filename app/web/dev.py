"""Development helpers, present only while DEV_MODE is on (``make run``)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template

from app.mail import read_outbox

bp = Blueprint("dev", __name__, url_prefix="/dev")


@bp.before_request
def _only_in_dev_mode():
    if not current_app.config["DEV_MODE"]:
        abort(404)


@bp.get("/outbox")
def outbox():
    messages = read_outbox(current_app.config["MAIL_OUTBOX_DIR"])
    return render_template("dev/outbox.html", messages=messages)


@bp.get("/outbox/<message_id>")
def message(message_id: str):
    found = read_outbox(current_app.config["MAIL_OUTBOX_DIR"], message_id=message_id)
    if not found:
        abort(404)
    return render_template("dev/message.html", message=found[0])

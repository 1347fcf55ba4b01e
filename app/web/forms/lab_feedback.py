"""Forms staff use on a learner's lab attempt: a comment, a score override, extra attempts.

They check shapes; ``services.lab_feedback`` checks the rules (the score's range, the number
of attempts). Several share a page, so each field has an id of its own.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.services.lab_feedback import MAX_COMMENT, MAX_EXTRA, MAX_REASON

REASON_NEEDED = "Give the reason: the learner reads it."


class CommentForm(FlaskForm):
    body = TextAreaField(
        "Comment to the learner",
        id="comment-body",
        validators=[
            DataRequired(message="Write the comment to the learner."),
            Length(max=MAX_COMMENT),
        ],
        description="The learner reads it on this attempt's page.",
        render_kw={"rows": 4},
    )


class OverrideForm(FlaskForm):
    total = StringField(
        "New score",
        id="override-total",
        validators=[DataRequired(message="Enter the score."), Length(max=20)],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    reason = TextAreaField(
        "Reason",
        id="override-reason",
        validators=[DataRequired(message=REASON_NEEDED), Length(max=MAX_REASON)],
        description="Shown to the learner with the new score, and kept in the audit trail.",
        render_kw={"rows": 3},
    )


class ClearOverrideForm(FlaskForm):
    reason = TextAreaField(
        "Reason",
        id="clear-reason",
        validators=[DataRequired(message=REASON_NEEDED), Length(max=MAX_REASON)],
        render_kw={"rows": 2},
    )


class GrantForm(FlaskForm):
    extra = StringField(
        "Extra attempts",
        id="grant-extra",
        default="1",
        validators=[DataRequired(message="Enter how many attempts to add."), Length(max=10)],
        description=f"1 to {MAX_EXTRA}, added to what the lab allows, for this learner only.",
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    reason = TextAreaField(
        "Reason",
        id="grant-reason",
        validators=[DataRequired(message=REASON_NEEDED), Length(max=MAX_REASON)],
        description="Shown to the learner in the lab, and kept in the audit trail.",
        render_kw={"rows": 2},
    )

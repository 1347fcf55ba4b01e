"""Forms of rubric assessments, mentors' observations and prior-learning claims. They check
shapes; ``app.domain.assessments`` checks the rules (levels, dates, documents)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.domain.assessments import NOTE_CHARS, REASON_CHARS, STATEMENT_CHARS, SUBJECT_CHARS


class JudgementForm(FlaskForm):
    competency = SelectField("Competency", validators=[DataRequired()], choices=[])
    level = RadioField("Level", choices=[], validate_choice=False)
    subject = StringField(
        "What was assessed",
        validators=[Length(max=SUBJECT_CHARS)],
        description="The lab attempt, the practical task or the job: such as “OEE lab, "
        "attempt 2” or “Changed the line 2 conveyor motor”.",
    )
    note = TextAreaField(
        "Comment",
        validators=[Optional(), Length(max=NOTE_CHARS)],
        description="What you saw that places them at this level; what to work on next.",
        render_kw={"rows": 4},
    )
    occurred_on = StringField("Date", validators=[DataRequired()], render_kw={"type": "date"})


class RubricForm(JudgementForm):
    score = StringField(
        "Score (optional)",
        validators=[Optional(), Length(max=10)],
        description="A percentage, if the task was marked; it counts in the competency's "
        "average as well.",
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )


class ObservationForm(JudgementForm):
    subject = StringField("The job or task", validators=[Length(max=SUBJECT_CHARS)])


class ClaimForm(FlaskForm):
    competency = SelectField("Competency", validators=[DataRequired()], choices=[])
    statement = TextAreaField(
        "Where and how you learned it",
        validators=[DataRequired(), Length(max=STATEMENT_CHARS)],
        description="The course, job or licence, when, and what you did.",
        render_kw={"rows": 5},
    )
    document = FileField(
        "Document",
        description="A certificate, transcript or photo: PDF, PNG or JPEG, at most 5 MB.",
        render_kw={"accept": ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"},
    )


class ClaimReviewForm(FlaskForm):
    level = RadioField("Level recognised", choices=[], validate_choice=False)
    reason = TextAreaField(
        "Reason",
        validators=[Optional(), Length(max=REASON_CHARS)],
        description="Needed to reject: say what is missing.",
        render_kw={"rows": 3},
    )


class WithdrawClaimForm(FlaskForm):
    pass


class WithdrawAssessmentForm(FlaskForm):
    reason = StringField(
        "Why withdraw it",
        validators=[DataRequired(), Length(max=REASON_CHARS)],
        description="Such as “Recorded for the wrong learner”.",
    )

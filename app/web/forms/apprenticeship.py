"""Forms of the apprenticeship pages. They check shapes; app.domain.ojl checks the rules."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.domain.ojl import COMMENT_CHARS, DESCRIPTION_CHARS


class OjlEntryForm(FlaskForm):
    work_date = StringField(
        "Date worked",
        validators=[DataRequired()],
        render_kw={"type": "date"},
    )
    hours = StringField(
        "Hours",
        validators=[DataRequired(), Length(max=20)],
        description="Such as 7.5 or 7:30.",
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    work_process = SelectField("Work process", validators=[DataRequired()], choices=[])
    competencies = SelectMultipleField("Competencies practised", choices=[], validate_choice=False)
    description = TextAreaField(
        "What you did",
        validators=[DataRequired(), Length(max=DESCRIPTION_CHARS)],
        description="A sentence or two your mentor can check: the machine, the task, what you "
        "learned.",
        render_kw={"rows": 4},
    )
    version = HiddenField(validators=[Optional()])


class ReviewForm(FlaskForm):
    comment = TextAreaField(
        "Comment",
        validators=[Optional(), Length(max=COMMENT_CHARS)],
        description="Needed to reject: say what to correct.",
        render_kw={"rows": 2},
    )
    version = HiddenField(validators=[InputRequired()])


class WithdrawForm(FlaskForm):
    version = HiddenField(validators=[InputRequired()])


class EnrolForm(FlaskForm):
    apprentice = SelectField("Apprentice", validators=[DataRequired()], choices=[], coerce=int)
    program = SelectField("Program", validators=[DataRequired()], choices=[])
    mentor = SelectField("Mentor (journeyworker)", validators=[DataRequired()], choices=[],
                         coerce=int)  # fmt: skip
    employer = SelectField("Sponsoring employer", validators=[DataRequired()], choices=[],
                           coerce=int)  # fmt: skip
    start_date = DateField("Start date", validators=[DataRequired()])


class AttendanceForm(FlaskForm):
    course = SelectField("Course", validators=[DataRequired()], choices=[])
    session_date = StringField("Date of the session", validators=[DataRequired()],
                               render_kw={"type": "date"})  # fmt: skip
    hours = StringField(
        "Hours attended",
        validators=[DataRequired(), Length(max=20)],
        description="Such as 3 or 2:30.",
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    topic = StringField("What the session covered", validators=[DataRequired(), Length(max=300)])

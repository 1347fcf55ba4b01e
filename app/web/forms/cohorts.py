"""Forms of the cohort pages. They check shapes; services.cohorts and rosters check the rules."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.services.cohorts import MAX_LOCATION, MAX_NAME, MAX_SCHEDULE


class CheckboxList(SelectMultipleField):
    """Several choices as a list of checkboxes (a multiple select is hard to use on a phone)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CohortForm(FlaskForm):
    name = StringField(
        "Cohort name",
        validators=[DataRequired(), Length(max=MAX_NAME)],
        description="What learners and staff call it, such as “Fall 2026 evening”.",
    )
    course = SelectField("Course", choices=[], validators=[Optional()])
    program = SelectField(
        "Apprenticeship program",
        choices=[],
        validators=[Optional()],
        description="Optional. Choose a course, a program, or both.",
    )
    starts_on = DateField("First day", validators=[InputRequired(message="Enter the first day.")])
    ends_on = DateField("Last day", validators=[InputRequired(message="Enter the last day.")])
    schedule = TextAreaField(
        "Schedule",
        validators=[Optional(), Length(max=MAX_SCHEDULE)],
        description="When it meets, such as “Tuesdays and Thursdays, 6–9 pm”.",
        render_kw={"rows": 2},
    )
    location = StringField(
        "Location",
        validators=[Optional(), Length(max=MAX_LOCATION)],
        description="Where it meets: a room and campus, or “Online”.",
    )
    capacity = IntegerField(
        "Capacity",
        validators=[Optional(), NumberRange(min=1, max=100_000, message="Enter a number above 0.")],
        description="Optional: the most learners it takes. Leave empty for no limit.",
        render_kw={"inputmode": "numeric"},
    )
    instructors = CheckboxList("Instructors", choices=[], validate_choice=False)


class JoinForm(FlaskForm):
    """The code a learner types; sent with GET, so it carries no CSRF token."""

    class Meta:
        csrf = False

    code = StringField(
        "Cohort code",
        validators=[DataRequired(message="Enter the code your instructor gave you.")],
        description="8 letters and digits, such as HMKT 4Q7R. Spaces and case do not matter.",
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )


class ConfirmForm(FlaskForm):
    """A button that changes something: joining, withdrawing, the join code. CSRF only."""


class RosterUploadForm(FlaskForm):
    file = FileField(
        "Roster file (CSV)",
        validators=[FileRequired(message="Choose the CSV file to upload.")],
        description="A .csv file of at most 2 MB and 5,000 learners.",
        render_kw={"accept": ".csv,text/csv"},
    )


class RosterConfirmForm(FlaskForm):
    token = HiddenField(validators=[InputRequired()])


class MoveForm(FlaskForm):
    target = SelectField("Move to", choices=[], validators=[DataRequired()])


class InstructorForm(FlaskForm):
    instructor = SelectField("Instructor", choices=[], validators=[DataRequired()])


class JoinCodeForm(FlaskForm):
    action = HiddenField(validators=[InputRequired()])

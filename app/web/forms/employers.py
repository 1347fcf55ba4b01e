"""Forms of the employer pages and of a learner's sharing choices. They check shapes;
``services.employers`` and ``services.consents`` check the rules."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from app.web.forms.org_admin import STATE_CHOICES


class RegisterEmployerForm(FlaskForm):
    name = StringField(
        "Company name",
        validators=[DataRequired(message="Give the company's name."), Length(max=200)],
    )
    location = StringField(
        "Town or city", validators=[Optional(), Length(max=120)], description="Such as Toledo, OH."
    )
    state = SelectField("State", choices=STATE_CHOICES, validators=[Optional()])
    county = StringField("County", validators=[Optional(), Length(max=80)])
    program_operator = SelectField(
        "State program", coerce=str, validators=[Optional()],
        description="The state manufacturing program the company takes part in, if any.",
    )  # fmt: skip
    description = TextAreaField("What the company makes", validators=[Optional(), Length(max=500)])
    admin_email = EmailField(
        "Email of the company's HR lead or manager",
        validators=[Optional(), Email(message="Give a valid email address."), Length(max=254)],
        description="They get an invitation to run the company's page.",
    )


class SponsorForm(FlaskForm):
    worker = SelectField("Worker", coerce=str, validators=[DataRequired()])
    cohort = SelectField("Cohort", coerce=str, validators=[DataRequired()])


class MentorForm(FlaskForm):
    mentor = SelectField("Mentor", coerce=str, validators=[DataRequired()])


class VerifyForm(FlaskForm):
    """Confirm a company (the CSRF token is all it carries)."""


class ConsentForm(FlaskForm):
    """Grant or withdraw one employer's view (the button pressed says which)."""

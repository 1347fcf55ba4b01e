"""Forms of organization administration and of accepting an invitation. They check shapes;
``services.invitations`` and ``services.memberships`` check the rules."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from app.domain.passwords import MAX_LENGTH
from app.domain.places import STATES
from app.domain.roles import OrgKind
from app.services.org_details import MAX_COUNTY, MAX_DESCRIPTION, MAX_LOCATION, MAX_NAME
from app.web.forms.auth import EMAIL_MAX

# Lengths are checked by the services, which say what is wrong; the forms only refuse what no
# field could hold.
GUARD = 2000
NAME_MAX = 120
NOTE_MAX = 1000

KIND_CHOICES = [
    SelectChoice(OrgKind.TRAINING_PARTNER.value, "Training partner"),
    SelectChoice(OrgKind.EMPLOYER.value, "Employer"),
    SelectChoice(OrgKind.PROGRAM_OPERATOR.value, "Program operator"),
]
STATE_CHOICES = [
    SelectChoice("", "Not given"),
    *(SelectChoice(code, f"{code} – {name}") for code, name in STATES.items()),
]


class DetailsForm(FlaskForm):
    """An organization's details. ``kind`` and ``program_operator`` are removed for people
    who may not change them (see ``org_admin.edit_org``)."""

    name = StringField(
        "Name",
        validators=[DataRequired(message="Give the organization's name."), Length(max=GUARD)],
        description=f"As people know it, such as “Lakeshore Community College”. "
        f"At most {MAX_NAME} characters.",
        render_kw={"autocomplete": "organization"},
    )
    kind = SelectField(
        "Kind",
        choices=KIND_CHOICES,
        validators=[DataRequired()],
        description="A training partner teaches (a college, HBCU, MEP centre or union school); "
        "an employer sends its workers; a program operator runs a state program.",
    )
    location = StringField(
        "Town or city",
        validators=[Optional(), Length(max=GUARD)],
        description=f"Shown under the name, such as “Cleveland, OH”. At most {MAX_LOCATION}.",
        render_kw={"autocomplete": "address-level2"},
    )
    state = SelectField(
        "State",
        choices=STATE_CHOICES,
        validators=[Optional()],
        description="Where it is, for the state program's figures.",
    )
    county = StringField(
        "County",
        validators=[Optional(), Length(max=GUARD)],
        description=f"Such as “Cuyahoga”. At most {MAX_COUNTY} characters.",
    )
    description = TextAreaField(
        "Description",
        validators=[Optional(), Length(max=GUARD)],
        description=f"One or two sentences shown on its page. At most {MAX_DESCRIPTION}.",
    )
    program_operator = SelectField(
        "State program",
        validators=[Optional()],
        description="The program this partner or employer takes part in, if any.",
    )


class NewOrganizationForm(DetailsForm):
    slug = StringField(
        "Web address name",
        validators=[
            DataRequired(message="Give a short name for its web address."),
            Length(max=GUARD),
        ],
        description="Lower-case letters, digits and hyphens, such as “lakeshore-cc”: its "
        "pages live at /orgs/lakeshore-cc. It cannot be changed later.",
        render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "none"},
    )
    admin_email = EmailField(
        "First admin's email address",
        validators=[
            DataRequired(message="Give the address of its first admin."),
            Length(max=EMAIL_MAX),
        ],
        description="They get an invitation link by email, valid for 14 days, and manage "
        "the organization's people from then on.",
        render_kw={"autocomplete": "off"},
    )
    admin_name = StringField(
        "First admin's name (optional)",
        validators=[Optional(), Length(max=NAME_MAX)],
        render_kw={"autocomplete": "off"},
    )


class InviteForm(FlaskForm):
    email = EmailField(
        "Email address",
        validators=[DataRequired(message="Give the address to invite."), Length(max=EMAIL_MAX)],
        render_kw={"autocomplete": "off"},
    )
    name = StringField(
        "Name (optional)",
        validators=[Optional(), Length(max=NAME_MAX)],
        description="Fills in the name on their registration form.",
        render_kw={"autocomplete": "off"},
    )
    role = SelectField("Role", validators=[DataRequired()])


class RoleForm(FlaskForm):
    role = SelectField("New role", validators=[DataRequired()])


class DeactivateForm(FlaskForm):
    note = TextAreaField(
        "Reason (optional)",
        validators=[Optional(), Length(max=NOTE_MAX)],
        description="Kept in the audit trail, such as “left the company in May”.",
    )


class ActionForm(FlaskForm):
    """No fields: a POST button (reactivate, withdraw, send again, accept) with its token."""


class JoinForm(FlaskForm):
    """Registering through an invitation: the address is the invitation's, proven by the
    emailed link, so only the name and a password are asked."""

    name = StringField(
        "Full name",
        validators=[DataRequired(message="Please enter your name."), Length(max=NAME_MAX)],
        render_kw={"autocomplete": "name"},
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired(), Length(max=MAX_LENGTH)],
        description="At least 10 characters. A short phrase of unrelated words works well.",
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "Repeat the password",
        validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")],
        render_kw={"autocomplete": "new-password"},
    )

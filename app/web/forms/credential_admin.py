"""Forms of the issuing partner's credential pages. They check shapes; ``services.credentials``,
``services.endorsements`` and ``services.organizations`` check the rules."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.services.credentials import MAX_REASON
from app.services.endorsements import MAX_COMMENT

# Branding values are checked by services.organizations.update_branding, which says what is
# wrong; the form only refuses what no field could hold.
GUARD = 500
REASON_NEEDED = "Give a reason: the learner and the credential's record show it."


class DecisionForm(FlaskForm):
    """Approve (comment optional) or decline (comment required) a credential."""

    comment = TextAreaField("Comment", validators=[Optional(), Length(max=MAX_REASON)])


class ReasonForm(FlaskForm):
    """Suspend or revoke: a reason is required. ``confirm`` is set on the revoke
    confirmation page, since a revocation cannot be undone."""

    reason = TextAreaField(
        "Reason",
        validators=[DataRequired(message=REASON_NEEDED), Length(max=MAX_REASON)],
    )
    confirm = HiddenField()


class ReinstateForm(FlaskForm):
    reason = TextAreaField("Note (optional)", validators=[Optional(), Length(max=MAX_REASON)])


class EndorseForm(FlaskForm):
    achievement = HiddenField(validators=[DataRequired()])
    comment = TextAreaField(
        "Why you endorse it",
        validators=[
            DataRequired(message="Say why you endorse it: verifiers and employers read this."),
            Length(max=MAX_COMMENT),
        ],
    )


class BrandingForm(FlaskForm):
    short_name = StringField(
        "Short name",
        validators=[Optional(), Length(max=GUARD)],
        description="Where the full name does not fit, such as on badge artwork: “Tri-C”.",
    )
    website = StringField(
        "Website",
        validators=[Optional(), Length(max=GUARD)],
        description="The https:// address of your home page; credentials link to it.",
        render_kw={"type": "url", "inputmode": "url", "autocomplete": "url"},
    )
    brand_primary = StringField(
        "Primary colour",
        validators=[Optional(), Length(max=GUARD)],
        description="# and six hex digits, such as #0b5394. White text goes on it, so it must "
        "be dark enough (contrast at least 4.5:1).",
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    brand_secondary = StringField(
        "Secondary colour",
        validators=[Optional(), Length(max=GUARD)],
        description="An accent, such as #f1c232.",
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    ipeds_unit_id = StringField(
        "IPEDS unit id",
        validators=[Optional(), Length(max=GUARD)],
        description="6 digits, from the College Navigator (US colleges).",
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    opeid = StringField(
        "OPEID",
        validators=[Optional(), Length(max=GUARD)],
        description="8 digits, the Department of Education's id of your institution.",
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    # Checked by domain.logos (through services.organizations.set_logo), by content.
    logo = FileField(
        "Logo",
        description="PNG, JPEG, WebP or SVG, at most 1 MB, 32 to 4,096 pixels a side. It is "
        "stored as a PNG of at most 512 pixels a side; leave empty to keep the current one.",
        render_kw={
            "accept": ".png,.jpg,.jpeg,.webp,.svg,image/png,image/jpeg,image/webp,image/svg+xml"
        },
    )

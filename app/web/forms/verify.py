"""Forms of the verification page: one credential (address, file or JSON) or a CSV list."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField, TextAreaField
from wtforms.validators import Email, Length, Optional

MAX_UPLOAD = 2 * 1024 * 1024  # bytes; larger requests are refused before they are read
MAX_UPLOAD_TEXT = "2 MB"


class VerifyForm(FlaskForm):
    url = StringField(
        "Address of the credential",
        validators=[Optional(), Length(max=2048)],
        description="The link the learner gave you, such as https://…/credentials/….",
        render_kw={"type": "url", "inputmode": "url", "autocomplete": "off",
                   "spellcheck": "false"},
    )  # fmt: skip
    file = FileField(
        "Credential file",
        description=f"The JSON file, or the badge image (PNG or SVG) with the credential "
        f"inside; at most {MAX_UPLOAD_TEXT}.",
        render_kw={
            "accept": ".json,.jsonld,.png,.svg,application/json,application/ld+json,"
            "image/png,image/svg+xml",
            "data-max-bytes": MAX_UPLOAD,
        },
    )
    json = TextAreaField(
        "Credential JSON",
        validators=[Optional(), Length(max=MAX_UPLOAD)],
        description="Paste the whole credential, from the first { to the last }.",
        render_kw={"rows": 5, "spellcheck": "false", "autocomplete": "off"},
    )
    email = StringField(
        "Learner’s email address (optional)",
        validators=[Optional(), Length(max=320), Email(check_deliverability=False)],
        description="Credentials name their learner by a scrambled (hashed) email address: "
        "give the address the applicant told you to check that the credential is theirs. "
        "It is not stored.",
        render_kw={"type": "email", "autocomplete": "off", "spellcheck": "false"},
    )

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        given = [bool((self.url.data or "").strip()), bool(self.file.data),
                 bool((self.json.data or "").strip())]  # fmt: skip
        if sum(given) != 1:
            self.form_errors.append(
                "Give one credential: its address, its file or its JSON."
                if not any(given)
                else "Give just one of the three: the address, the file or the JSON."
            )
            return False
        return True


class BulkForm(FlaskForm):
    csv_file = FileField(
        "List of credential addresses (CSV)",
        validators=[FileRequired("Choose a CSV file of credential addresses.")],
        description="One address per row, in a column headed “url” or the first column; "
        f"at most 1,000 rows and {MAX_UPLOAD_TEXT}.",
        render_kw={"accept": ".csv,text/csv", "data-max-bytes": MAX_UPLOAD},
    )

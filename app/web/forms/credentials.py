"""The learner's sharing settings for one of their credentials."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField


class SharingForm(FlaskForm):
    """Each credential's form is prefixed with its public id, so a page can hold several."""

    public = BooleanField(
        "Public page",
        description="Anyone with the link can open the page and check the credential.",
    )
    show_name = BooleanField(
        "Show my name",
        description="Otherwise the page says “the holder” instead of your name.",
    )


def sharing_form(public_id: str, **values: bool) -> SharingForm:
    return SharingForm(prefix=f"sharing-{public_id}", **values)

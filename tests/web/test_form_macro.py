"""The shared form-field macro: a field is marked required only when its form requires it."""

from __future__ import annotations

from flask import render_template_string
from wtforms import Form, StringField
from wtforms.validators import DataRequired, Optional


class _Form(Form):
    needed = StringField("Needed", validators=[DataRequired()])
    optional = StringField("Optional", validators=[Optional()])
    plain = StringField("Plain")


def test_only_required_fields_carry_the_required_attribute(app):
    template = (
        '{% from "macros/forms.html" import field %}'
        "{{ field(form.needed) }}|{{ field(form.optional) }}|{{ field(form.plain) }}"
    )
    with app.test_request_context():
        needed, optional, plain = render_template_string(template, form=_Form()).split("|")
    assert " required" in needed
    # WTForms renders required=None as required="None", which browsers enforce.
    assert "required" not in optional and "required" not in plain

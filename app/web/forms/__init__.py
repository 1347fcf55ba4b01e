"""Flask-WTF forms. They check the shape of input; services check the rules."""

from __future__ import annotations

from flask_wtf import FlaskForm

from app.errors import InvalidInput


def attach_error(form: FlaskForm, error: InvalidInput) -> None:
    """Show a service's InvalidInput next to the field it names (or above the form)."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)

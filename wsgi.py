"""WSGI entry point: ``gunicorn wsgi:app``; also what ``flask`` finds in this folder.

With ``LAB_ENGINE = "distributed"``, ``celery -A wsgi:celery_app worker`` runs the grading
tasks of this same app (None otherwise). It is looked up on use, so that the ``flask``
command, which imports this file too, does not wire the app to read it.
"""

from app import create_app

app = create_app()


def __getattr__(name: str):
    if name == "celery_app":
        return app.extensions.get("celery")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

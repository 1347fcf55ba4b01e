"""WSGI entry point: ``gunicorn wsgi:app``; also what ``flask`` finds in this folder.

With ``LAB_ENGINE = "distributed"``, ``celery -A wsgi:celery_app worker`` runs the grading
tasks of this same app (None otherwise).
"""

from app import create_app

app = create_app()
celery_app = app.extensions.get("celery")

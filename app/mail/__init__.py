"""Outgoing email: SMTP when a server is configured, else a local outbox folder.

No Flask here: ``create_app`` builds a mailer from the configuration and keeps it in
``app.extensions["mailer"]``; services receive it as a parameter.
"""

from __future__ import annotations

from app.mail.background import BackgroundMailer
from app.mail.base import Mailer, Message
from app.mail.outbox import OutboxMailer, read_outbox
from app.mail.smtp import SMTPMailer

__all__ = [
    "BackgroundMailer",
    "Mailer",
    "Message",
    "OutboxMailer",
    "SMTPMailer",
    "build_mailer",
    "read_outbox",
]


def build_mailer(config: dict) -> Mailer:
    """Choose the mail backend for *config* (a Flask config mapping)."""
    if config.get("MAIL_SERVER"):
        return BackgroundMailer(
            SMTPMailer(
                host=config["MAIL_SERVER"],
                port=int(config["MAIL_PORT"]),
                use_tls=bool(config["MAIL_USE_TLS"]),
                use_ssl=bool(config["MAIL_USE_SSL"]),
                username=config.get("MAIL_USERNAME"),
                password=config.get("MAIL_PASSWORD"),
                sender=config["MAIL_DEFAULT_SENDER"],
            )
        )
    return OutboxMailer(config["MAIL_OUTBOX_DIR"], sender=config["MAIL_DEFAULT_SENDER"])

"""A mail "server" for development and offline plants: one .eml file per message."""

from __future__ import annotations

import email
import email.policy
import logging
import os
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

from app.mail.base import Message, to_email

logger = logging.getLogger(__name__)

_NAME = re.compile(r"^[0-9]{8}T[0-9]{6}[0-9]{6}Z-[0-9a-f]{8}\.eml$")


@dataclass(frozen=True)
class OutboxMailer:
    directory: str
    sender: str

    def send(self, message: Message) -> None:
        folder = Path(self.directory)
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        path = folder / f"{stamp}-{secrets.token_hex(4)}.eml"
        data = to_email(message, self.sender).as_bytes()
        # Write then rename, so a reader never sees half a message.
        partial = path.with_suffix(".part")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        partial.rename(path)
        logger.info("no mail server configured: message kept in %s", path)


@dataclass(frozen=True)
class StoredMessage:
    id: str
    to: str
    sender: str
    subject: str
    sent_at: datetime
    body: str


def read_outbox(directory: str, *, message_id: str | None = None) -> list[StoredMessage]:
    """Return the messages in the outbox, newest first (or just *message_id*)."""
    folder = Path(directory)
    if not folder.is_dir():
        return []
    names = sorted((p.name for p in folder.iterdir() if _NAME.match(p.name)), reverse=True)
    if message_id is not None:
        names = [name for name in names if name == f"{message_id}.eml"]
    return [_load(folder / name) for name in names]


def _load(path: Path) -> StoredMessage:
    parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    body = parsed.get_body(preferencelist=("plain",))
    return StoredMessage(
        id=path.stem,
        to=str(parsed["To"]),
        sender=str(parsed["From"]),
        subject=str(parsed["Subject"]),
        sent_at=parsedate_to_datetime(str(parsed["Date"])),
        body=body.get_content() if body is not None else "",
    )

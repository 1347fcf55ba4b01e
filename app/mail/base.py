from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Protocol


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    body: str  # plain text; every link is written out in full


class Mailer(Protocol):
    def send(self, message: Message) -> None:
        """Deliver *message* or raise ``OSError`` (network, disk) trying."""


def to_email(message: Message, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = make_msgid(domain="shopfloor.localhost")
    email.set_content(message.body)
    return email

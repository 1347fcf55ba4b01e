from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass

from app.mail.base import Message, to_email


@dataclass(frozen=True)
class SMTPMailer:
    host: str
    port: int
    sender: str
    use_tls: bool = True
    use_ssl: bool = False
    username: str | None = None
    password: str | None = None
    timeout: float = 20.0

    def send(self, message: Message) -> None:
        context = ssl.create_default_context()
        if self.use_ssl:
            client = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with client:
            if self.use_tls and not self.use_ssl:
                client.starttls(context=context)
            if self.username:
                client.login(self.username, self.password or "")
            client.send_message(to_email(message, self.sender))

"""The outbox keeps mail as .eml files; SMTP delivery speaks to a real (local) server."""

from __future__ import annotations

import socket
import threading

from app.mail import (
    BackgroundMailer,
    Message,
    OutboxMailer,
    SMTPMailer,
    build_mailer,
    read_outbox,
)


def test_outbox_keeps_messages_newest_first(tmp_path):
    mailer = OutboxMailer(str(tmp_path), sender="Shopfloor <no-reply@shopfloor.example>")
    mailer.send(Message("a@plant.example", "First", "one"))
    mailer.send(Message("b@plant.example", "Second", "two\nhttps://x.example/reset"))
    messages = read_outbox(str(tmp_path))
    assert [m.subject for m in messages] == ["Second", "First"]
    assert messages[0].to == "b@plant.example"
    assert "https://x.example/reset" in messages[0].body
    assert read_outbox(str(tmp_path), message_id=messages[1].id)[0].subject == "First"
    assert read_outbox(str(tmp_path), message_id="../secret_key") == []


def test_build_mailer_picks_smtp_only_when_configured(tmp_path):
    config = {"MAIL_OUTBOX_DIR": str(tmp_path), "MAIL_DEFAULT_SENDER": "s@x.example"}
    assert isinstance(build_mailer(config), OutboxMailer)
    smtp = build_mailer(
        {
            **config,
            "MAIL_SERVER": "mail.example",
            "MAIL_PORT": "2525",
            "MAIL_USE_TLS": False,
            "MAIL_USE_SSL": False,
        }
    )
    assert isinstance(smtp, BackgroundMailer) and isinstance(smtp.inner, SMTPMailer)
    assert smtp.inner.port == 2525


class TinySMTPServer:
    """Just enough SMTP on a loopback port to receive one message."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.received: list[str] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        with self.sock:
            conn, _ = self.sock.accept()
            self._talk(conn)

    def _talk(self, conn):
        with conn, conn.makefile("rwb") as stream:

            def reply(line):
                stream.write(line.encode() + b"\r\n")
                stream.flush()

            reply("220 tiny ESMTP")
            while line := stream.readline().decode():
                command = line.strip().upper()
                if command.startswith(("EHLO", "HELO")):
                    reply("250 tiny")
                elif command == "DATA":
                    reply("354 go ahead")
                    body = []
                    while (data := stream.readline().decode()) != ".\r\n":
                        body.append(data)
                    self.received.append("".join(body))
                    reply("250 queued")
                elif command == "QUIT":
                    reply("221 bye")
                    return
                else:
                    reply("250 ok")


def test_smtp_mailer_delivers_to_a_server():
    server = TinySMTPServer()
    mailer = SMTPMailer(
        host="127.0.0.1", port=server.port, sender="s@shopfloor.example", use_tls=False
    )
    mailer.send(Message("kai@plant.example", "Hello", "Body text"))
    server.thread.join(timeout=10)
    assert len(server.received) == 1
    assert "Subject: Hello" in server.received[0] and "Body text" in server.received[0]


def test_background_mailer_returns_before_the_server_answers(caplog):
    release = threading.Event()
    sent = []

    class SlowServer:
        def send(self, message):
            assert release.wait(timeout=10)
            sent.append(message.to)

    mailer = BackgroundMailer(SlowServer())
    future = mailer.send(Message("kai@plant.example", "Hi", "Body"))
    assert not future.done() and sent == []  # the caller did not wait
    release.set()
    future.result(timeout=10)
    assert sent == ["kai@plant.example"]


def test_background_mailer_logs_failures(caplog):
    class BrokenServer:
        def send(self, message):
            raise OSError("connection refused")

    BackgroundMailer(BrokenServer()).send(Message("a@b.example", "Hi", "Body")).exception(
        timeout=10
    )
    assert "sending mail failed: connection refused" in caplog.text

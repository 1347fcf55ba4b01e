"""Send mail off the request thread, so a slow mail server never slows a page down.

It also keeps the password-reset answer equally fast whether or not the address has an
account (sending takes time; not sending does not).
"""

from __future__ import annotations

import atexit
import logging
from concurrent.futures import Future, ThreadPoolExecutor

from app.mail.base import Mailer, Message

logger = logging.getLogger(__name__)


class BackgroundMailer:
    def __init__(self, inner: Mailer) -> None:
        self.inner = inner
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mail")
        atexit.register(self.pool.shutdown, wait=True)

    def send(self, message: Message) -> Future:
        future = self.pool.submit(self.inner.send, message)
        future.add_done_callback(self._log_failure)
        return future

    @staticmethod
    def _log_failure(future: Future) -> None:
        error = future.exception()
        if error is not None:
            logger.error("sending mail failed: %s", error)

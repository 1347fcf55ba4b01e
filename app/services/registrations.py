"""Registration in two steps, so the answer never tells whether an address has an account.

1. Someone gives a name and an address. The page always answers "check your email". Then,
   off the request path (``web/deferred.py``), a new address gets a signed link and an
   address that already has an account gets a notice telling its owner how to sign in.
2. The link (signed with the server's secret, expiring) leads to a page where the password
   is chosen and the account is made. Only whoever reads the mailbox can get there, so no
   account is created for an address its owner did not confirm, and nobody can plant a
   password on someone else's future account.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.errors import InvalidInput
from app.mail import Mailer, Message
from app.services import accounts

_SALT = "shopfloor-registration"


@dataclass(frozen=True)
class Registration:
    """What a registration link carries: the confirmed address and the name given with it."""

    email: str
    name: str


def check(email: str, name: str) -> Registration:
    """Normalise and check the first step's fields; InvalidInput names the field at fault.

    Nothing here depends on whether the address has an account.
    """
    clean_name = " ".join(name.split())
    if not clean_name:
        raise InvalidInput("name", "Please enter your name.")
    if len(clean_name) > accounts.MAX_NAME:
        raise InvalidInput("name", f"Use at most {accounts.MAX_NAME} characters.")
    return Registration(accounts.normalize_email(email), clean_name)


def token_for(registration: Registration, *, secret: str | bytes) -> str:
    return _serializer(secret).dumps({"email": registration.email, "name": registration.name})


def from_token(token: str, *, secret: str | bytes, max_age: timedelta) -> Registration | None:
    """The registration a link's token carries, or None if it is forged or expired."""
    if not token or len(token) > 1024:
        return None
    try:
        data = _serializer(secret).loads(token, max_age=int(max_age.total_seconds()))
    except BadSignature:  # SignatureExpired is a BadSignature too
        return None
    if not isinstance(data, dict):
        return None
    email, name = data.get("email"), data.get("name")
    if not isinstance(email, str) or not isinstance(name, str):
        return None
    return Registration(email, name)


def send_mail(
    registration: Registration,
    *,
    secret: str | bytes,
    lifetime: timedelta,
    link_for: Callable[[str], str],
    sign_in_link: str,
    reset_link: str,
    mailer: Mailer,
) -> None:
    """Mail the link to finish, or, if the address has an account, a notice to its owner.

    Runs off the request path: it is the only step whose work depends on the account.
    """
    owner = accounts.find_by_email(registration.email)
    if owner is not None:
        mailer.send(
            Message(
                to=owner.email,
                subject="You already have a Shopfloor account",
                body=(
                    f"Hello {owner.name},\n\n"
                    "Someone (we hope you) tried to create a new Shopfloor account with this "
                    "address, which already has one. Nothing was changed.\n\n"
                    f"Sign in: {sign_in_link}\n"
                    f"Forgot your password? Choose a new one here: {reset_link}\n\n"
                    "If this was not you, ignore this email.\n"
                ),
            )
        )
        return
    hours = int(lifetime.total_seconds() // 3600)
    mailer.send(
        Message(
            to=registration.email,
            subject="Finish creating your Shopfloor account",
            # No greeting by name: whoever asked typed it, and this mail goes to an address
            # they need not own, so nothing they wrote is put in front of its reader.
            body=(
                "Hello,\n\n"
                "Someone (we hope you) asked to create a Shopfloor account for this address.\n"
                f"Open this link within {hours} hours to choose your password and finish:\n\n"
                f"{link_for(token_for(registration, secret=secret))}\n\n"
                "If you did not ask for this, ignore this email: no account is created.\n"
            ),
        )
    )


def _serializer(secret: str | bytes) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=_SALT)

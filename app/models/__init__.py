"""Database models, one module per aggregate. Importing this package registers them all."""

from app.models.organizations import Organization
from app.models.users import PasswordResetToken, User

__all__ = ["Organization", "PasswordResetToken", "User"]

"""The errors the auth domain raises, each with the description its routes document."""

from __future__ import annotations

from typing import ClassVar

from package.core.errors import Conflict, NotFound, Unauthorized


class InvalidLogin(Unauthorized):
    """The user name or password is wrong."""

    description: ClassVar[str] = "The user or password is invalid."


class UserNotFound(NotFound):
    """No account has this name."""

    description: ClassVar[str] = "No such user."


class UserConflict(Conflict):
    """The account exists already, or is the default admin."""

    description: ClassVar[str] = "The user exists already, or is the default admin."

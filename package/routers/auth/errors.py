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


class AccessTokenNotFound(NotFound):
    """No access token of the caller's (or, for an admin, anyone's) has this id."""

    description: ClassVar[str] = "No such access token."


class AccessTokenConflict(Conflict):
    """The owner has a token of that name already, or holds as many tokens as allowed."""

    description: ClassVar[str] = "A token of that name exists, or the user holds the most tokens allowed."


class AccountConflict(Conflict):
    """The account changed meanwhile, or the change would take the default admin's permissions."""

    description: ClassVar[str] = "The account changed meanwhile, or the default admin keeps every permission."

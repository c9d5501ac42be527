"""Pydantic models of the auth domain: the spec's authentication shapes, accounts, and the stored user."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr, StringConstraints

from package.core.auth_middleware import Permission

USER_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$"

UserName = Annotated[str, StringConstraints(pattern=USER_NAME_PATTERN)]
NewPassword = Annotated[str, StringConstraints(min_length=8, max_length=1024)]


class User(BaseModel):
    """The spec's User: who is authenticating (the admin flag is informative; the account decides)."""

    name: StrictStr
    is_admin: StrictBool


class UserAuthenticationInfo(BaseModel):
    """The spec's UserAuthenticationInfo."""

    password: StrictStr


class AuthenticationRequest(BaseModel):
    """The spec's AuthenticationRequest, the body of `PUT /authenticate`."""

    user: User
    secret: UserAuthenticationInfo


class UserCreate(BaseModel):
    """An account an admin registers."""

    model_config = ConfigDict(extra="forbid")

    name: UserName = Field(description="1-64 letters, digits, '.', '_', '@' or '-', starting alphanumeric.")
    password: NewPassword = Field(description="At least 8 characters; stored only as an argon2id hash.")
    is_admin: bool = Field(default=False, description="An admin holds every permission.")
    permissions: list[Permission] = Field(
        default_factory=lambda: [Permission.SEARCH],
        description="What the user may do: upload, search, download, admin.",
    )


class UserRead(BaseModel):
    """An account as the API shows it (never its password hash)."""

    name: str
    is_admin: bool
    permissions: list[Permission]
    created_at: datetime
    created_by: str | None = None


class UserDeleted(BaseModel):
    """The answer to deleting an account."""

    deleted: str


class StoredUser(BaseModel):
    """An account as storage keeps it."""

    name: str
    password_hash: str
    is_admin: bool
    permissions: list[Permission]
    generation: str = Field(description="Tokens carry it; a re-created account gets a new one.")
    created_at: datetime
    created_by: str | None = None

    def public(self) -> UserRead:
        """The account without its secrets."""
        return UserRead(
            name=self.name,
            is_admin=self.is_admin,
            permissions=self.permissions,
            created_at=self.created_at,
            created_by=self.created_by,
        )


TokenName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._@:-]{0,63}$")]
MAX_TOKEN_DAYS = 366.0


class UserUpdate(BaseModel):
    """Changes to an account: permissions (admins) or the caller's own password (old one required)."""

    model_config = ConfigDict(extra="forbid")

    permissions: list[Permission] | None = Field(
        default=None, description="The account's new permissions (an admin changes them)."
    )
    is_admin: bool | None = Field(default=None, description="Make the account an admin, or not (admins).")
    password: NewPassword | None = Field(default=None, description="A new password for the caller's account.")
    old_password: str | None = Field(
        default=None, max_length=1024, description="The current password, required with `password`."
    )


class AccessTokenCreate(BaseModel):
    """A named access token for scripts: a subset of the caller's permissions, with an expiry."""

    model_config = ConfigDict(extra="forbid")

    name: TokenName = Field(description="What the token is for, unique among the caller's tokens.")
    permissions: list[Permission] | None = Field(
        default=None, description="A subset of the caller's permissions (default: all of them)."
    )
    expires_in_days: float = Field(
        default=90.0, gt=0, le=MAX_TOKEN_DAYS, description="Lifetime in days (at most 366)."
    )


class AccessTokenRead(BaseModel):
    """An access token as the API shows it (never its secret)."""

    id: str
    name: str
    user: str
    permissions: list[Permission]
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None = None
    uses: int = 0


class AccessTokenCreated(AccessTokenRead):
    """A new access token with its secret, shown this once."""

    token: str = Field(description="Send as `Authorization: Bearer <token>` or X-Authorization; shown once.")


class AccountEvent(BaseModel):
    """One entry of an account's audit trail (tokens created and revoked, the account changed)."""

    date: datetime
    user: str
    action: str
    by: str
    detail: str | None = None

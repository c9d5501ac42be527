"""Who is calling, and may they do this: the dependency every domain's routes declare.

Until accounts exist (the auth domain), every caller acts as one anonymous principal holding every
permission; the aliases below are the single place that changes when tokens are checked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated

from fastapi import Depends


class Permission(StrEnum):
    """What a caller may do."""

    UPLOAD = "upload"
    SEARCH = "search"
    DOWNLOAD = "download"
    ADMIN = "admin"


@dataclass(frozen=True)
class Principal:
    """The caller of a request."""

    name: str
    is_admin: bool
    permissions: frozenset[Permission] = field(default_factory=frozenset)


ANONYMOUS = Principal(name="anonymous", is_admin=False, permissions=frozenset(Permission))


def current_principal() -> Principal:
    """The caller; authentication is not enabled yet, so everyone is the anonymous principal."""
    return ANONYMOUS


def _requiring(permission: Permission) -> object:
    def check(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        return principal

    check.__doc__ = f"The caller, who must hold the {permission.value!r} permission."
    return Depends(check)


CurrentUser = Annotated[Principal, Depends(current_principal)]
CanUpload = Annotated[Principal, _requiring(Permission.UPLOAD)]
CanSearch = Annotated[Principal, _requiring(Permission.SEARCH)]
CanDownload = Annotated[Principal, _requiring(Permission.DOWNLOAD)]
IsAdmin = Annotated[Principal, _requiring(Permission.ADMIN)]

"""A Python client of the registry's HTTP API, and the `registry` command line built on it."""

from package.client.api import RegistryClient
from package.client.errors import (
    AuthError,
    ClientError,
    NotFoundError,
    RequestError,
    ServerError,
)

__all__ = ["AuthError", "ClientError", "NotFoundError", "RegistryClient", "RequestError", "ServerError"]

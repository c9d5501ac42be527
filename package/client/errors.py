"""What can go wrong talking to the registry, each kind with the exit code the CLI answers."""

from __future__ import annotations


class ClientError(Exception):
    """Base of the client's errors: a message, the HTTP status (if any) and the CLI's exit code."""

    exit_code = 4

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class NotFoundError(ClientError):
    """The artifact, user, token or file does not exist (exit 1)."""

    exit_code = 1


class RequestError(ClientError):
    """The registry refused the request as given: malformed, conflicting, or below a gate (exit 2)."""

    exit_code = 2


class AuthError(ClientError):
    """No token, a bad or expired one, or not allowed (exit 3)."""

    exit_code = 3


class ServerError(ClientError):
    """The registry failed, could not be reached, or sent something unexpected (exit 4)."""

    exit_code = 4


def for_status(status: int, message: str) -> ClientError:
    """The error for an HTTP error status."""
    if status == 404:
        return NotFoundError(message, status=status)
    if status in (401, 403):
        return AuthError(message, status=status)
    if 400 <= status < 500 and status != 429:
        return RequestError(message, status=status)
    return ServerError(message, status=status)

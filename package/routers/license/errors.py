"""The errors the license domain raises, each with the description its routes document."""

from __future__ import annotations

from typing import ClassVar

from package.core.errors import BadRequest, NotFound


class NotAGitHubRepository(BadRequest):
    """`github_url` does not name a GitHub repository."""

    description: ClassVar[str] = "The request is malformed or the URL is not a GitHub repository."


class GitHubProjectNotFound(NotFound):
    """GitHub does not know the repository."""

    description: ClassVar[str] = "The GitHub project could not be found."

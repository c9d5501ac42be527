"""Parse an artifact's source URL into the upstream repository it names."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import SplitResult, unquote, urlsplit

from package.core.errors import BadRequest

_HF_HOSTS = {"huggingface.co", "www.huggingface.co", "hf.co"}
_GITHUB_HOSTS = {"github.com", "www.github.com"}
_KAGGLE_HOSTS = {"kaggle.com", "www.kaggle.com"}
_MAX_URL_CHARS = 2048
_UNSAFE_URL_CHARS = frozenset('\\ "<>^`{|}') | {chr(c) for c in range(32)} | {chr(127)}
# Second path segments that mean "the first segment was the whole repo id" on Hugging Face.
_HF_REPO_VIEWS = {"tree", "blob", "resolve", "raw", "commit", "commits", "discussions", "edit", "files"}
# First path segments that are Hugging Face pages, not model owners.
_HF_RESERVED = {
    "spaces",
    "docs",
    "api",
    "models",
    "organizations",
    "settings",
    "blog",
    "papers",
    "collections",
}


class SourceKind(StrEnum):
    """Which upstream adapter reads a source."""

    HF_MODEL = "hf_model"
    HF_DATASET = "hf_dataset"
    GITHUB = "github"
    KAGGLE = "kaggle"


@dataclass(frozen=True)
class SourceRef:
    """An upstream repository (or a folder of one) at an optional revision."""

    kind: SourceKind
    repo_id: str
    revision: str | None = None
    subpath: str = ""

    @property
    def key(self) -> str:
        """A normalised identity: two URLs naming the same content give the same key."""
        tail = f"/{self.subpath}" if self.subpath else ""
        return f"{self.kind.value}:{self.repo_id.lower()}@{self.revision or ''}{tail}"

    @property
    def owner(self) -> str | None:
        """The repository's owner, when its id has one."""
        return self.repo_id.split("/", 1)[0] if "/" in self.repo_id else None

    @property
    def repo_name(self) -> str:
        """The repository's own name, without the owner."""
        return self.repo_id.rsplit("/", 1)[-1]

    def default_name(self) -> str:
        """The artifact name used when the client sends none (as the spec's examples show)."""
        if self.kind is SourceKind.GITHUB:
            base = f"{self.owner}-{self.repo_name}"
            return f"{base}-{self.subpath.rsplit('/', 1)[-1]}" if self.subpath else base
        return self.repo_name


def parse_source_url(url: str) -> SourceRef:
    """Read a Hugging Face, GitHub or Kaggle URL; anything else is a BadRequest."""
    text = url.strip()
    parts = _split(text)
    if parts.scheme not in {"http", "https"}:
        raise BadRequest(
            f"Unsupported URL scheme in {text!r}: use an https URL of Hugging Face, GitHub or Kaggle."
        )
    host = _plain_host(text, parts.netloc)
    segments = [unquote(s) for s in parts.path.split("/") if s]
    if host in _HF_HOSTS:
        return _parse_huggingface(text, segments)
    if host in _GITHUB_HOSTS:
        return _parse_github(text, segments)
    if host in _KAGGLE_HOSTS:
        return _parse_kaggle(text, segments)
    raise BadRequest(
        f"Unsupported source host {host or '(none)'!r}: the registry ingests from huggingface.co, "
        "github.com and kaggle.com."
    )


def _split(text: str) -> SplitResult:
    # Only printable ASCII: a backslash, control character or look-alike (a fullwidth solidus) is read
    # differently by browsers, urllib and upstream servers, so a URL that holds one names no single host.
    if len(text) > _MAX_URL_CHARS or not text.isascii() or any(c in _UNSAFE_URL_CHARS for c in text):
        raise BadRequest(
            f"{text[:200]!r} is not a plain URL: at most {_MAX_URL_CHARS} printable ASCII characters, "
            "without backslashes, spaces or control characters."
        )
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018  # an invalid port raises here, not later
    except ValueError as exc:
        raise BadRequest(f"{text!r} is not a valid URL: {exc}.") from exc
    return parts


def _plain_host(text: str, netloc: str) -> str:
    # Credentials or a port in a source URL serve no purpose and hide which host is meant.
    if "@" in netloc or ":" in netloc:
        raise BadRequest(f"{text!r} names its host with a user name, password or port; give the plain host.")
    return netloc.lower()


def _parse_huggingface(url: str, segments: list[str]) -> SourceRef:
    kind = SourceKind.HF_MODEL
    if segments and segments[0] == "datasets":
        kind, segments = SourceKind.HF_DATASET, segments[1:]
    if not segments or segments[0] in _HF_RESERVED:
        raise BadRequest(f"{url!r} does not name a Hugging Face model or dataset repository.")
    if len(segments) == 1 or segments[1] in _HF_REPO_VIEWS:
        repo_id, rest = segments[0], segments[1:]
    else:
        repo_id, rest = f"{segments[0]}/{segments[1]}", segments[2:]
    _check_repo_id(url, repo_id)
    revision = rest[1] if len(rest) >= 2 and rest[0] in {"tree", "blob", "resolve"} else None
    if revision is not None:
        _check_path_part(url, revision)
    return SourceRef(kind=kind, repo_id=repo_id, revision=revision)


def _parse_github(url: str, segments: list[str]) -> SourceRef:
    if len(segments) < 2:
        raise BadRequest(f"{url!r} does not name a GitHub repository (expected github.com/<owner>/<repo>).")
    owner, repo = segments[0], segments[1].removesuffix(".git")
    _check_repo_id(url, f"{owner}/{repo}")
    revision, subpath = None, ""
    if len(segments) >= 4 and segments[2] in {"tree", "blob"}:
        revision, subpath = segments[3], "/".join(segments[4:])
        for part in segments[3:]:
            _check_path_part(url, part)
    return SourceRef(kind=SourceKind.GITHUB, repo_id=f"{owner}/{repo}", revision=revision, subpath=subpath)


def _parse_kaggle(url: str, segments: list[str]) -> SourceRef:
    if len(segments) < 3 or segments[0] != "datasets":
        raise BadRequest(
            f"{url!r} is not a Kaggle dataset page (expected kaggle.com/datasets/<owner>/<slug>)."
        )
    repo_id = f"{segments[1]}/{segments[2]}"
    _check_repo_id(url, repo_id)
    return SourceRef(kind=SourceKind.KAGGLE, repo_id=repo_id)


def _check_repo_id(url: str, repo_id: str) -> None:
    allowed = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
    for part in repo_id.split("/"):
        if not part or part in {".", ".."} or not set(part) <= allowed or len(part) > 100:
            raise BadRequest(f"{url!r} has an invalid repository name {repo_id!r}.")


def _check_path_part(url: str, part: str) -> None:
    """A revision or folder name that stays one path segment when the registry calls the upstream API."""
    if (
        part in {".", ".."}
        or any(c in part for c in "/\\?#%")
        or any(ord(c) < 32 or ord(c) == 127 for c in part)
    ):
        raise BadRequest(f"{url!r} has an invalid revision or folder segment {part!r}.")

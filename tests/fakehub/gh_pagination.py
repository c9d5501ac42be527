"""GitHub-style page/per_page pagination with a `Link` header."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from starlette.datastructures import URL, QueryParams

T = TypeVar("T")
DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 100


def int_param(value: str | None, default: int, low: int, high: int) -> int:
    try:
        number = int(value) if value is not None else default
    except ValueError:
        number = default
    return max(low, min(high, number))


def paginate(items: Sequence[T], url: URL) -> tuple[list[T], dict[str, str]]:
    """The requested page of `items` and the headers (a Link header when there is more than one page)."""
    params = QueryParams(url.query)
    per_page = int_param(params.get("per_page"), DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
    page = int_param(params.get("page"), 1, 1, 1_000_000)
    last = max(1, -(-len(items) // per_page))
    chunk = list(items[(page - 1) * per_page : page * per_page])
    if last == 1:
        return chunk, {}
    links: list[str] = []
    relations = {"prev": page - 1, "next": page + 1, "last": last, "first": 1}
    for relation, target in relations.items():
        if (
            (relation == "prev" and page > 1)
            or (relation == "next" and page < last)
            or (relation in ("last", "first") and page != target)
        ):
            links.append(f'<{url.include_query_params(page=target, per_page=per_page)}>; rel="{relation}"')
    return chunk, {"Link": ", ".join(links)} if links else {}

"""Model cards as safe HTML: Markdown rendered by markdown-it, then sanitised by nh3 (ammonia)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # markdown-it and nh3 load with the first README shown, not at a Lambda cold start
    from markdown_it import MarkdownIt

# The card's own YAML front matter is metadata, shown elsewhere on the page.
_FRONT_MATTER = re.compile(r"\A---\s*\n.*?\n---\s*(\n|\Z)", re.DOTALL)
_MAX_README_CHARS = 200_000

# No <img>: a card's images live on other hosts; loading them would tell those hosts who reads the page
# (and the page's Content-Security-Policy would refuse them anyway). No style, script, form or frame.
_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl", "dt", "em",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "kbd", "li", "ol", "p", "pre", "s", "span",
    "strong", "sub", "summary", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "td": {"align"}, "th": {"align"}}


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": True, "linkify": False}).enable("table").enable("strikethrough")


def render_readme(text: str | None) -> str:
    """The README as HTML that can run no script and load nothing (empty for no README)."""
    if not text:
        return ""
    import nh3

    body = _FRONT_MATTER.sub("", text[:_MAX_README_CHARS], count=1)
    html = _markdown().render(body)
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )

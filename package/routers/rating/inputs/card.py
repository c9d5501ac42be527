"""Read a README (model card, dataset card, repository README) into sections, code blocks, links and prose.

Pure text processing: YAML front matter is dropped (the Hub already parsed it into `card_data`), fenced code
blocks are kept apart from the prose, and headings split the rest into sections.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)")
_HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_URL = re.compile(r"https?://[^\s)\]>\"'`]+")
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'\-]*")
_PLACEHOLDER_TEXT = re.compile(
    r"^\W*(more information needed|\[more information needed\]|tbd|todo|n/?a)\W*$", re.I
)
MIN_SECTION_WORDS = 10
REMEMBERED_CARDS = 64  # shared READMEs kept parsed (by their text; larger ones are parsed each time)
MAX_REMEMBERED_CHARS = 200_000


@dataclass(frozen=True)
class CodeBlock:
    """A fenced code block: its language tag (lower case, may be empty), text and enclosing heading."""

    language: str
    text: str
    section: str


@dataclass(frozen=True)
class Section:
    """A heading and the text up to the next heading (code blocks included)."""

    level: int
    title: str
    body: str

    @cached_property
    def words(self) -> int:
        """Words of prose in the section (counted once: several metrics ask)."""
        return len(_WORD.findall(_strip_code(self.body)))

    @cached_property
    def has_content(self) -> bool:
        """Whether the section says something (not empty, not 'More information needed')."""
        body = self.body.strip()
        if not body or _PLACEHOLDER_TEXT.match(_HTML_COMMENT.sub("", body).strip()):
            return False
        return self.words >= MIN_SECTION_WORDS or "```" in body or "|" in body


@dataclass(frozen=True)
class Card:
    """A README split for reading."""

    body: str
    sections: tuple[Section, ...]
    code_blocks: tuple[CodeBlock, ...]

    @cached_property
    def prose(self) -> str:
        """The text without code blocks and HTML comments."""
        return _strip_code(_HTML_COMMENT.sub("", self.body))

    @cached_property
    def words(self) -> int:
        """Words of prose."""
        return len(_WORD.findall(self.prose))

    @cached_property
    def links(self) -> tuple[str, ...]:
        """Every http(s) URL in the text, in order, each once."""
        return tuple(dict.fromkeys(url.rstrip(".,;:") for url in _URL.findall(self.body)))

    @property
    def is_empty(self) -> bool:
        """Whether there is no card text at all."""
        return not self.body.strip()

    def sections_matching(self, pattern: re.Pattern[str]) -> list[Section]:
        """Sections whose title matches the pattern."""
        return [s for s in self.sections if pattern.search(s.title)]

    def section_text(self, section: Section) -> str:
        """A section's body plus the bodies of its sub-sections."""
        start = self.sections.index(section)
        parts = [section.body]
        for following in self.sections[start + 1 :]:
            if following.level <= section.level:
                break
            parts.append(following.body)
        return "\n".join(parts)


def strip_front_matter(text: str) -> str:
    """The README without its leading `---` YAML block."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return text
    for index in range(1, len(lines)):
        if lines[index].strip() in {"---", "..."}:
            return "".join(lines[index + 1 :])
    return text


def parse_card(readme: str | None) -> Card:
    """Split a README into sections and code blocks."""
    body = strip_front_matter(readme or "")
    sections: list[Section] = []
    blocks: list[CodeBlock] = []
    current_title, current_level = "", 0
    current_lines: list[str] = []
    code_lines: list[str] = []
    fence: str | None = None
    language = ""
    for line in body.splitlines():
        if fence is not None:
            if line.strip().startswith(fence) and not line.strip().strip(fence[0]):
                blocks.append(CodeBlock(language, "\n".join(code_lines), current_title.lower()))
                fence = None
            else:
                code_lines.append(line)
            current_lines.append(line)
            continue
        opening = _FENCE.match(line)
        if opening:
            fence, language, code_lines = opening.group(1), opening.group(2).lower().strip("{}."), []
            current_lines.append(line)
            continue
        heading = _HEADING.match(line)
        if heading:
            if current_title or any(text.strip() for text in current_lines):
                sections.append(Section(current_level, current_title, "\n".join(current_lines)))
            current_title, current_level, current_lines = heading.group(2), len(heading.group(1)), []
            continue
        current_lines.append(line)
    if fence is not None:  # an unclosed fence still holds code
        blocks.append(CodeBlock(language, "\n".join(code_lines), current_title.lower()))
    if current_title or any(text.strip() for text in current_lines):
        sections.append(Section(current_level, current_title, "\n".join(current_lines)))
    return Card(body=body, sections=tuple(s for s in sections if s.title), code_blocks=tuple(blocks))


_remembered_cards = lru_cache(maxsize=REMEMBERED_CARDS)(parse_card)


def parse_shared_card(readme: str | None) -> Card:
    """`parse_card` of a README that many ratings read (a registered dataset's, a code repository's): parsed
    once while among the most recent few, with what the metrics derive from it (a Card never changes)."""
    if readme is None or len(readme) > MAX_REMEMBERED_CHARS:
        return parse_card(readme)
    return _remembered_cards(readme)


def _strip_code(text: str) -> str:
    kept, inside = [], None
    for line in text.splitlines():
        opening = _FENCE.match(line)
        if inside is None and opening:
            inside = opening.group(1)
            continue
        if inside is not None:
            if line.strip().startswith(inside) and not line.strip().strip(inside[0]):
                inside = None
            continue
        kept.append(line)
    return "\n".join(kept)

"""Reading a README: front matter, sections, code blocks, links, prose."""

from __future__ import annotations

from package.routers.rating.inputs.card import parse_card, strip_front_matter

README = """---
license: mit
---

# Title

Intro words about the model, long enough to be a real sentence of prose.

## Usage

```python
from transformers import pipeline
# a comment, not a heading
```

## Model description

More information needed

### Details

See https://github.com/acme/demo and (https://arxiv.org/abs/1234.5678).
"""


def test_front_matter_is_dropped():
    assert strip_front_matter(README).lstrip().startswith("# Title")
    assert strip_front_matter("no front matter") == "no front matter"


def test_sections_and_code_blocks():
    card = parse_card(README)
    assert [s.title for s in card.sections] == ["Title", "Usage", "Model description", "Details"]
    assert [s.level for s in card.sections] == [1, 2, 2, 3]
    assert len(card.code_blocks) == 1
    block = card.code_blocks[0]
    assert block.language == "python" and block.section == "usage"
    assert "# a comment" in block.text  # a '#' inside code is not a heading


def test_placeholder_sections_have_no_content():
    sections = {s.title: s for s in parse_card(README).sections}
    assert sections["Title"].has_content
    assert sections["Usage"].has_content  # a code block is content
    assert not sections["Model description"].has_content


def test_prose_links_and_words():
    card = parse_card(README)
    assert "from transformers" not in card.prose
    assert card.links == ("https://github.com/acme/demo", "https://arxiv.org/abs/1234.5678")
    assert card.words > 15


def test_section_text_includes_subsections():
    card = parse_card(README)
    description = next(s for s in card.sections if s.title == "Model description")
    assert "github.com/acme/demo" in card.section_text(description)


def test_no_readme_is_an_empty_card():
    card = parse_card(None)
    assert card.is_empty and card.sections == () and card.code_blocks == ()

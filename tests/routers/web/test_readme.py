"""Model cards rendered to HTML that cannot run a script or load anything."""

from __future__ import annotations

from package.routers.web.readme import render_readme


def test_markdown_is_rendered():
    html = render_readme(
        "# Title\n\nSome *text* with a [link](https://example.org).\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
    )
    assert "<h1>Title</h1>" in html and "<em>text</em>" in html and "<table>" in html
    assert 'rel="noopener noreferrer nofollow"' in html


def test_front_matter_is_left_out():
    assert "license" not in render_readme("---\nlicense: mit\n---\n# Card\n")


def test_scripts_handlers_and_javascript_links_are_removed():
    hostile = (
        "<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n"
        '<a href="javascript:alert(3)">click</a> <div onclick="alert(4)" style="color:red">x</div>\n\n'
        "[md](javascript:alert(5)) <iframe src='https://evil.example'></iframe> <svg onload=alert(6)></svg>"
    )
    html = render_readme(hostile)
    for bad in (
        "<script",
        "onerror",
        "onclick",
        'href="javascript',
        "<iframe",
        "<svg",
        "style=",
        "<img",
        "alert(1)",
    ):
        assert bad not in html.lower(), bad


def test_no_readme_renders_nothing():
    assert render_readme(None) == "" and render_readme("") == ""

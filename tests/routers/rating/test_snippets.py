"""Static checks of code examples: what makes a snippet runnable as written, or not."""

from __future__ import annotations

import pytest

from package.routers.rating.inputs.card import CodeBlock
from package.routers.rating.inputs.snippets import check, is_python

ALIASES = {"acme/demo", "demo"}
LOADS = 'from transformers import pipeline\npipe = pipeline("fill-mask", model="acme/demo")\n'


def test_a_complete_example_is_runnable():
    assert check(LOADS + 'print(pipe("Hello [MASK]."))', ALIASES).runnable


def test_doctest_prompts_and_notebook_installs_are_understood():
    code = (
        "!pip install transformers\n>>> from transformers import pipeline\n>>> p = pipeline(model='demo')\n"
    )
    assert check(code, ALIASES).runnable


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ("pipe = pipeline(model='acme/demo'", "does not parse"),
        ("from .modeling import Demo\nDemo.load('acme/demo')", "imports local modules"),
        ("import mystery_pkg\nmystery_pkg.load('acme/demo')", "not well known (mystery_pkg)"),
        ("model = AutoModel.from_pretrained('acme/demo')", "never defines (AutoModel)"),
        (LOADS + "pipe(open('path/to/file.txt').read())", "placeholders"),
        (LOADS + "pipe(...)", "elides code"),
        ("from PIL import Image\n" + LOADS + "pipe(Image.open('cat.png'))", "local input file"),
        ("from transformers import pipeline\npipe = pipeline('fill-mask', model='someone/else')", "by name"),
    ],
)
def test_problems_are_named(code, problem):
    result = check(code, ALIASES)
    assert not result.runnable
    assert any(problem in p for p in result.problems), result.problems


def test_files_the_snippet_writes_are_not_inputs():
    code = LOADS + "img = pipe('x')\nimg.save('out.png')\nwith open('log.csv', 'w') as f:\n    f.write('a')\n"
    assert check(code, ALIASES).runnable


def test_prompts_and_special_tokens_are_not_placeholders():
    code = LOADS + "pipe('What is your name? <|endoftext|> <s>')"
    assert check(code, ALIASES).runnable


def test_defined_names_in_functions_classes_and_comprehensions():
    code = LOADS + (
        "class Runner:\n    def go(self, text, *args, **kw):\n        return pipe(text)\n"
        "results = [Runner().go(t) for t in ['a', 'b']]\n"
        "try:\n    pass\nexcept ValueError as error:\n    print(error)\n"
    )
    assert check(code, ALIASES).runnable


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("python", "x = 1", True),
        ("py", "x = 1", True),
        ("", "import torch\nx = torch.ones(1)", True),
        ("", "pip install torch", False),
        ("bash", "import torch", False),
        ("js", "import { pipeline } from 'x';", False),
    ],
)
def test_python_blocks_are_recognised(language, text, expected):
    assert is_python(CodeBlock(language, text, "usage")) is expected

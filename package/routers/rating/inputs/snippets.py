"""Static checks of a Python code example, so reproducibility never runs untrusted code.

A snippet is runnable as written when it parses, imports only the standard library and well-known packages,
uses no name it never defines, loads this model (names it in a string), and leaves nothing for the reader to
fill in: no placeholder strings (`path/to/...`, `<your token>`), no elided code (`...`), no local input file
the snippet does not create (`Image.open("photo.jpg")`).
"""

from __future__ import annotations

import ast
import builtins
import re
import sys
from dataclasses import dataclass

from package.core import pyast
from package.routers.rating.inputs.card import CodeBlock

PYTHON_LANGUAGES = {"python", "py", "python3", "py3", "ipython", "ipython3", "pycon", "jupyter"}
# Import names of packages a model card's reader can install from PyPI by their usual names.
_KNOWN = (
    "transformers", "torch", "torchvision", "torchaudio", "tensorflow", "tf_keras", "keras", "jax",
    "jaxlib", "flax", "optax", "numpy", "scipy", "pandas", "sklearn", "PIL", "cv2", "matplotlib", "seaborn",
    "requests", "httpx", "datasets", "evaluate", "accelerate", "peft", "trl", "diffusers",
    "sentence_transformers", "huggingface_hub", "tokenizers", "safetensors", "onnx", "onnxruntime",
    "optimum", "timm", "open_clip", "librosa", "soundfile", "sounddevice", "pydub", "nltk", "spacy",
    "gensim", "fasttext", "sentencepiece", "tiktoken", "einops", "xformers", "bitsandbytes", "auto_gptq",
    "awq", "vllm", "llama_cpp", "ctransformers", "gradio", "streamlit", "tqdm", "yaml", "imageio",
    "skimage", "albumentations", "ultralytics", "whisper", "faster_whisper", "speechbrain", "nemo",
    "fairseq", "espnet", "paddle", "mlx", "mlx_lm", "openai", "langchain", "llama_index",
    "pytorch_lightning", "lightning", "wandb", "mlflow", "pyarrow", "polars", "h5py", "tabulate", "rich",
    "typer", "click", "fire", "tensorflow_hub", "tensorflow_text", "kornia", "controlnet_aux", "compel",
    "insightface", "facenet_pytorch", "mediapipe", "pytesseract", "easyocr", "doctr", "qwen_vl_utils",
    "decord", "av", "moviepy", "encodec", "audiocraft", "TTS", "bark", "unsloth", "setfit", "span_marker",
    "flair", "stanza", "allennlp", "keras_nlp", "keras_cv", "keras_hub", "torch_geometric", "dgl",
    "networkx", "sympy", "xgboost", "lightgbm", "catboost", "joblib", "shap", "openvino", "tflite_runtime",
    "coremltools", "ollama", "jsonlines", "pydantic", "natsort",
)  # fmt: skip
KNOWN_PACKAGES = frozenset(_KNOWN)
SAVE_CALLS = {"save", "save_pretrained", "savefig", "to_csv", "to_json", "to_parquet", "write", "imwrite",
              "export", "dump", "write_audio", "save_image", "push_to_hub"}  # fmt: skip
# Inputs a reader has to bring: pictures, sound, video, documents and tables named by a bare local path.
FILE_LITERAL = re.compile(
    r"^[\w./\\~-]+\.(jpe?g|png|gif|bmp|webp|tiff?|mp3|wav|flac|ogg|m4a|mp4|avi|mov|mkv|pdf|csv|tsv|xlsx?)$",
    re.IGNORECASE,
)
# Text left for the reader to replace (case matters: "your name" in a prompt is not a placeholder).
PLACEHOLDER = re.compile(
    r"path/to/|<\s*(?:[Yy]our|[Ii]nsert|[Ee]nter|[Pp]ath|[Rr]eplace)[^<>]{0,40}>|\b[Yy]our_\w+|\bYOUR[_ ]\w+|"
    r"\b(?:XXX+|xxx+)\b|hf_x{3,}"
)
IMPLICIT_NAMES = {"__file__", "__name__", "display", "get_ipython"}


@dataclass(frozen=True)
class SnippetCheck:
    """The problems that keep a snippet from running as written (none: runnable)."""

    problems: tuple[str, ...]

    @property
    def runnable(self) -> bool:
        """Whether nothing has to be fixed."""
        return not self.problems


def is_python(block: CodeBlock) -> bool:
    """A block tagged as Python, or an untagged one that parses and imports or calls something."""
    if block.language in PYTHON_LANGUAGES:
        return True
    if block.language:
        return False
    try:
        tree = pyast.parse(prepare(block.text))
    except (SyntaxError, ValueError):
        return False
    return any(isinstance(node, ast.Import | ast.ImportFrom) for node in ast.walk(tree))


def prepare(text: str) -> str:
    """Strip doctest prompts and notebook shell / magic lines (install steps, not code)."""
    lines = text.splitlines()
    if any(line.lstrip().startswith(">>>") for line in lines):
        lines = [line.lstrip()[4:] for line in lines if line.lstrip().startswith((">>>", "..."))]
    return "\n".join(line for line in lines if not line.lstrip().startswith(("!", "%")))


class _Names(ast.NodeVisitor):
    """Names a module binds and names it reads (one flat scope: enough for examples)."""

    def __init__(self) -> None:
        self.bound: set[str] = set()
        self.loaded: set[str] = set()
        self.star_import = False

    def visit_Name(self, node: ast.Name) -> None:
        (self.loaded if isinstance(node.ctx, ast.Load) else self.bound).add(node.id)

    def visit_Import(self, node: ast.Import) -> None:
        self.bound.update((a.asname or a.name).split(".")[0] for a in node.names)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            if alias.name == "*":
                self.star_import = True
            self.bound.add(alias.asname or alias.name)

    def _bind_definition(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        self.bound.add(node.name)
        self.generic_visit(node)

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _bind_definition  # noqa: N815

    def visit_arg(self, node: ast.arg) -> None:
        self.bound.add(node.arg)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            self.bound.add(node.name)
        self.generic_visit(node)

    def visit_Global(self, node: ast.Global) -> None:
        self.bound.update(node.names)

    def visit_MatchAs(self, node: ast.MatchAs) -> None:
        if node.name:
            self.bound.add(node.name)
        self.generic_visit(node)


def _call_name(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _written_files(tree: ast.AST) -> set[str]:
    """String literals the snippet writes to (saved outputs are not inputs)."""
    written = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        first = node.args[0]
        if not isinstance(first, ast.Constant) or not isinstance(first.value, str):
            continue
        name = _call_name(node)
        modes = [a.value for a in node.args[1:2] if isinstance(a, ast.Constant)]
        modes += [
            k.value.value for k in node.keywords if k.arg == "mode" and isinstance(k.value, ast.Constant)
        ]
        if name in SAVE_CALLS or (name == "open" and any(set(str(m)) & set("wax") for m in modes)):
            written.add(first.value)
    return written


def check(text: str, aliases: set[str]) -> SnippetCheck:
    """The problems of a Python snippet; `aliases` are the names this model goes by (lower case)."""
    code = prepare(text)
    try:
        tree = pyast.parse(code)
    except (SyntaxError, ValueError) as exc:
        line = getattr(exc, "lineno", None)
        return SnippetCheck((f"does not parse ({getattr(exc, 'msg', exc)} at line {line})",))
    problems: list[str] = []
    local, unknown = [], []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            local.append("." * node.level + (node.module or ""))
        elif isinstance(node, ast.ImportFrom | ast.Import):
            modules = (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
            )
            for module in modules:
                top = module.split(".")[0]
                if top and top not in sys.stdlib_module_names and top not in KNOWN_PACKAGES:
                    unknown.append(top)
    if local:
        problems.append(f"imports local modules ({', '.join(sorted(set(local)))})")
    if unknown:
        problems.append(f"imports packages that are not well known ({', '.join(sorted(set(unknown)))})")
    names = _Names()
    names.visit(tree)
    undefined = names.loaded - names.bound - set(dir(builtins)) - IMPLICIT_NAMES
    if undefined and not names.star_import:
        problems.append(f"uses names it never defines ({', '.join(sorted(undefined)[:5])})")
    strings = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    placeholders = [s for s in strings if PLACEHOLDER.search(s)]
    if placeholders:
        problems.append(f"has placeholders to fill in ({placeholders[0]!r})")
    elided = any(isinstance(n, ast.Expr | ast.Call) and _is_ellipsis(n) for n in ast.walk(tree))
    if elided:
        problems.append("elides code with '...'")
    written = _written_files(tree)
    inputs = [s for s in strings if FILE_LITERAL.match(s) and s not in written and "://" not in s]
    if inputs:
        problems.append(f"needs a local input file the reader must supply ({inputs[0]!r})")
    if not any(s.strip().lower() in aliases for s in strings):
        problems.append("does not load this model by name")
    return SnippetCheck(tuple(problems))


def _is_ellipsis(node: ast.Expr | ast.Call) -> bool:
    if isinstance(node, ast.Expr):
        return isinstance(node.value, ast.Constant) and node.value.value is Ellipsis
    arguments = [*node.args, *(k.value for k in node.keywords)]
    return any(isinstance(a, ast.Constant) and a.value is Ellipsis for a in arguments)

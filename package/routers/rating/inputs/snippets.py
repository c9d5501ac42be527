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
from collections import deque
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
BUILTIN_NAMES = frozenset(dir(builtins))


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


class _Scan:
    """What a snippet's tree holds, found in one breadth-first pass (the order of `ast.walk`): the modules it
    imports, its string literals and calls, elided code, and the names it binds and reads (one flat scope:
    enough for examples; names inside a parameter's annotation are not counted)."""

    def __init__(self, tree: ast.AST) -> None:
        self.bound: set[str] = set()
        self.loaded: set[str] = set()
        self.star_import = False
        self.local: list[str] = []
        self.unknown: list[str] = []
        self.strings: list[str] = []
        self.calls: list[ast.Call] = []
        self.elided = False
        queue: deque[tuple[ast.AST, bool]] = deque([(tree, False)])
        while queue:
            node, in_annotation = queue.popleft()
            self._collect(node)
            if not in_annotation:
                self._bind(node)
            inner = in_annotation or isinstance(node, ast.arg)
            queue.extend((child, inner) for child in ast.iter_child_nodes(node))

    def _collect(self, node: ast.AST) -> None:
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str):
                self.strings.append(node.value)
        elif isinstance(node, ast.Call):
            self.calls.append(node)
            self.elided = self.elided or _is_ellipsis(node)
        elif isinstance(node, ast.Expr):
            self.elided = self.elided or _is_ellipsis(node)
        elif isinstance(node, ast.ImportFrom) and node.level:
            self.local.append("." * node.level + (node.module or ""))
        elif isinstance(node, ast.ImportFrom | ast.Import):
            modules = (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
            )
            for module in modules:
                top = module.split(".")[0]
                if top and top not in sys.stdlib_module_names and top not in KNOWN_PACKAGES:
                    self.unknown.append(top)

    def _bind(self, node: ast.AST) -> None:
        if isinstance(node, ast.Name):
            (self.loaded if isinstance(node.ctx, ast.Load) else self.bound).add(node.id)
        elif isinstance(node, ast.Import):
            self.bound.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            self.star_import = self.star_import or any(alias.name == "*" for alias in node.names)
            self.bound.update(alias.asname or alias.name for alias in node.names)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            self.bound.add(node.name)
        elif isinstance(node, ast.arg):
            self.bound.add(node.arg)
        elif isinstance(node, ast.ExceptHandler | ast.MatchAs) and node.name:
            self.bound.add(node.name)
        elif isinstance(node, ast.Global):
            self.bound.update(node.names)


def _call_name(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _written_files(calls: list[ast.Call]) -> set[str]:
    """String literals the snippet writes to (saved outputs are not inputs)."""
    written = set()
    for node in calls:
        if not node.args:
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
    found = _Scan(tree)
    problems: list[str] = []
    if found.local:
        problems.append(f"imports local modules ({', '.join(sorted(set(found.local)))})")
    if found.unknown:
        problems.append(f"imports packages that are not well known ({', '.join(sorted(set(found.unknown)))})")
    undefined = found.loaded - found.bound - BUILTIN_NAMES - IMPLICIT_NAMES
    if undefined and not found.star_import:
        problems.append(f"uses names it never defines ({', '.join(sorted(undefined)[:5])})")
    strings = found.strings
    placeholders = [s for s in strings if PLACEHOLDER.search(s)]
    if placeholders:
        problems.append(f"has placeholders to fill in ({placeholders[0]!r})")
    if found.elided:
        problems.append("elides code with '...'")
    written = _written_files(found.calls)
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

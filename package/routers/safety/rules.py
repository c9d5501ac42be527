"""Which pickle imports are dangerous, which are known to be harmless, and the rules' version.

A pickle's globals are what it can call while loading. Anything able to run commands, evaluate code, reach the
network or the file system, or load another pickle is dangerous; the handful of constructors that tensors,
arrays and plain containers need are harmless; everything else is unknown (suspicious): Hugging Face's own
scanner takes the same stance.
"""

from __future__ import annotations

import hashlib
import json

from package.routers.safety.interface import Verdict

# Bump when the scanners' logic changes in a way the tables below do not show, so stored results are redone.
SCANNER_REVISION = 1

# Every global of these modules (and their sub-modules) is dangerous.
DANGEROUS_MODULES = frozenset(
    {
        "os", "posix", "nt", "subprocess", "pty", "commands", "popen2", "sys", "signal", "socket",
        "socketserver", "ssl", "select", "selectors", "shutil", "runpy", "webbrowser", "ctypes", "cffi",
        "importlib", "imp", "zipimport", "pkgutil", "marshal", "code", "codeop", "compileall", "py_compile",
        "multiprocessing", "concurrent", "threading", "_thread", "asyncio", "pickle", "_pickle", "cPickle",
        "pickletools", "dill", "cloudpickle", "shelve", "requests", "httpx", "aiohttp", "urllib", "urllib2",
        "urllib3", "http", "httplib", "ftplib", "smtplib", "telnetlib", "poplib", "imaplib", "nntplib",
        "xmlrpc", "paramiko", "pip", "setuptools", "distutils", "pdb", "bdb", "timeit", "cProfile",
        "profile", "trace", "doctest", "tempfile", "io", "_io", "fileinput", "linecache",
        "sqlite3", "types", "inspect", "gc", "weakref", "ast", "torch.hub", "torch.utils.cpp_extension",
        "numpy.testing", "numpy.f2py", "numpy.distutils", "IPython", "jinja2", "mako",
    }
)  # fmt: skip

# builtins is needed for containers; these of its names run or reach code and files.
DANGEROUS_BUILTINS = frozenset(
    {
        "eval", "exec", "execfile", "compile", "open", "file", "__import__", "getattr", "setattr", "delattr",
        "globals", "locals", "vars", "input", "raw_input", "breakpoint", "help", "exit", "quit", "apply",
        "reload", "memoryview", "type", "super", "classmethod", "staticmethod", "property", "dir",
    }
)  # fmt: skip
BUILTIN_MODULES = frozenset({"builtins", "__builtin__", "__builtins__"})

# Partial calls and attribute getters turn any harmless-looking global into a call of anything.
DANGEROUS_GLOBALS = frozenset(
    {
        ("operator", "attrgetter"), ("operator", "methodcaller"), ("operator", "itemgetter"),
        ("_operator", "attrgetter"), ("_operator", "methodcaller"), ("functools", "partial"),
        ("functools", "reduce"), ("_functools", "reduce"), ("torch", "load"), ("torch.serialization", "load"),
        ("torch.jit", "load"), ("torch.storage", "_load_from_bytes"), ("numpy", "load"), ("numpy", "loads"),
        ("numpy.lib.npyio", "load"), ("joblib", "load"), ("pandas", "read_pickle"),
        ("copyreg", "add_extension"), ("copy_reg", "add_extension"), ("codecs", "open"),
    }
)  # fmt: skip

_TORCH_STORAGES = (
    "FloatStorage", "DoubleStorage", "HalfStorage", "BFloat16Storage", "LongStorage", "IntStorage",
    "ShortStorage", "CharStorage", "ByteStorage", "BoolStorage", "ComplexFloatStorage",
    "ComplexDoubleStorage", "QInt8Storage", "QUInt8Storage", "QInt32Storage", "UntypedStorage",
)  # fmt: skip
_TORCH_DTYPES = (
    "float32", "float16", "bfloat16", "float64", "int64", "int32", "int16", "int8", "uint8", "bool",
    "complex64", "complex128", "float8_e4m3fn", "float8_e5m2",
)  # fmt: skip

# What tensors, arrays and containers need to load, and nothing else.
HARMLESS_GLOBALS = frozenset(
    {
        ("collections", "OrderedDict"), ("collections", "defaultdict"), ("collections", "Counter"),
        ("collections", "deque"), ("torch._utils", "_rebuild_tensor"), ("torch._utils", "_rebuild_tensor_v2"),
        ("torch._utils", "_rebuild_tensor_v3"), ("torch._utils", "_rebuild_parameter"),
        ("torch._utils", "_rebuild_parameter_with_state"), ("torch._utils", "_rebuild_qtensor"),
        ("torch._utils", "_rebuild_sparse_tensor"), ("torch._utils", "_rebuild_meta_tensor_no_storage"),
        ("torch._tensor", "_rebuild_from_type_v2"), ("torch", "Size"), ("torch", "device"),
        ("torch", "Tensor"), ("torch.nn.parameter", "Parameter"), ("torch", "per_tensor_affine"),
        ("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"), ("numpy.core.multiarray", "scalar"),
        ("numpy._core.multiarray", "scalar"), ("numpy.dtypes", "Float32DType"),
        ("numpy.dtypes", "Float64DType"), ("numpy.dtypes", "Int64DType"), ("numpy.dtypes", "Int32DType"),
        ("_codecs", "encode"), ("copyreg", "_reconstructor"), ("copy_reg", "_reconstructor"),
        ("joblib.numpy_pickle", "NumpyArrayWrapper"), ("datetime", "datetime"), ("datetime", "date"),
        ("datetime", "timedelta"), ("datetime", "timezone"), ("decimal", "Decimal"), ("uuid", "UUID"),
        ("fractions", "Fraction"), ("argparse", "Namespace"), ("pathlib", "PosixPath"),
        ("pathlib", "WindowsPath"), ("pathlib", "PurePosixPath"), ("pathlib", "Path"),
    }
    | {("torch", name) for name in _TORCH_STORAGES + _TORCH_DTYPES}
)  # fmt: skip
HARMLESS_BUILTINS = frozenset(
    {"set", "frozenset", "dict", "list", "tuple", "bytearray", "bytes", "complex", "slice", "range", "int",
     "float", "str", "bool", "object", "NoneType", "Ellipsis", "NotImplemented"}
)  # fmt: skip


def classify(module: str, name: str) -> Verdict:
    """How dangerous importing `module.name` while loading is: DANGEROUS, SAFE, or SUSPICIOUS (unknown)."""
    if module in BUILTIN_MODULES:
        if name in HARMLESS_BUILTINS:
            return Verdict.SAFE
        return Verdict.DANGEROUS if name in DANGEROUS_BUILTINS else Verdict.SUSPICIOUS
    if (module, name) in DANGEROUS_GLOBALS or _in_dangerous_module(module):
        return Verdict.DANGEROUS
    if (module, name) in HARMLESS_GLOBALS:
        return Verdict.SAFE
    return Verdict.SUSPICIOUS


def _in_dangerous_module(module: str) -> bool:
    parts = module.strip().split(".")
    return any(".".join(parts[:end]) in DANGEROUS_MODULES for end in range(1, len(parts) + 1))


def _rules_version() -> str:
    tables = {
        "revision": SCANNER_REVISION,
        "modules": sorted(DANGEROUS_MODULES),
        "builtins": sorted(DANGEROUS_BUILTINS),
        "globals": sorted(map(list, DANGEROUS_GLOBALS)),
        "harmless": sorted(map(list, HARMLESS_GLOBALS)),
        "harmless_builtins": sorted(HARMLESS_BUILTINS),
    }
    digest = hashlib.sha256(json.dumps(tables, sort_keys=True).encode()).hexdigest()[:12]
    return f"{SCANNER_REVISION}-{digest}"


RULES_VERSION = _rules_version()

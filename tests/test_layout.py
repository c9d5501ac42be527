"""The rule that keeps domains separable: other domains' public modules only; core imports no domain."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROUTERS = ROOT / "package" / "routers"
# What a domain shows other domains: its logic, its models, FastAPI dependencies such as CurrentArtifact, and
# the errors it raises (so routes can document them).
PUBLIC_MODULES = {"services", "interface", "dependencies", "errors"}
DOMAINS = sorted(p.name for p in ROUTERS.iterdir() if p.is_dir() and not p.name.startswith("_"))


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module.count(".") == 2 and node.module.startswith("package.routers."):
                # `from package.routers.x import services` names the module it takes.
                found.update(f"{node.module}.{alias.name}" for alias in node.names)
            else:
                found.add(node.module)
    return found


def test_domains_use_each_other_only_through_services_and_interface():
    broken = []
    for domain in DOMAINS:
        for path in (ROUTERS / domain).rglob("*.py"):
            for module in _imported_modules(path):
                parts = module.split(".")
                if parts[:2] != ["package", "routers"] or len(parts) < 3 or parts[2] == domain:
                    continue
                if len(parts) < 4 or parts[3] not in PUBLIC_MODULES:
                    broken.append(f"{path.relative_to(ROOT)} imports {module}")
    assert broken == []


def test_core_imports_no_domain():
    offenders = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in (ROOT / "package" / "core").rglob("*.py")
        for module in _imported_modules(path)
        if module.startswith("package.routers")
    ]
    assert offenders == []


def test_every_domain_with_routes_has_the_four_files():
    for domain in DOMAINS:
        folder = ROUTERS / domain
        if (folder / "endpoint.py").exists():
            missing = [n for n in ("services.py", "interface.py") if not (folder / n).exists()]
            assert missing == [], f"{domain} lacks {missing}"


def test_no_test_module_imports_another():
    """Shared test helpers live in a conftest.py or tests/helpers.py, never in a test module."""
    offenders = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in (ROOT / "tests").rglob("*.py")
        for module in _imported_modules(path)
        if module.startswith("tests.") and module.rsplit(".", 1)[-1].startswith("test_")
    ]
    assert offenders == []


MAX_FILE_LINES = 400
MAX_FUNCTION_LINES = 60


def _sized_sources() -> list[Path]:
    """The code the size rule covers: the registry, its entry points and the benchmarks."""
    entry_points = [ROOT / name for name in ("main.py", "serve.py", "worker.py")]
    return [*sorted((ROOT / "package").rglob("*.py")), *entry_points, *sorted((ROOT / "bench").glob("*.py"))]


def test_files_and_functions_stay_small():
    """No source file over 400 lines, no function over 60 (house style: small pieces with one job)."""
    too_big = []
    for path in _sized_sources():
        text = path.read_text()
        name = path.relative_to(ROOT)
        if text.count("\n") > MAX_FILE_LINES:
            too_big.append(f"{name}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    too_big.append(f"{name}:{node.lineno} {node.name}(): {length} lines")
    assert too_big == []

"""code_quality: engineering signals of the model's code.

Inputs, the first that exists (no code is executed):
  1. the linked code repository: its file tree, README, license and newest commit (from the registry when the
     repository is a registered code artifact, else read once from GitHub);
  2. otherwise the code the model repository itself ships, when its manifest holds source files (.py, .js,
     .ts, .ipynb, .sh, .c, .cpp, .rs, .go, .java: custom modelling or inference code, as `trust_remote_code`
     models carry): the same signals read from the model repository's files, its card as the README, its
     declared license and its last modification on the Hub.
Formula (weights sum to 1):
  0.25 tests        a tests/ folder or test_*.py / *_test.* / *.spec.* / *.test.* files
  0.15 ci           continuous integration config (.github/workflows, .gitlab-ci.yml, .travis.yml, .circleci,
                    azure-pipelines, Jenkinsfile, tox.ini / noxfile.py)
  0.15 packaging    declared dependencies (pyproject.toml, setup.py, setup.cfg, requirements*.txt,
                    environment.yml, package.json, Cargo.toml, go.mod, pom.xml...)
  0.10 style        lint / format / type-check config (ruff, black, flake8, isort, pylint, mypy, pre-commit,
                    eslint, prettier, editorconfig) as its own file (file contents are not read)
  0.15 docs         README with install steps (0.075) and usage / examples (0.075)
  0.10 license      a declared license or LICENSE file
  0.10 maintenance  a commit within two years and not archived (0.05 when older than two years)
No data rule: no code at all (no linked repository, or GitHub does not know it, and no source file in the
model repository): nothing to rate, 0. Weights, configs and a card alone are not code.
"""

from __future__ import annotations

import re

from package.routers.rating.inputs.card import Card, parse_shared_card
from package.routers.rating.inputs.github_facts import RepoFacts
from package.routers.rating.metrics.base import (
    INSTALL,
    SOURCE_SUFFIXES,
    USAGE_TITLE,
    Metric,
    Outcome,
    RatingContext,
    clamp,
)

TEST_FILE = re.compile(r"(^|/)(tests?|testing|spec)/|(^|/)test_[^/]+\.\w+$|_test\.\w+$|\.(spec|test)\.\w+$")
CI_FILE = re.compile(
    r"^\.github/workflows/[^/]+\.ya?ml$|^\.gitlab-ci\.yml$|^\.travis\.yml$|^\.circleci/|^azure-pipelines|"
    r"^Jenkinsfile$|^tox\.ini$|^noxfile\.py$|^\.buildkite/"
)
PACKAGING_FILE = re.compile(
    r"^(pyproject\.toml|setup\.py|setup\.cfg|requirements[\w.-]*\.txt|environment\.ya?ml|Pipfile|"
    r"package\.json|Cargo\.toml|go\.mod|pom\.xml|build\.gradle|CMakeLists\.txt|Makefile)$"
)
STYLE_FILE = re.compile(
    r"^(\.pre-commit-config\.yaml|\.flake8|ruff\.toml|\.ruff\.toml|mypy\.ini|\.pylintrc|pylintrc|\.isort\.cfg|"
    r"\.eslintrc(\.\w+)?|eslint\.config\.\w+|\.prettierrc(\.\w+)?|\.editorconfig|\.clang-format|rustfmt\.toml|"
    r"\.golangci\.ya?ml)$"
)
WEIGHTS = {"tests": 0.25, "ci": 0.15, "packaging": 0.15, "style": 0.10, "docs": 0.15, "license": 0.10}
MAINTENANCE_WEIGHT = 0.10
ACTIVE_YEARS = 2.0


def signals(facts: RepoFacts, readme: Card | None = None) -> dict[str, float]:
    """Each signal's fulfilment in [0, 1] (`readme`: the facts' README, parsed already)."""
    paths = [str(f.get("path", "")) for f in facts.files]
    top_level = [p for p in paths if "/" not in p]
    readme = parse_shared_card(facts.readme) if readme is None else readme
    docs = 0.5 * bool(INSTALL.search(readme.body)) + 0.5 * bool(
        readme.sections_matching(USAGE_TITLE) or readme.code_blocks
    )
    return {
        "tests": float(any(TEST_FILE.search(p) for p in paths)),
        "ci": float(any(CI_FILE.search(p) for p in paths)),
        "packaging": float(any(PACKAGING_FILE.match(p) for p in top_level)),
        "style": float(any(STYLE_FILE.match(p.rsplit("/", 1)[-1]) for p in paths)),
        "docs": docs,
        "license": float(
            bool(facts.license)
            or any(p.lower().startswith(("license", "licence", "copying")) for p in top_level)
        ),
    }


def shipped_code(ctx: RatingContext) -> RepoFacts | None:
    """The model repository seen as a code repository, when it ships source files (None otherwise)."""
    sources = [f.path for f in ctx.files if f.path.endswith(SOURCE_SUFFIXES)]
    if not sources:
        return None
    stats = ctx.snapshot.stats
    shown = ", ".join(sources[:3]) + (f" and {len(sources) - 3} more" if len(sources) > 3 else "")
    return RepoFacts(
        repo_id=ctx.record.repo_id,
        origin=f"{ctx.code_absence()}; rated on the source files the model repository ships: {shown}",
        files=[{"path": f.path, "size": f.size} for f in ctx.files],
        readme=ctx.readme,
        license=ctx.snapshot.license,
        contributors=[],
        commits=[],
        stats={"pushed_at": stats.get("last_modified")},
    )


def compute(ctx: RatingContext) -> Outcome:
    """Score the engineering quality of the model's code."""
    facts, readme = ctx.code_facts(), None
    if facts is None:
        facts, readme = shipped_code(ctx), ctx.card  # the model's own card: parsed already
    if facts is None:
        return Outcome(
            0.0, f"no code to rate: {ctx.code_absence()}, and the model repository ships no source file"
        )
    found = signals(facts, readme)
    newest = max((str(c.get("date")) for c in facts.commits if c.get("date")), default=None)
    idle = ctx.years_since(newest or facts.stats.get("pushed_at"))
    archived = bool(facts.stats.get("archived"))
    maintenance = 0.0 if archived else 1.0 if idle is not None and idle <= ACTIVE_YEARS else 0.5
    score = sum(WEIGHTS[name] * value for name, value in found.items()) + MAINTENANCE_WEIGHT * maintenance
    present = [name for name, value in found.items() if value >= 1]
    partial = [name for name, value in found.items() if 0 < value < 1]
    missing = [name for name, value in found.items() if value == 0]
    state = (
        "archived" if archived else f"last commit {idle:.1f} years ago" if idle is not None else "no dates"
    )
    reason = (
        f"{facts.repo_id} ({facts.origin}): has {', '.join(present) or 'none'}"
        + (f"; partly {', '.join(partial)}" if partial else "")
        + (f"; lacks {', '.join(missing)}" if missing else "")
        + f"; {state}"
    )
    return Outcome(clamp(score), reason)


METRIC = Metric(name="code_quality", weight=0.08, compute=compute)

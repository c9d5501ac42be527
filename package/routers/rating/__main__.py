"""Rate the models of a URL file without a server: `python -m package.routers.rating URL_FILE [--explain]`.

Each line holds URLs separated by commas or spaces. A line of three comma-separated fields is read as the
course's `code, dataset, model` triple (empty fields allowed); otherwise a URL's kind follows from its
form (Hugging Face dataset or Kaggle page: dataset; GitHub: code; other Hugging Face: model). Every URL is
registered (datasets and code first, so models link to them) and every model's rating is one NDJSON line,
through the same services as `GET /artifact/model/{id}/rate`. Storage is REGISTRY_DATA_DIR when set, else a
temporary folder; upstreams are the configured ones (HF_ENDPOINT, GITHUB_API_URL, tokens).
Exit status: 0 when every model was rated, 1 when any line failed (its error goes to stderr), 2 on bad usage.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Iterable
from typing import TextIO

from package.assembly import install_hooks
from package.core.auth_middleware import Permission, Principal
from package.core.config import get_settings
from package.core.errors import Conflict, RegistryError
from package.core.storage import Storage, get_storage
from package.core.upstream.clients import Upstreams, get_upstreams
from package.core.upstream.sources import SourceKind, parse_source_url
from package.routers.artifacts import services as artifact_services
from package.routers.artifacts.interface import ArtifactCreate, ArtifactType
from package.routers.rating import services

CLI_PRINCIPAL = Principal(name="rating-cli", is_admin=False, permissions=frozenset(Permission))
TRIPLE_TYPES = (ArtifactType.CODE, ArtifactType.DATASET, ArtifactType.MODEL)


def kind_of(url: str) -> ArtifactType:
    """The artifact type a URL names by its form."""
    source = parse_source_url(url)
    if source.kind in {SourceKind.HF_DATASET, SourceKind.KAGGLE}:
        return ArtifactType.DATASET
    return ArtifactType.CODE if source.kind is SourceKind.GITHUB else ArtifactType.MODEL


def parse_lines(lines: Iterable[str]) -> list[list[tuple[ArtifactType, str]]]:
    """Each non-empty line's (type, URL) pairs."""
    parsed = []
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fields = [f.strip() for f in line.split(",")]
        if len(fields) == 3:
            parsed.append([(kind, url) for kind, url in zip(TRIPLE_TYPES, fields, strict=True) if url])
        else:
            parsed.append([(kind_of(url), url) for url in line.replace(",", " ").split()])
    return parsed


def _register(storage: Storage, upstreams: Upstreams, kind: ArtifactType, url: str) -> str:
    """The id of the artifact registered from `url` (registering it unless it is already)."""
    settings = get_settings()
    try:
        created = artifact_services.register(
            storage,
            upstreams,
            settings,
            artifact_type=kind,
            body=ArtifactCreate(url=url),
            principal=CLI_PRINCIPAL,
            base_url=settings.public_url or "http://localhost",
        )
    except Conflict:
        key = parse_source_url(url).key
        return next(
            r.id for r in artifact_services.all_records(storage) if r.source_key == key and r.type is kind
        )
    return created.metadata.id


def rate_file(lines: Iterable[str], out: TextIO, err: TextIO, *, explain: bool = False) -> int:
    """Register and rate every line's URLs; print one NDJSON line per model. Returns the exit status."""
    storage, upstreams, settings = get_storage(), get_upstreams(), get_settings()
    install_hooks()  # the same subscriptions as the server
    failed = 0
    for entries in parse_lines(lines):
        ordered = sorted(entries, key=lambda entry: entry[0] is ArtifactType.MODEL)
        try:
            ids = [(kind, _register(storage, upstreams, kind, url)) for kind, url in ordered]
            for kind, artifact_id in ids:
                if kind is not ArtifactType.MODEL:
                    continue
                rating = services.rate_model(
                    storage, upstreams, settings, artifact_id=artifact_id, principal=CLI_PRINCIPAL
                )
                line = rating.model_dump(mode="json")
                if explain:
                    report = services.rating_report(storage, upstreams, settings, artifact_id=artifact_id)
                    line["reasons"] = {name: m.reason for name, m in report.metrics.items()}
                out.write(json.dumps(line) + "\n")
                out.flush()
        except RegistryError as exc:
            failed += 1
            err.write(f"{' '.join(url for _, url in entries)}: {exc.message}\n")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(
        prog="python -m package.routers.rating", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "url_file", help="file of URLs, one model (with its code and dataset) per line; - for stdin"
    )
    parser.add_argument("--explain", action="store_true", help="add each metric's reason to every line")
    args = parser.parse_args(argv)
    if "REGISTRY_DATA_DIR" not in os.environ:
        os.environ["REGISTRY_DATA_DIR"] = tempfile.mkdtemp(prefix="rating-cli-")
    os.environ.setdefault("REGISTRY_MIRROR", "off")  # rating reads metadata only; never copy weights here
    try:
        handle = sys.stdin if args.url_file == "-" else open(args.url_file, encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        print(f"cannot read {args.url_file}: {exc}", file=sys.stderr)
        return 2
    with handle:
        status = rate_file(handle, sys.stdout, sys.stderr, explain=args.explain)
    services.get_pipeline().wait_idle(timeout=60)
    services.reset_pipeline()
    return status


if __name__ == "__main__":
    sys.exit(main())

"""The `registry` command line: every operation of the registry from a shell or a CI job.

Exit codes scripts can test: 0 ok, 1 not found, 2 usage (or a request the registry refused as given),
3 authentication or permission, 4 server or network. `--json` on every command prints machine-readable
output (and errors as `{"error": ..., "status": ...}`).
"""

from __future__ import annotations

import getpass
import os
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

from package.client import cli_admin, config, render, shell
from package.client.api import ARTIFACT_TYPES, RegistryClient
from package.client.errors import ClientError
from package.client.shell import JsonOpt, client, run

app = typer.Typer(
    name="registry",
    help="Register, rate, trace, license-check and download ML artifacts from a Trustworthy Model Registry.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def main_options(
    url: Annotated[
        str | None, typer.Option(help="Registry URL (else REGISTRY_URL, else the login's).")
    ] = None,
    token: Annotated[str | None, typer.Option(help="Token (else REGISTRY_TOKEN, else the login's).")] = None,
) -> None:
    """Talks HTTP to a registry; `registry login` first, or set REGISTRY_URL and REGISTRY_TOKEN."""
    shell.state["url"], shell.state["token"] = url, token


@app.command()
def login(
    user: Annotated[str, typer.Option("--user", "-u", prompt=True, help="User name.")],
    password: Annotated[
        str | None, typer.Option(help="Password (prompted when absent; REGISTRY_PASSWORD also works).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Log in and keep the session token for later commands (in a file only you can read)."""
    secret = password or os.environ.get("REGISTRY_PASSWORD") or getpass.getpass("Password: ")

    def act(registry: RegistryClient) -> dict[str, Any]:
        token = registry.login(user, secret)
        path = config.save(config.Login(registry.base_url, token))
        return {"url": registry.base_url, "user": user, "saved_to": str(path)}

    run(as_json, act, lambda r: render.console.print(f"Logged in to {r['url']} as {r['user']}."))


@app.command()
def logout(as_json: JsonOpt = False) -> None:
    """Forget the saved login."""
    removed = config.forget()
    if as_json:
        render.emit_json({"logged_out": removed})
    else:
        render.console.print("Logged out." if removed else "No saved login.")


@app.command()
def whoami(as_json: JsonOpt = False) -> None:
    """The account the token belongs to, and its permissions."""
    run(as_json, lambda r: r.whoami(), lambda me: render.mapping(me, title="you"))


# The API's `?version=N`: an earlier version's stored rating, lineage or cost (`GET .../versions` lists them).
VersionOpt = Annotated[
    int | None,
    typer.Option("--version", min=1, metavar="N", help="An earlier version (?version=N); else the current."),
]


def _check_type(artifact_type: str) -> str:
    if artifact_type not in ARTIFACT_TYPES:
        raise typer.BadParameter(f"must be one of {', '.join(ARTIFACT_TYPES)}")
    return artifact_type


def _sources(url: str | None, urls_file: Path | None) -> list[tuple[str, str | None]]:
    if (url is None) == (urls_file is None):
        raise typer.BadParameter(
            "give one URL or --file with one URL per line (optionally followed by a name)"
        )
    if url is not None:
        return [(url, None)]
    assert urls_file is not None
    sources = []
    for line in urls_file.read_text().splitlines():
        parts = line.split("#", 1)[0].split()
        if parts:
            sources.append((parts[0], parts[1] if len(parts) > 1 else None))
    return sources


@app.command()
def add(
    artifact_type: Annotated[str, typer.Argument(metavar="TYPE", help="model, dataset or code.")],
    url: Annotated[str | None, typer.Argument(help="Hugging Face, GitHub or Kaggle URL.")] = None,
    name: Annotated[str | None, typer.Option(help="Artifact name (one URL only).")] = None,
    urls_file: Annotated[
        Path | None, typer.Option("--file", "-f", help="A file of URLs, one a line.")
    ] = None,
    workers: Annotated[int, typer.Option(min=1, max=16, help="Registrations at once.")] = 4,
    as_json: JsonOpt = False,
) -> None:
    """Register one URL, or every URL of a file concurrently with a progress display."""
    _check_type(artifact_type)
    sources = _sources(url, urls_file)
    if name and len(sources) == 1:
        sources = [(sources[0][0], name)]
    results: list[dict[str, Any]] = []
    worst = 0
    with client() as registry, Progress(console=render.errors, disable=as_json) as progress:
        task = progress.add_task("registering", total=len(sources))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = {pool.submit(registry.add, artifact_type, u, name=n): u for u, n in sources}
            for future in as_completed(futures):
                source = futures[future]
                try:
                    metadata = future.result()["metadata"]
                    results.append({"url": source, "ok": True, **metadata})
                except ClientError as exc:
                    results.append({"url": source, "ok": False, "error": exc.message, "status": exc.status})
                    worst = max(worst, exc.exit_code)
                progress.advance(task)
    order = {u: i for i, (u, _) in enumerate(sources)}
    results.sort(key=lambda r: order[r["url"]])
    if as_json:
        render.emit_json(results)
    else:
        render.records(results, ("url", "ok", "name", "id", "error"), title="registered")
    raise typer.Exit(worst)


@app.command("ls")
def list_artifacts(
    artifact_type: Annotated[str | None, typer.Option("--type", help="model, dataset or code.")] = None,
    name: Annotated[str, typer.Option(help="Exact name; '*' for all.")] = "*",
    as_json: JsonOpt = False,
) -> None:
    """List artifacts (every page)."""
    if artifact_type:
        _check_type(artifact_type)
    run(as_json, lambda r: r.artifacts(name=name, artifact_type=artifact_type), render.artifacts)


@app.command()
def search(regex: str, as_json: JsonOpt = False) -> None:
    """Artifacts whose name or README matches a regular expression."""
    run(as_json, lambda r: r.search(regex), render.artifacts)


@app.command()
def show(artifact_id: Annotated[str, typer.Argument(metavar="ID")], as_json: JsonOpt = False) -> None:
    """Source, license, size and mirror progress of an artifact."""
    run(as_json, lambda r: r.show(artifact_id), lambda d: render.mapping(d, title=str(d.get("metadata"))))


@app.command()
def rate(
    artifact_id: Annotated[str, typer.Argument(metavar="ID")],
    explain: Annotated[bool, typer.Option(help="Each metric's reason.")] = False,
    version: VersionOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """A model's trust scores (with --explain: why each is what it is)."""

    def show_rating(values: dict[str, Any]) -> None:
        if not explain:
            render.rating(values)
            return
        render.rating(values.get("rating", {}))
        rows = [{"metric": k, **v} for k, v in (values.get("metrics") or {}).items()]
        render.records(rows, ("metric", "score", "weight", "applicable", "reason"), title="why")

    run(as_json, lambda r: r.rate(artifact_id, explain=explain, version=version), show_rating)


@app.command()
def lineage(
    artifact_id: Annotated[str, typer.Argument(metavar="ID")],
    version: VersionOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """A model's lineage, printed as a tree."""
    run(as_json, lambda r: r.lineage(artifact_id, version=version), render.lineage)


@app.command()
def cost(
    artifact_id: Annotated[str, typer.Argument(metavar="ID")],
    dependencies: Annotated[bool, typer.Option(help="Include what it depends on.")] = True,
    version: VersionOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Download size in MB (with its dependencies)."""
    run(as_json, lambda r: r.cost(artifact_id, dependencies=dependencies, version=version), render.costs)


@app.command("license-check")
def license_check(
    artifact_id: Annotated[str, typer.Argument(metavar="ID")],
    github_url: Annotated[str, typer.Argument(metavar="GITHUB_URL")],
    as_json: JsonOpt = False,
) -> None:
    """Whether a model's license allows its use with a GitHub project."""

    def show_verdict(ok: bool) -> None:
        render.console.print("[green]compatible[/green]" if ok else "[red]not compatible[/red]")

    run(as_json, lambda r: r.license_check(artifact_id, github_url), show_verdict)


@app.command()
def download(
    artifact_id: Annotated[str, typer.Argument(metavar="ID")],
    file: Annotated[
        str | None, typer.Argument(metavar="[FILE]", help="One file; else the whole zip.")
    ] = None,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Where to write it.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Download an artifact (or one file): progress bar, resume with Range, sha256 verified."""
    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn())
    with Progress(*columns, console=render.errors, disable=as_json) as progress:
        task = progress.add_task(file or artifact_id, total=None)

        def act(registry: RegistryClient) -> dict[str, Any]:
            target = output or Path(file.rsplit("/", 1)[-1] if file else f"{artifact_id}.zip")
            if target.is_dir():
                target = target / (file.rsplit("/", 1)[-1] if file else f"{artifact_id}.zip")
            done = registry.download(
                artifact_id,
                target,
                path=file,
                progress=lambda n, t: progress.update(task, completed=n, total=t),
            )
            return {"path": str(done.path), "bytes": done.size, "sha256": done.sha256,
                    "verified": done.verified, "resumed": done.resumed}  # fmt: skip

        run(as_json, act, _show_download)


def _show_download(result: dict[str, Any]) -> None:
    check = "verified" if result["verified"] else "not verifiable (the file was streaming from upstream)"
    resumed = ", resumed" if result["resumed"] else ""
    render.console.print(
        f"{result['path']}: {result['bytes']} bytes, sha256 {result['sha256']} ({check}{resumed})"
    )


app.add_typer(cli_admin.users, name="users")
app.add_typer(cli_admin.tokens, name="tokens")


def main() -> None:
    """The `registry` console script."""
    app()

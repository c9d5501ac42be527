"""`registry users ...` and `registry tokens ...`: accounts and access tokens from the command line."""

from __future__ import annotations

import getpass
from typing import Annotated, Any

import typer

from package.client import render
from package.client.shell import JsonOpt, run

users = typer.Typer(
    help="Accounts: list, add, remove, change permissions, change your password.", no_args_is_help=True
)
tokens = typer.Typer(help="Access tokens for scripts: create, list, revoke.", no_args_is_help=True)
PermissionsOpt = Annotated[
    list[str] | None,
    typer.Option("--permission", "-p", help="upload, search, download or admin; repeat for several."),
]
_USER_COLUMNS = ("name", "is_admin", "permissions", "created_at", "created_by")
_TOKEN_COLUMNS = ("id", "name", "user", "permissions", "expires_at", "last_used_at", "uses")


@users.command("ls")
def list_users(as_json: JsonOpt = False) -> None:
    """Every account (admin)."""
    run(as_json, lambda r: r.users(), lambda rows: render.records(rows, _USER_COLUMNS, title="users"))


@users.command("add")
def add_user(
    name: str,
    password: Annotated[str | None, typer.Option(help="Prompted when absent.")] = None,
    permissions: PermissionsOpt = None,
    admin: Annotated[bool, typer.Option("--admin", help="Every permission.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Create an account (admin)."""
    secret = password or getpass.getpass(f"Password for {name}: ")
    chosen = permissions or ["search"]
    run(
        as_json,
        lambda r: r.add_user(name, secret, permissions=chosen, is_admin=admin),
        lambda row: render.mapping(row, title="created"),
    )


@users.command("rm")
def remove_user(name: str, as_json: JsonOpt = False) -> None:
    """Delete an account and revoke its tokens."""

    def act(registry: Any) -> dict[str, str]:
        registry.delete_user(name)
        return {"deleted": name}

    run(as_json, act, lambda r: render.console.print(f"Deleted {r['deleted']}."))


@users.command("set")
def set_permissions(
    name: str,
    permissions: PermissionsOpt = None,
    admin: Annotated[bool | None, typer.Option("--admin/--no-admin", help="Make an admin or not.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Change an account's permissions (admin); its sessions end, its tokens keep what it keeps."""
    run(
        as_json,
        lambda r: r.update_user(name, permissions=permissions, is_admin=admin),
        lambda row: render.mapping(row, title="changed"),
    )


@users.command("passwd")
def change_password(
    name: str,
    old: Annotated[str | None, typer.Option(help="Current password (prompted when absent).")] = None,
    new: Annotated[str | None, typer.Option(help="New password (prompted when absent).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Change your own password (the old one is required)."""
    old_secret = old or getpass.getpass("Current password: ")
    new_secret = new or getpass.getpass("New password: ")
    run(
        as_json,
        lambda r: r.update_user(name, password=new_secret, old_password=old_secret),
        lambda row: render.console.print(f"Password of {row['name']} changed; log in again."),
    )


@tokens.command("create")
def create_token(
    name: str,
    permissions: PermissionsOpt = None,
    days: Annotated[float, typer.Option(help="Lifetime in days (at most 366).")] = 90.0,
    as_json: JsonOpt = False,
) -> None:
    """A new access token (a subset of your permissions); its secret is printed once."""

    def show(row: dict[str, Any]) -> None:
        render.mapping({k: v for k, v in row.items() if k != "token"}, title="token")
        render.console.print(f"Secret (shown once): [bold]{row['token']}[/bold]")

    run(as_json, lambda r: r.create_token(name, permissions=permissions, expires_in_days=days), show)


@tokens.command("ls")
def list_tokens(
    user: Annotated[str | None, typer.Option(help="Whose (admins); '*' for everyone's.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Access tokens, without their secrets."""
    run(
        as_json,
        lambda r: r.tokens(user=user),
        lambda rows: render.records(rows, _TOKEN_COLUMNS, title="tokens"),
    )


@tokens.command("revoke")
def revoke_token(token_id: Annotated[str, typer.Argument(metavar="ID")], as_json: JsonOpt = False) -> None:
    """Revoke an access token at once (an older id that starts with '-' goes after `--`)."""
    run(
        as_json,
        lambda r: r.revoke_token(token_id),
        lambda row: render.console.print(f"Revoked {row['name']}."),
    )

"""``lantai users``: add, list, disable, enable, set-role, passwd and token."""

from __future__ import annotations

from typing import Any

import click
from sqlalchemy import select

from archive.accounts import create_token, create_user, get_user, set_active, set_password, set_role
from archive.catalog.accounts import User
from archive.vocabulary import Role
from cli.main import pass_lantai
from cli.operator import CLI

ROLES = click.Choice([r.value for r in Role])


@click.group("users")
def users() -> None:
    """Manage portal accounts (admin, archivist, researcher)."""


def _password(value: str | None) -> str:
    return value or click.prompt("密码 / Password", hide_input=True, confirmation_prompt=True)


@users.command("add")
@click.argument("username")
@click.option("--role", type=ROLES, default="researcher", show_default=True, help="The account's role.")
@click.option("--name", "display_name", help="Display name.")
@click.option("--email", help="E-mail address (for access request notices).")
@click.option("--password", help="Password (default: asked for).")
@pass_lantai
def add(
    lantai: Any, username: str, role: str, display_name: str | None, email: str | None, password: str | None
) -> None:
    """Add an account."""
    with lantai.catalog.session() as db:
        create_user(db, username, _password(password), role, actor=CLI, display_name=display_name, email=email)
    click.echo(f"已添加用户 / Added user {username} ({role})")


@users.command("list")
@pass_lantai
def list_users(lantai: Any) -> None:
    """List the accounts."""
    with lantai.catalog.session() as db:
        rows = list(db.scalars(select(User).order_by(User.username)))
    click.echo(f"{'username':<24} {'role':<11} {'status':<9} {'last login':<20} name")
    for u in rows:
        last = u.last_login_at.strftime("%Y-%m-%d %H:%M") if u.last_login_at else "-"
        click.echo(
            f"{u.username:<24} {u.role:<11} {'active' if u.active else 'disabled':<9} {last:<20} {u.display_name or ''}"
        )


def _toggle(lantai: Any, username: str, active: bool) -> None:
    with lantai.catalog.session() as db:
        user = get_user(db, username)
        set_active(db, user, active, actor=CLI)


@users.command("disable")
@click.argument("username")
@pass_lantai
def disable(lantai: Any, username: str) -> None:
    """Disable an account (its sessions and API tokens stop working at once)."""
    _toggle(lantai, username, False)
    click.echo(f"已停用 / Disabled {username}")


@users.command("enable")
@click.argument("username")
@pass_lantai
def enable(lantai: Any, username: str) -> None:
    """Enable a disabled account (and clear a login lockout)."""
    _toggle(lantai, username, True)
    click.echo(f"已启用 / Enabled {username}")


@users.command("set-role")
@click.argument("username")
@click.argument("role", type=ROLES)
@pass_lantai
def set_role_cmd(lantai: Any, username: str, role: str) -> None:
    """Change an account's role."""
    with lantai.catalog.session() as db:
        user = get_user(db, username)
        set_role(db, user, role, actor=CLI)
    click.echo(f"{username}: {role}")


@users.command("passwd")
@click.argument("username")
@click.option("--password", help="New password (default: asked for).")
@pass_lantai
def passwd(lantai: Any, username: str, password: str | None) -> None:
    """Set a new password (ends the account's sessions, clears a lockout)."""
    with lantai.catalog.session() as db:
        user = get_user(db, username)
        set_password(db, user, _password(password), actor=CLI)
    click.echo(f"已修改密码 / Password changed for {username}")


@users.command("token")
@click.argument("username")
@click.option("--name", "token_name", default="cli", show_default=True, help="A name to tell the token apart.")
@pass_lantai
def token(lantai: Any, username: str, token_name: str) -> None:
    """Create an API token for /api/v1 and print it (shown only this once)."""
    with lantai.catalog.session() as db:
        user = get_user(db, username)
        value = create_token(db, user, token_name, actor=CLI)
    click.echo(value)


commands: list[click.Command] = [users]

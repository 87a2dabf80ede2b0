"""``pantau user``: accounts of the review desk (add, list, disable, password).

Passwords are read from a prompt (asked twice) on a terminal, or from the first line of
standard input otherwise, so that scripts can set them without putting them on the
command line (where ``ps`` would show them).
"""

from __future__ import annotations

import sys

import click

from crawler import store
from crawler.errors import PantauError
from pantau.options import config_option, get_config
from review.accounts import add_account
from review.passwords import PasswordError, check_new_password, hash_password


@click.group()
def user() -> None:
    """Accounts of the review desk: admin, reviewer or viewer.

    \b
    Example:
        pantau user add rina --role reviewer
        echo 'kata-sandi-panjang' | pantau user add budi --role viewer
    """


def _read_password() -> str:
    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        check_new_password(password)
    except PasswordError as exc:
        raise PantauError(str(exc)) from None
    return password


@user.command("add")
@config_option
@click.argument("name")
@click.option(
    "--role",
    type=click.Choice(store.ROLES),
    required=True,
    help="admin: everything and the audit log; reviewer: decide and export; viewer: read.",
)
def user_add(config_path: str | None, name: str, role: str) -> None:
    """Add an account; the password comes from a prompt, or standard input.

    \b
    Example:
        pantau user add rina --role reviewer
    """
    if not store.USER_NAME.fullmatch(name):
        raise PantauError(f"user name {name!r}: letters, digits, '.', '_', '-' (1-64)")
    password = _read_password()
    with store.connect(get_config(config_path).db_path) as db:
        add_account(db, name, role, password)
        store.add_audit(db, None, "user_add", name, role, "cli")
    click.echo(f"{name}: added ({role})")


@user.command("list")
@config_option
def user_list(config_path: str | None) -> None:
    """List accounts with their role, state and last login.

    \b
    Example:
        pantau user list
    """
    with store.connect(get_config(config_path).db_path) as db:
        rows = store.list_users(db)
    if not rows:
        click.echo("no users; add one with `pantau user add NAME --role admin`")
    for row in rows:
        state = "disabled" if row["disabled"] else "active"
        click.echo(f"{row['name']}\t{row['role']}\t{state}\t{row['last_login_at'] or '-'}")


@user.command("disable")
@config_option
@click.argument("name")
@click.option("--enable", is_flag=True, help="Enable a disabled account again.")
def user_disable(config_path: str | None, name: str, enable: bool) -> None:
    """Disable an account (its open sessions end at once), or enable it again.

    \b
    Example:
        pantau user disable budi
    """
    with store.connect(get_config(config_path).db_path) as db:
        store.set_user_disabled(db, name, not enable)
        store.add_audit(db, None, "user_enable" if enable else "user_disable", name, None, "cli")
    click.echo(f"{name}: {'enabled' if enable else 'disabled'}")


@user.command("password")
@config_option
@click.argument("name")
def user_password(config_path: str | None, name: str) -> None:
    """Set a new password (its open sessions end at once).

    \b
    Example:
        pantau user password rina
    """
    password_hash = hash_password(_read_password())
    with store.connect(get_config(config_path).db_path) as db:
        store.set_password(db, name, password_hash)
        store.add_audit(db, None, "user_password", name, None, "cli")
    click.echo(f"{name}: password changed")

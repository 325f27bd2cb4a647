"""``jointex user ...``: create accounts, give them API tokens, list them."""

from __future__ import annotations

import sys
from dataclasses import dataclass

import typer
from rich.table import Table

from jointex.cli._common import emit_json, err, options, out
from jointex.store import ROLES, Accounts, Membership, User, check_password

__all__ = ["add_user", "list_users", "parse_cell", "user_app", "user_token"]

user_app = typer.Typer(
    help="Manage accounts: users, their exercise cells and API tokens.\n\n"
    "Example: jointex user add li.wei --nation TWN --clearance SECRET --cell strait-2026:blue-twn",
    no_args_is_help=True,
)


@dataclass(frozen=True, slots=True)
class CellSpec:
    """A parsed ``--cell EXERCISE:CELL[:ROLE]`` value."""

    exercise_id: str
    cell: str
    role: str


def parse_cell(value: str) -> CellSpec:
    """Parse ``EXERCISE:CELL`` or ``EXERCISE:CELL:ROLE`` (role default ``cell``).

    Args:
        value: the option's value; ``*`` as the exercise means every exercise.

    Returns:
        The exercise, cell and role.

    Raises:
        typer.BadParameter: not two or three non-empty parts, or an unknown role.
    """
    parts = value.split(":")
    if len(parts) not in (2, 3) or not all(parts):
        raise typer.BadParameter(
            f"{value!r} is not EXERCISE:CELL or EXERCISE:CELL:ROLE", param_hint="--cell"
        )
    role = parts[2] if len(parts) == 3 else "cell"
    if role not in ROLES:
        raise typer.BadParameter(
            f"unknown role {role!r}; expected one of {', '.join(ROLES)}", param_hint="--cell"
        )
    return CellSpec(parts[0], parts[1], role)


def _read_password(from_stdin: bool, username: str) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
        password = password.removesuffix("\r")
    else:
        password = typer.prompt(
            f"Password for {username}", hide_input=True, confirmation_prompt=True, err=True
        )
    check_password(password, username)
    return password


def _user_json(user: User, memberships: list[Membership]) -> dict[str, object]:
    return {
        "username": user.username,
        "nation": user.nation,
        "clearance": user.clearance,
        "is_admin": user.is_admin,
        "created": user.created.isoformat(),
        "memberships": [
            {"exercise_id": m.exercise_id, "cell": m.cell, "role": m.role} for m in memberships
        ],
    }


@user_app.command("add")
def add_user(
    username: str = typer.Argument(..., help="The login name, e.g. li.wei."),
    nation: str = typer.Option(..., "--nation", help="ISO 3166-1 alpha-3 code, e.g. TWN."),
    clearance: str = typer.Option(
        ..., "--clearance", help="The level the user is cleared to, e.g. SECRET."
    ),
    cells: list[str] = typer.Option(
        [],
        "--cell",
        help="A membership EXERCISE:CELL[:ROLE] (ROLE white|cell|observer|admin, default cell; "
        "EXERCISE * means every exercise). Repeatable.",
    ),
    admin: bool = typer.Option(False, "--admin", help="Make the user a server administrator."),
    password_stdin: bool = typer.Option(
        False,
        "--password-stdin",
        help="Read the password from the first line of standard input instead of prompting.",
    ),
    json_output: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Create a user with a password, nation, clearance and cell memberships.

    Without --password-stdin the password is asked for twice (not echoed). Passwords need at
    least 12 characters and 5 different ones, must not be a well-known password and must not
    contain the username. What a user may read is decided by nation and clearance against each
    object's marking; cell memberships decide which cell collections they see.

    Example: jointex user add li.wei --nation TWN --clearance SECRET --cell strait-2026:blue-twn
    """
    specs = [parse_cell(value) for value in cells]
    password = _read_password(password_stdin, username)
    with Accounts.open(options.db_url) as accounts:
        user = accounts.add_user(
            username,
            password,
            nation,
            clearance,
            is_admin=admin,
            memberships=[(spec.exercise_id, spec.cell, spec.role) for spec in specs],
        )
        memberships = accounts.memberships(username)
    if json_output:
        emit_json(_user_json(user, memberships))
        return
    where = ", ".join(f"{m.exercise_id}:{m.cell} ({m.role})" for m in memberships) or "no cells"
    role = "admin, " if user.is_admin else ""
    out.print(
        f"created user {user.username} ({role}{user.nation}, {user.clearance}; {where})",
        markup=False,
    )


@user_app.command("token")
def user_token(
    username: str = typer.Argument(..., help="The user the token authenticates as."),
    name: str = typer.Option(..., "--name", help="What the token is for, e.g. misp-sync."),
    json_output: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Create an API token (for TAXII and the API) and print it once.

    Only a hash is stored: copy the token now, it cannot be shown again. Clients send it as
    ``Authorization: Bearer TOKEN``. Token names are unique per user.

    Example: jointex user token li.wei --name misp-sync
    """
    with Accounts.open(options.db_url) as accounts:
        token = accounts.create_token(username, name)
    if json_output:
        emit_json({"username": username, "name": name, "token": token})
        return
    # The token alone on stdout, so that TOKEN=$(jointex user token ...) works.
    print(token)
    err.print(f"token {name!r} for {username}: shown once, only its hash is stored", markup=False)


@user_app.command("list")
def list_users(
    json_output: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """List users with their nation, clearance and cell memberships (never passwords or tokens).

    Example: jointex user list --json
    """
    with Accounts.open(options.db_url) as accounts:
        rows = [(user, accounts.memberships(user.username)) for user in accounts.users()]
    if json_output:
        emit_json([_user_json(user, memberships) for user, memberships in rows])
        return
    if not rows:
        out.print("no users (create one with: jointex user add NAME --nation ... --clearance ...)")
        return
    table = Table("username", "nation", "clearance", "admin", "cells", "created", title="Users")
    for user, memberships in rows:
        table.add_row(
            user.username,
            user.nation,
            user.clearance,
            "yes" if user.is_admin else "",
            ", ".join(f"{m.exercise_id}:{m.cell} ({m.role})" for m in memberships),
            user.created.strftime("%Y-%m-%d %H:%M UTC"),
        )
    out.print(table)

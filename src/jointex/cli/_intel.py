"""``jointex intel export|import``: STIX 2.1 bundles of an exercise's intelligence, per reader."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from jointex._errors import AccessDenied, CommandRejected, ParameterError, ScenarioUnreadable
from jointex.cli._common import emit_json, err, options, out
from jointex.exercise import Actor, ExerciseService, PublishIntel
from jointex.intel import export_products, product_to_data
from jointex.intel._stix import export_bundle, import_bundle
from jointex.markings import Reader
from jointex.store import Accounts, EventStore, User

if TYPE_CHECKING:
    from jointex.api._membership import Seat

__all__ = ["intel_app"]

intel_app = typer.Typer(
    help="Intelligence as STIX 2.1: export what a user may see, import and validate bundles.",
    no_args_is_help=True,
)


@contextmanager
def _open() -> Iterator[tuple[ExerciseService, Accounts]]:
    with EventStore.open(options.db_url) as store, Accounts.open(options.db_url) as accounts:
        yield ExerciseService(store), accounts


def _seat(
    service: ExerciseService, accounts: Accounts, username: str, exercise_id: str
) -> tuple[User, Seat | None]:
    """The user and their seat in the exercise (None when they have no membership in it).

    The seat is chosen by the server's own rule (`seat_for`): a membership whose cell the user's
    nation or clearance does not fit is refused here too.
    """
    # the server's modules load only for the intel commands, not at every CLI start
    from jointex.api._membership import SeatRefused, seat_for  # noqa: PLC0415

    user = accounts.user(username)
    if user is None:
        raise AccessDenied(f"no user {username!r} (add one with: jointex user add)")
    memberships = accounts.memberships(username)
    if not any(m.applies_to(exercise_id) for m in memberships):
        return user, None
    try:
        seat = seat_for(service.state(exercise_id).scenario, exercise_id, user, memberships)
    except SeatRefused as exc:
        raise AccessDenied(f"{username}: {exc}") from None
    return user, seat


def _reader(
    service: ExerciseService, accounts: Accounts, username: str, exercise_id: str
) -> Reader:
    """The user's reader in the exercise: their seat's when they have one, else their own."""
    user, seat = _seat(service, accounts, username, exercise_id)
    if seat is None:
        return user.reader
    from jointex.api._membership import seat_reader  # noqa: PLC0415

    reader = seat_reader(service.state(exercise_id).scenario, seat)
    if not isinstance(reader, Reader):
        raise AccessDenied(
            f"cell {seat.cell!r} has no nation, so it may only read unmarked material: "
            "export as a user of a national cell"
        )
    return reader


@intel_app.command("export")
def export(
    exercise: str = typer.Argument(..., help="Exercise id."),
    as_user: str = typer.Option(..., "--as", help="Export what this user may see."),
    fmt: str = typer.Option("stix", "--format", help="Output format (stix)."),
    output: Path | None = typer.Option(None, "--out", help="Write to this file."),
) -> None:
    """Write a STIX 2.1 bundle of the exercise's intelligence that a user may see.

    Only the user's view leaves: unreadable products are absent, unreadable portions, sources
    and attachments are cut, and links to hidden products are dropped.

    Example: jointex intel export exercise-1a2b3c4d --as li.wei --out twn.json
    """
    if fmt != "stix":
        raise ParameterError(f"--format {fmt!r}: only 'stix' is supported")
    with _open() as (service, accounts):
        reader = _reader(service, accounts, as_user, exercise)
        state = service.state(exercise)
        scenario = state.scenario
        products = export_products(state, reader)
        bundle = export_bundle(
            products,
            reader,
            exercise_id=exercise,
            scenario_title=scenario.title,
            nations={n.code: n.name for n in scenario.nations},
        )
    text = json.dumps(bundle, indent=2, sort_keys=True)
    if output is None:
        print(text)
    else:
        output.write_text(text + "\n", encoding="utf-8")
        err.print(f"wrote {output}: {len(products)} product(s) visible to {as_user}")


@intel_app.command("import")
def import_(
    bundle: Path = typer.Argument(..., help="A STIX 2.1 bundle (JSON)."),
    into: str | None = typer.Option(None, "--into", help="Publish into this exercise."),
    as_user: str | None = typer.Option(None, "--as", help="Publish as this user's cell."),
    json_output: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Validate a STIX bundle object by object; with --into, publish its products.

    Every invalid object is reported with its id and why, and nothing of it is imported. With
    --into and --as, each valid product is published by the user's cell (the exercise's rules
    apply: the product's owner must be the cell's nation). Exit 1 if anything was refused.

    Example: jointex intel import partner.json --into exercise-1a2b3c4d --as li.wei
    """
    try:
        text = bundle.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioUnreadable(f"{bundle}: cannot read ({exc.strerror})") from None
    if (into is None) != (as_user is None):
        raise ParameterError("give --into and --as together")
    result = import_bundle(text)
    refused: list[dict[str, Any]] = [
        {"id": e.object_id, "type": e.type, "error": e.message} for e in result.errors
    ]
    published: list[dict[str, str]] = []
    if into is not None and as_user is not None:
        with _open() as (service, accounts):
            user, seat = _seat(service, accounts, as_user, into)
            if seat is None:
                raise AccessDenied(f"{as_user} has no seat in {into}")
            for product in result.products:
                data = {
                    k: v
                    for k, v in product_to_data(product).items()
                    if k not in ("id", "originator", "minute", "derived_from", "released_to")
                }
                try:
                    events = service.handle(
                        into, PublishIntel(data), Actor(user.username, seat.cell)
                    )
                except CommandRejected as exc:
                    refused.append({"id": product.id, "type": product.kind, "error": str(exc)})
                    continue
                new_id = str(events[0].data.get("product", {}).get("id", "")) if events else ""
                published.append({"source": product.id, "id": new_id})
    doc = {"valid": len(result.products), "refused": refused, "published": published}
    if json_output:
        emit_json(doc)
    else:
        out.print(f"{len(result.products)} product(s) valid, {len(refused)} refused")
        if refused:
            table = Table("object", "type", "why", title="Refused")
            for row in refused:
                table.add_row(row["id"], row["type"], row["error"])
            out.print(table)
        for row in published:
            out.print(f"published {row['source']} as {row['id']}")
    if refused:
        raise typer.Exit(1)

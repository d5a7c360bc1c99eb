"""Retention: how long each dataset's loads are kept, and the sweep that
removes what is past its date. Setting a retention and every sweep are
recorded in the audit log, with what the sweep removed."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from threadline.cli.common import emit_json, err, open_workspace, out, record_change
from threadline.cli.options import JsonOpt

DatasetArg = Annotated[str, typer.Argument(help="The dataset.")]


def retention_show(as_json: JsonOpt = False) -> None:
    """The datasets that have a retention, and its length in days."""
    with open_workspace() as ws:
        found = ws.retention()
    if as_json:
        emit_json(found)
        return
    if not found:
        err.print("No dataset has a retention: everything is kept until it is dropped.")
        return
    table = Table("dataset", "kept for (days)")
    for name, days in sorted(found.items()):
        table.add_row(escape(name), f"{days:,}")
    out.print(table)


def retention_set(
    dataset: DatasetArg,
    days: Annotated[
        int, typer.Argument(help="Days to keep each load after it is ingested.", min=1)
    ],
) -> None:
    """Keep what is loaded into DATASET for DAYS after each ingest; `retention
    sweep` removes what is older."""
    with open_workspace() as ws:
        ws.set_retention(dataset, days)
    record_change("retention.set", dataset, {"days": days})
    err.print(f"[bold]{escape(dataset)}[/bold]: each load is kept for {days:,} days")


def retention_clear(dataset: DatasetArg) -> None:
    """Keep DATASET until it is dropped (no retention)."""
    with open_workspace() as ws:
        ws.set_retention(dataset, None)
    record_change("retention.set", dataset, {"days": None})
    err.print(f"[bold]{escape(dataset)}[/bold]: kept until it is dropped")


def retention_sweep(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List what would be removed; remove nothing.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Remove every load older than its dataset's retention: its statements
    and search entries. Run it from cron; each sweep is recorded."""
    with open_workspace() as ws:
        removed = ws.sweep_retention(dry_run=dry_run)
    rows = [item.to_dict() for item in removed]
    if not dry_run:
        statements = sum(item.statements for item in removed)
        record_change("retention.sweep", "workspace", {"removed": rows, "statements": statements})
    if as_json:
        emit_json({"dry_run": dry_run, "removed": rows})
        return
    verb = "Would remove" if dry_run else "Removed"
    if not removed:
        err.print("Nothing is past its retention.")
        return
    table = Table("dataset", "source", "loaded", "statements")
    for item in removed:
        table.add_row(
            escape(item.dataset),
            escape(item.source),
            item.finished_at.isoformat(timespec="seconds"),
            f"{item.statements:,}",
        )
    out.print(table)
    err.print(f"{verb} {len(removed):,} loads, {sum(i.statements for i in removed):,} statements")

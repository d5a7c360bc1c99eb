"""The ``threadline`` command. Each command parses its options, makes one
library call and renders the result; library errors become a one-line message
on stderr and the exit code of their class (see ``threadline.errors``)."""

from __future__ import annotations

import shutil
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from threadline.cli.output import (
    State,
    count_progress,
    emit_json,
    err,
    ingest_progress,
    out,
)
from threadline.errors import InputError, ThreadlineError, WorkspaceError
from threadline.model.entity import Entity
from threadline.workspace import CONFIG_FILE, Workspace

app = typer.Typer(
    name="threadline",
    help="Threadline: load messy datasets into one FollowTheMoney model, with the source of "
    "every value, and search across them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain help text: identical on every terminal, and what docs/cli.md shows.
    rich_markup_mode=None,
)
datasets_app = typer.Typer(help="List and drop datasets.", rich_markup_mode=None)
app.add_typer(datasets_app, name="datasets")


class Options:
    workspace: Path | None = None


@app.callback()
def main_options(
    workspace: Annotated[
        Path | None,
        typer.Option(
            "--workspace",
            "-w",
            help="Workspace directory. Default: $THREADLINE_WORKSPACE, else the current "
            "directory or its nearest parent that is a workspace.",
            show_default=False,
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False,
) -> None:
    Options.workspace = workspace
    State.quiet = quiet


def open_workspace() -> Workspace:
    return Workspace.find(Options.workspace)


def catch_up_index(ws: Workspace) -> None:
    """Rebuild the search index, with progress, when it is behind the store
    (a crash, or an index of an older format), rather than silently inside
    the first search."""
    if ws.index.generation != ws.store.generation:
        err.print("The search index is behind the store; rebuilding it first.")
        with count_progress("indexing") as progress:
            ws.ensure_index(progress)


class OnErrorChoice(StrEnum):
    fail = "fail"
    skip = "skip"


class ExportFormat(StrEnum):
    ftm = "ftm"
    csv = "csv"
    xlsx = "xlsx"


@app.command()
def init(
    directory: Annotated[Path, typer.Argument(help="Directory to create the workspace in.")],
) -> None:
    """Create a new, empty workspace."""
    Workspace.init(directory).close()
    err.print(f"Created workspace [bold]{escape(str(directory))}[/bold]")


@app.command()
def ingest(
    path: Annotated[
        Path,
        typer.Argument(
            help="File to load (CSV, TSV, XLSX, JSON, NDJSON, "
            "Parquet, FtM entities or FtM statements)."
        ),
    ],
    dataset: Annotated[str, typer.Option("--dataset", "-d", help="Dataset name.")],
    mapping: Annotated[
        Path | None, typer.Option("--mapping", "-m", help="FtM mapping YAML (as `ftm map` reads).")
    ] = None,
    schema: Annotated[
        str | None, typer.Option("--schema", help="Quick mode: FtM schema of each row.")
    ] = None,
    maps: Annotated[
        list[str] | None,
        typer.Option("--map", help="Quick mode: property=column (repeatable)."),
    ] = None,
    keys: Annotated[
        list[str] | None,
        typer.Option(
            "--key",
            help="Quick mode: column(s) that identify a row's entity "
            "(default: all mapped columns).",
        ),
    ] = None,
    fmt: Annotated[
        str | None, typer.Option("--format", help="Override the format detected from the name.")
    ] = None,
    encoding: Annotated[str, typer.Option(help="Text encoding of CSV/TSV files.")] = "utf-8",
    sheet: Annotated[str | None, typer.Option(help="XLSX sheet (default: the first).")] = None,
    on_error: Annotated[
        OnErrorChoice,
        typer.Option(
            "--on-error",
            help="fail: stop and change nothing; skip: write bad rows to "
            "a rejects file and load the rest.",
        ),
    ] = OnErrorChoice.fail,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Load a file into a dataset. Re-running it replaces what it loaded before."""
    with open_workspace() as ws, ingest_progress(f"{path.name} → {dataset}") as progress:
        report = ws.ingest(
            path,
            dataset,
            mapping,
            schema=schema,
            maps=maps or [],
            keys=keys or [],
            format=fmt,
            encoding=encoding,
            sheet=sheet,
            on_error=on_error.value,
            progress=progress,
        )
    if as_json:
        emit_json(report.to_dict())
        return
    rate = report.records / report.seconds if report.seconds else 0
    err.print(
        f"Loaded [bold]{report.records:,}[/bold] rows from {escape(report.source)} into "
        f"[bold]{escape(report.dataset)}[/bold]: {report.entities:,} entities, "
        f"{report.statements:,} statements ({rate:,.0f} rows/s)"
    )
    if report.rejected:
        err.print(
            f"[yellow]Skipped {report.rejected:,} bad rows[/yellow]; see "
            f"{escape(str(report.rejects_path))}"
        )


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="Names or text; any script, typos allowed.")],
    schema: Annotated[str | None, typer.Option(help="Only this schema (and its children).")] = None,
    dataset: Annotated[str | None, typer.Option(help="Only this dataset.")] = None,
    country: Annotated[str | None, typer.Option(help="Only this country code, e.g. ru.")] = None,
    limit: Annotated[int, typer.Option(help="How many results.", min=1, max=1000)] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print results as JSON.")] = False,
) -> None:
    """Search entities by name and text."""
    with open_workspace() as ws:
        catch_up_index(ws)
        hits = ws.search(query, schema=schema, dataset=dataset, country=country, limit=limit)
    if as_json:
        emit_json([hit.__dict__ for hit in hits])
        return
    if not hits:
        err.print("No results.")
        return
    table = Table("#", "score", "name", "schema", "datasets", "countries", "id")
    for rank, hit in enumerate(hits, start=1):
        table.add_row(
            str(rank),
            f"{hit.score:.2f}",
            escape(hit.caption),
            hit.schema,
            ", ".join(hit.datasets),
            ", ".join(hit.countries),
            hit.entity_id,
        )
    out.print(table)


@app.command()
def show(
    entity_id: Annotated[
        str, typer.Argument(help="Entity or canonical id (see `threadline search`).")
    ],
    unmerged: Annotated[
        bool, typer.Option("--unmerged", help="Only this record, not its merged cluster.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the entity as JSON.")] = False,
) -> None:
    """Show an entity: every value, with the dataset and source row it came from.
    A merged entity shows all its members' values and the evidence for the merge."""
    from threadline.cli.resolve_cmds import show_resolution

    with open_workspace() as ws:
        entity = ws.entity(entity_id, resolved=not unmerged)
        if as_json:
            data = entity.to_dict()
            if len(entity.members) > 1:
                members = entity.members
                data["merge_evidence"] = [
                    p.to_dict()
                    for p in ws.resolution.pairs_of(members, limit=200)
                    if p.left_id in members and p.right_id in members
                ]
                data["judgements"] = [
                    r.to_dict() for r in ws.resolution.judgements.history(members)
                ]
            emit_json(data)
            return
        _show_entity(entity)
        show_resolution(ws, entity)


def _show_entity(entity: Entity) -> None:
    out.print(
        f"[bold]{escape(entity.caption)}[/bold]  [dim]{entity.schema.name}  {entity.id}[/dim]"
    )
    out.print(f"datasets: {', '.join(entity.datasets)}")
    merged = len(entity.members) > 1
    columns = ["property", "value", "dataset", "source", "as written"]
    table = Table(*columns, *(["record"] if merged else []))
    for row in entity.statements:
        if row.prop == "id":
            continue
        prop = entity.schema.get(row.prop)
        label = prop.label if prop is not None else row.prop
        line = f":{row.source_line}" if row.source_line is not None else ""
        table.add_row(
            escape(label),
            escape(row.value),
            escape(row.dataset),
            escape(f"{row.source}{line}"),
            escape(row.original_value or ""),
            *([row.entity_id[:12]] if merged else []),
        )
    out.print(table)
    seen_in = sorted(
        {(r.dataset, r.source, r.source_line) for r in entity.statements if r.prop == "id"},
        key=lambda k: (k[0], k[1], k[2] or 0),
    )
    if seen_in:
        rows = ", ".join(f"{s}:{line}" for _, s, line in seen_in[:10])
        more = f" and {len(seen_in) - 10} more" if len(seen_in) > 10 else ""
        out.print(f"[dim]seen in rows: {escape(rows)}{more}[/dim]")


class ExportWhat(StrEnum):
    entities = "entities"
    clusters = "clusters"


@app.command()
def export(
    what: Annotated[
        ExportWhat,
        typer.Argument(
            help="entities, or clusters: entity_id,canonical_id for every entity (CSV)."
        ),
    ] = ExportWhat.entities,
    fmt: Annotated[ExportFormat, typer.Option("--format", "-f", help="Output format.")] = (
        ExportFormat.ftm
    ),
    csv_flag: Annotated[bool, typer.Option("--csv", help="Same as --format csv.")] = False,
    output: Annotated[
        str, typer.Option("--output", "-o", help="Output file, or - for standard output.")
    ] = "-",
    dataset: Annotated[str | None, typer.Option(help="Only this dataset's values.")] = None,
) -> None:
    """Export entities as FtM JSON lines, CSV or XLSX, or the resolved clusters."""
    if csv_flag:
        fmt = ExportFormat.csv
    with open_workspace() as ws:
        if what is ExportWhat.clusters:
            if fmt is not ExportFormat.csv:
                raise InputError("clusters are exported as CSV: add --csv")
            if output == "-":
                count = ws.export_clusters(sys.stdout)
            else:
                with Path(output).open("w", encoding="utf-8", newline="") as fh:
                    count = ws.export_clusters(fh)
            if output != "-":
                err.print(f"Exported the clusters of {count:,} entities to {escape(output)}")
            return
        target = sys.stdout.buffer if output == "-" else Path(output)
        count = ws.export(fmt.value, target, dataset=dataset)
    if output != "-":
        err.print(f"Exported {count:,} entities to {escape(output)}")


@app.command()
def stats(
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Counts of entities, statements and datasets, by schema."""
    with open_workspace() as ws:
        data = ws.stats()
    if as_json:
        emit_json(data)
        return
    out.print(
        f"[bold]{data['entities']:,}[/bold] entities, {data['statements']:,} statements, "
        f"{data['datasets']} datasets, {data['indexed']:,} of {data['searchable']:,} searchable "
        f"entities indexed  [dim]{data['workspace']}[/dim]"
    )
    table = Table("schema", "entities")
    for name, count in data["schemata"].items():
        table.add_row(name, f"{count:,}")
    out.print(table)


@datasets_app.callback(invoke_without_command=True)
def datasets_list(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """List datasets (run without a subcommand)."""
    if ctx.invoked_subcommand is not None:
        return
    with open_workspace() as ws:
        infos = ws.datasets()
    if as_json:
        emit_json([info.__dict__ for info in infos])
        return
    table = Table("dataset", "entities", "statements", "sources", "last ingest")
    for info in infos:
        table.add_row(
            escape(info.name),
            f"{info.entities:,}",
            f"{info.statements:,}",
            escape(", ".join(info.sources)),
            str(info.last_ingest or ""),
        )
    out.print(table)


@datasets_app.command("drop")
def datasets_drop(
    name: Annotated[str, typer.Argument(help="Dataset to remove with all its statements.")],
) -> None:
    """Remove a dataset and everything loaded into it."""
    with open_workspace() as ws:
        ws.drop_dataset(name)
    err.print(f"Dropped dataset [bold]{escape(name)}[/bold]")


@app.command()
def reindex() -> None:
    """Rebuild the search index from the store."""
    with open_workspace() as ws, count_progress("indexing") as progress:
        count = ws.reindex(progress)
    err.print(f"Indexed {count:,} entities")


@app.command()
def demo(
    directory: Annotated[Path, typer.Argument(help="Where to create the demo workspace.")] = Path(
        "demo-workspace"
    ),
    force: Annotated[
        bool, typer.Option("--force", help="Replace an existing demo workspace there.")
    ] = False,
) -> None:
    """Create a workspace loaded with the bundled synthetic demo data."""
    from threadline.demo.sources import DEMO_SOURCES

    if directory.exists() and any(directory.iterdir()):
        if not (directory / CONFIG_FILE).exists():
            raise WorkspaceError(f"{directory} exists and is not a workspace; choose another place")
        if not force:
            raise WorkspaceError(f"{directory} already exists; pass --force to replace it")
        shutil.rmtree(directory)
    with Workspace.init(directory) as ws:
        for source in DEMO_SOURCES:
            with ingest_progress(f"{source.path.name} → {source.dataset}") as progress:
                report = ws.ingest(source.path, source.dataset, source.mapping, progress=progress)
            err.print(
                f"{source.dataset:>12}: {report.records:,} rows from {report.source}, "
                f"{report.entities:,} entities"
            )
        stats_data = ws.stats()
    err.print(
        f"Demo workspace ready in [bold]{escape(str(directory))}[/bold]: "
        f"{stats_data['entities']:,} entities. Try: threadline -w {escape(str(directory))} "
        'search "Иван Петров"'
    )


# Commands in modules of their own register themselves on ``app``.
from threadline.cli import (  # noqa: E402
    access_cmds,
    graph_cmds,
    graph_network_cmds,
    resolve_cmds,
    serve_cmds,
)

_ = (access_cmds, graph_cmds, graph_network_cmds, resolve_cmds, serve_cmds)


def main() -> None:
    try:
        app(standalone_mode=False)
    except ThreadlineError as exc:
        # soft_wrap: one line per error, whatever the width, so logs and greps work.
        err.print(f"[red]Error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err.print("Interrupted; nothing was changed by the interrupted command.")
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        sys.exit(1)
    except Exception as exc:
        # Usage errors (Typer's vendored click) know how to show themselves.
        show = getattr(exc, "show", None)
        if callable(show) and hasattr(exc, "exit_code"):
            show()
            sys.exit(exc.exit_code)
        raise


if __name__ == "__main__":
    main()

"""Workspace commands: init, ingest, stats, datasets, reindex, demo.
Thin, like every command: parse, call the workspace, render."""

from __future__ import annotations

import shutil
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from threadline.cli.common import (
    count_progress,
    document_progress,
    emit_json,
    err,
    ingest_progress,
    open_workspace,
    out,
    record_change,
)
from threadline.cli.options import JsonOpt, JsonReportOpt

if TYPE_CHECKING:
    from threadline.ingest.pipeline import IngestReport


class OnErrorChoice(StrEnum):
    fail = "fail"
    skip = "skip"
    drop_value = "drop-value"


def init(
    directory: Annotated[Path, typer.Argument(help="Directory to create the workspace in.")],
    store: Annotated[
        str | None,
        typer.Option(
            "--store",
            help="Team mode: keep the statements in PostgreSQL, e.g. "
            "postgresql://USER@HOST:5432/DB (password in $PGPASSWORD or ~/.pgpass). "
            "Default: store.duckdb in the workspace.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Create a new, empty workspace."""
    from threadline.workspace import Workspace

    Workspace.init(directory, store_url=store).close()
    err.print(f"Created workspace [bold]{escape(str(directory))}[/bold]")


def ingest(
    path: Annotated[
        Path,
        typer.Argument(
            help="File or folder to load: a table (CSV, TSV, XLSX, JSON, NDJSON, "
            "Parquet, FtM entities or statements) or documents (PDF, images, DOCX, PPTX, "
            "ODT, RTF, HTML, text, EML, MBOX, ZIP, TAR, 7z; a folder is read recursively). "
            "'-' reads a table from standard input (format from --format or its first bytes)."
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
            "a rejects file and load the rest; drop-value: keep every row, leaving "
            "out only the values that cannot be cleaned (counted in the report).",
        ),
    ] = OnErrorChoice.fail,
    delimiter: Annotated[
        str | None,
        typer.Option(help="CSV delimiter (default: detected, e.g. ';' in many registries)."),
    ] = None,
    splits: Annotated[
        list[str] | None,
        typer.Option(
            "--split",
            help="Quick mode: PROPERTY=SEPARATOR, several values in one cell "
            "(e.g. --split 'alias=;'). Repeatable.",
        ),
    ] = None,
    date_formats: Annotated[
        list[str] | None,
        typer.Option(
            "--date-format",
            help="Quick mode: PROPERTY=FORMAT, a date column's strptime format "
            "(e.g. --date-format 'birthDate=%d.%m.%Y'). Repeatable.",
        ),
    ] = None,
    ocr_lang: Annotated[
        str,
        typer.Option(
            "--ocr-lang",
            help="Documents: Tesseract languages for scans, e.g. eng, rus+ukr, "
            "eng+fra+deu+spa+rus+ukr (more languages read slower).",
        ),
    ] = "eng",
    retry_failed: Annotated[
        bool,
        typer.Option(
            "--retry-failed", help="Documents: parse again the files that failed last time."
        ),
    ] = False,
    workers: Annotated[
        int | None,
        typer.Option(help="Documents: parallel worker processes (default: every core)."),
    ] = None,
    as_json: JsonReportOpt = False,
) -> None:
    """Load a file into a dataset. Re-running it replaces what it loaded before.
    Documents, folders and archives are parsed in sandboxed workers; a re-run
    processes only new, changed (or, with --retry-failed, failed) files."""
    from threadline.ingest.documents.choose import is_table

    stdin = str(path) == "-"
    if not stdin and not is_table(path, bool(mapping or schema or maps)):
        _ingest_documents(path, dataset, ocr_lang, retry_failed, workers, as_json)
        return
    split_map = _pairs("--split", splits)
    format_map = _pairs("--date-format", date_formats)
    label = "standard input" if stdin else path.name
    with open_workspace() as ws, ingest_progress(f"{label} → {dataset}") as progress:
        options: dict[str, Any] = {
            "schema": schema,
            "maps": maps or [],
            "keys": keys or [],
            "encoding": encoding,
            "sheet": sheet,
            "on_error": on_error.value,
            "delimiter": delimiter,
            "splits": split_map,
            "date_formats": format_map,
            "progress": progress,
        }
        if stdin:
            import sys

            report = ws.ingest_stream(sys.stdin.buffer, dataset, mapping, format=fmt, **options)
        else:
            report = ws.ingest(path, dataset, mapping, format=fmt, **options)
    record_change("ingest", report.dataset, _ingest_details(report))
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
    if report.dropped_values:
        where = f"; see {escape(str(report.rejects_path))}" if report.rejects_path else ""
        err.print(f"[yellow]Left out {report.dropped_values:,} bad values[/yellow]{where}")


def _ingest_documents(
    path: Path, dataset: str, ocr_lang: str, retry_failed: bool, workers: int | None, as_json: bool
) -> None:
    with open_workspace() as ws, document_progress(f"{path.name} → {dataset}") as progress:
        report = ws.ingest_documents(
            path,
            dataset,
            ocr_languages=ocr_lang,
            retry_failed=retry_failed,
            workers=workers,
            progress=progress,
        )
    details = {
        "source": report.source,
        "format": "documents",
        "files": report.files,
        "processed": report.processed,
        "skipped": report.skipped,
        "failed": len(report.failed),
        "pages": report.pages,
        "entities": report.entities,
    }
    record_change("ingest", report.dataset, details)
    if as_json:
        emit_json(report.to_dict())
    else:
        _print_document_report(report)
    if report.failed:
        from threadline.errors import DocumentsFailed

        raise DocumentsFailed(
            f"{len(report.failed):,} of {report.files:,} files could not be read; each is "
            "recorded (processingStatus failure, with stage and reason) and "
            "`--retry-failed` tries them again"
        )


def _print_document_report(report: Any) -> None:
    err.print(
        f"Read [bold]{report.processed:,}[/bold] files ({report.pages:,} pages) from "
        f"{escape(report.source)} into [bold]{escape(report.dataset)}[/bold]: "
        f"{report.entities:,} entities; {report.skipped:,} unchanged files skipped "
        f"({report.seconds:,.1f} s)"
    )
    for source in report.encrypted:
        err.print(f"[yellow]encrypted[/yellow] {escape(source)}")
    for source, stage, reason in report.failed:
        err.print(f"[red]failed[/red] at {stage}: {escape(source)}: {escape(reason)}")


def _ingest_details(report: IngestReport) -> dict[str, Any]:
    """What the audit log keeps of an ingest: the file and its counts."""
    data = report.to_dict()
    keep = ("source", "sha256", "format", "records", "entities", "statements", "rejected")
    return {key: data[key] for key in keep if key in data}


def _pairs(option: str, items: list[str] | None) -> dict[str, str] | None:
    """``PROP=VALUE`` options as a dict, or a clear error naming the option."""
    from threadline.errors import InputError

    if not items:
        return None
    found: dict[str, str] = {}
    for item in items:
        prop, sep, value = item.partition("=")
        if not sep or not prop.strip() or not value:
            raise InputError(
                f"{option} takes PROPERTY=VALUE, not {item!r}",
                hint=f"for example {option} 'alias=;'"
                if option == "--split"
                else f"for example {option} 'birthDate=%d.%m.%Y'",
            )
        found[prop.strip()] = value
    return found


def stats(as_json: JsonOpt = False) -> None:
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


def datasets_list(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """List datasets (run without a subcommand)."""
    if ctx.invoked_subcommand is not None:
        return
    with open_workspace() as ws:
        infos = ws.datasets()
    if as_json:
        from dataclasses import asdict

        # asdict, not __dict__: DatasetInfo has slots (`datasets --json` failed)
        emit_json([asdict(info) for info in infos])
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


def datasets_drop(
    name: Annotated[str, typer.Argument(help="Dataset to remove with all its statements.")],
) -> None:
    """Remove a dataset and everything loaded into it."""
    with open_workspace() as ws:
        ws.drop_dataset(name)
    record_change("dataset.drop", name)
    err.print(f"Dropped dataset [bold]{escape(name)}[/bold]")


def reindex() -> None:
    """Rebuild the search index from the store."""
    with open_workspace() as ws, count_progress("indexing") as progress:
        count = ws.reindex(progress)
    err.print(f"Indexed {count:,} entities")


def demo(
    directory: Annotated[Path, typer.Argument(help="Where to create the demo workspace.")] = Path(
        "demo-workspace"
    ),
    force: Annotated[
        bool, typer.Option("--force", help="Replace an existing demo workspace there.")
    ] = False,
) -> None:
    """Create a workspace loaded with the bundled synthetic demo data: the
    tables, then the documents (a PDF, a scan, a mailbox, a ZIP)."""
    from threadline.demo.sources import DEMO_DOCUMENTS, DEMO_SOURCES, DOCUMENTS_DATASET
    from threadline.errors import WorkspaceError
    from threadline.workspace import CONFIG_FILE, Workspace

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
        with document_progress(f"{DEMO_DOCUMENTS.name} → {DOCUMENTS_DATASET}") as progress:
            documents = ws.ingest_documents(DEMO_DOCUMENTS, DOCUMENTS_DATASET, progress=progress)
        err.print(
            f"{DOCUMENTS_DATASET:>12}: {documents.processed:,} files, {documents.pages:,} pages, "
            f"{documents.mentions:,} mentions of known people and companies"
        )
        for failed, stage, reason in documents.failed:
            # OCR needs Tesseract (make doc-tools); the rest still loads
            err.print(f"[yellow]{escape(failed)}: {stage}: {escape(reason)}[/yellow]")
        stats_data = ws.stats()
    err.print(
        f"Demo workspace ready in [bold]{escape(str(directory))}[/bold]: "
        f"{stats_data['entities']:,} entities. Try: threadline -w {escape(str(directory))} "
        'search "Иван Петров"'
    )

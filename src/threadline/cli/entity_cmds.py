"""Looking at entities: search, show (every value with its source, and the
merge behind it), export. Thin, like every command: parse, call the
workspace, render."""

from __future__ import annotations

import html
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from threadline.cli.common import catch_up_index, emit_json, err, open_workspace, out, record_read
from threadline.cli.options import CaseOpt, JsonResultsOpt, OutputOpt, PurposeOpt
from threadline.cli.resolve_cmds import show_resolution

if TYPE_CHECKING:
    from threadline.model.entity import Entity


def search(
    query: Annotated[str, typer.Argument(help="Names or text; any script, typos allowed.")],
    schema: Annotated[str | None, typer.Option(help="Only this schema (and its children).")] = None,
    dataset: Annotated[str | None, typer.Option(help="Only this dataset.")] = None,
    country: Annotated[str | None, typer.Option(help="Only this country code, e.g. ru.")] = None,
    limit: Annotated[int, typer.Option(help="How many results.", min=1, max=1000)] = 20,
    mime: Annotated[
        str | None, typer.Option("--mime", help="Documents: only this MIME type.")
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="Documents: dated on or after (YYYY[-MM[-DD]]).")
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="Documents: dated on or before (YYYY[-MM[-DD]]).")
    ] = None,
    as_json: JsonResultsOpt = False,
    purpose: PurposeOpt = None,
    case: CaseOpt = None,
) -> None:
    """Search entities by name and text, and documents by their text (words,
    "a phrase" in double quotes); document hits come with page and snippet."""
    filters = {
        "schema": schema,
        "dataset": dataset,
        "country": country,
        "mime": mime,
        "since": since,
        "until": until,
    }
    details = (
        {"filters": {k: v for k, v in filters.items() if v}} if any(filters.values()) else None
    )
    record_read("search", query, purpose=purpose, case=case, details=details)
    with open_workspace() as ws:
        catch_up_index(ws)
        only_documents = bool(mime or since or until)
        hits = (
            []
            if only_documents
            else ws.search(query, schema=schema, dataset=dataset, country=country, limit=limit)
        )
        # a country filter is about entities: documents have none
        text_hits = (
            []
            if country
            else ws.search_text(
                query,
                schema=schema,
                dataset=dataset,
                mime_type=mime,
                date_from=since,
                date_to=until,
                limit=limit,
            )
        )
    if as_json:
        emit_json([{"kind": "entity", **hit.__dict__} for hit in hits] + _document_rows(text_hits))
        return
    if not hits and not text_hits:
        err.print("No results.")
        return
    if text_hits:
        _print_text_hits(text_hits)
    if not hits:
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


def _document_rows(hits: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "kind": "document",
            "id": hit.document_id,
            "entity_id": hit.unit_id,
            "schema": hit.schema,
            "fileName": hit.file_name,
            "page": hit.page,
            "snippet": hit.snippet,
            "score": hit.score,
            "datasets": hit.datasets,
            "mimeType": hit.mime_type,
        }
        for hit in hits
    ]


def _print_text_hits(hits: list[Any]) -> None:
    table = Table("#", "document", "page", "snippet", "schema", "id", title="Documents")
    for rank, hit in enumerate(hits, start=1):
        # the snippet is HTML (escaped text, matches in <b>); show it as rich markup
        marked = hit.snippet.replace("<b>", "\x00").replace("</b>", "\x01")
        snippet = escape(html.unescape(marked))
        snippet = snippet.replace("\x00", "[bold yellow]").replace("\x01", "[/bold yellow]")
        table.add_row(
            str(rank),
            escape(hit.file_name),
            str(hit.page or ""),
            snippet.replace("\n", " "),
            hit.schema,
            hit.document_id,
        )
    out.print(table)


def show(
    entity_id: Annotated[
        str, typer.Argument(help="Entity or canonical id (see `threadline search`).")
    ],
    unmerged: Annotated[
        bool, typer.Option("--unmerged", help="Only this record, not its merged cluster.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the entity as JSON.")] = False,
    purpose: PurposeOpt = None,
    case: CaseOpt = None,
) -> None:
    """Show an entity: every value, with the dataset and source row it came from.
    A merged entity shows all its members' values and the evidence for the merge."""
    record_read("view", entity_id, purpose=purpose, case=case)
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


class ResolvedFormat(StrEnum):
    ftm = "ftm"
    statements = "statements"


class ExportFormat(StrEnum):
    ftm = "ftm"
    csv = "csv"
    xlsx = "xlsx"


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
    output: OutputOpt = "-",
    dataset: Annotated[str | None, typer.Option(help="Only this dataset's values.")] = None,
    resolved: Annotated[
        ResolvedFormat | None,
        typer.Option(
            "--resolved",
            help="One entity per resolved entity: ftm (its canonical id, every value, "
            "its members as referents) or statements (FtM statement CSV with sources).",
        ),
    ] = None,
    purpose: PurposeOpt = None,
    case: CaseOpt = None,
) -> None:
    """Export entities as FtM JSON lines, CSV or XLSX, the resolved entities,
    or the resolved clusters."""
    from threadline.errors import InputError

    if csv_flag:
        fmt = ExportFormat.csv
    shape = f"resolved {resolved.value}" if resolved is not None else f"{what.value} {fmt.value}"
    details = {"format": shape, "output": output, "dataset": dataset}
    record_read("export", shape, purpose=purpose, case=case, details=details)
    if resolved is not None:
        if what is not ExportWhat.entities or dataset is not None:
            raise InputError("--resolved exports every entity: leave out clusters and --dataset")
        with open_workspace() as ws:
            target = sys.stdout.buffer if output == "-" else Path(output)
            count = ws.export_resolved(resolved.value, target)
        if output != "-":
            err.print(f"Exported {count:,} resolved entities to {escape(output)}")
        return
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

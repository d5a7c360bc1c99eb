"""`threadline graph ...`: neighbours, paths, ownership, networks, exports.
Thin, like every command: parse, call the graph library, render a table for
people or JSON (``--json``) for programs."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from threadline.cli.app import app, open_workspace
from threadline.cli.output import emit_json, err, out
from threadline.graph import paths as graph_paths
from threadline.graph.filters import EdgeFilter
from threadline.graph.ownership import holdings, owners
from threadline.graph.structure import NO_END, NO_START, Graph
from threadline.graph.views import (
    neighbourhood_dict,
    ownership_dict,
    paths_dict,
)
from threadline.workspace import Workspace

graph_app = typer.Typer(
    help="Follow links between resolved entities: neighbours, paths, owners, networks.",
    rich_markup_mode=None,
    no_args_is_help=True,
)
app.add_typer(graph_app, name="graph")


class DirectionChoice(StrEnum):
    both = "both"
    out = "out"
    in_ = "in"


TypeOpt = Annotated[
    list[str] | None,
    typer.Option("--type", "-t", help="Only edges of this type (Ownership, authority, ...)."),
]
SchemaOpt = Annotated[
    list[str] | None, typer.Option("--schema", help="Only reach entities of this schema.")
]
DatasetOpt = Annotated[
    list[str] | None, typer.Option("--dataset", help="Only edges from this dataset.")
]
AsOfOpt = Annotated[
    str | None, typer.Option("--as-of", help="Only edges in force on this date (YYYY[-MM[-DD]]).")
]
DirectionOpt = Annotated[
    DirectionChoice, typer.Option("--direction", help="Follow edges out, in, or both ways.")
]
PivotOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--pivot",
        help="Also link entities sharing a value: phone, email, address, iban, identifier.",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


def _filter(
    types: list[str] | None,
    schemata: list[str] | None,
    datasets: list[str] | None,
    as_of: str | None,
    direction: DirectionChoice = DirectionChoice.both,
) -> EdgeFilter:
    return EdgeFilter.of(types, schemata, datasets, as_of, direction.value)


def _graph(ws: Workspace, pivots: list[str] | None) -> Graph:
    def progress(message: str) -> None:
        err.print(f"[dim]{escape(message)}...[/dim]")

    return ws.graph(pivots or (), progress=progress)


def _name(graph: Graph, node: int) -> str:
    schema = graph.schema_of(node) or "?"
    return f"{escape(graph.captions[node])} [dim]({schema}, {escape(graph.node_ids[node])})[/dim]"


def _period(start: int, end: int) -> str:
    if start == NO_START and end == NO_END:
        return ""
    left = "" if start == NO_START else str(start)[:4]
    right = "" if end == NO_END else str(end)[:4]
    return f" {left}–{right}"


def _edge_text(graph: Graph, edge: int, here: int) -> str:
    """One edge as an arrow read from ``here``: -[Ownership 50%]-> or <-[...]-."""
    label = graph.type_of(edge)
    pct = float(graph.pct[edge])
    if pct == pct:  # not NaN
        label += f" {pct:g}%"
    label += _period(int(graph.start[edge]), int(graph.end[edge]))
    forward = int(graph.src[edge]) == here
    return f"-[{escape(label)}]->" if forward else f"<-[{escape(label)}]-"


@graph_app.command("neighbours")
def neighbours_cmd(
    entity_id: Annotated[str, typer.Argument(help="Entity id (canonical or member).")],
    depth: Annotated[int, typer.Option(help="How many hops out.", min=1, max=6)] = 1,
    types: TypeOpt = None,
    schemata: SchemaOpt = None,
    datasets: DatasetOpt = None,
    as_of: AsOfOpt = None,
    direction: DirectionOpt = DirectionChoice.both,
    limit: Annotated[int, typer.Option(help="Stop after this many entities.", min=1)] = 1000,
    pivots: PivotOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Entities linked to ENTITY_ID within --depth hops, with the edges followed."""
    with open_workspace() as ws:
        graph = _graph(ws, pivots)
        flt = _filter(types, schemata, datasets, as_of, direction)
        hood = graph_paths.neighbours(graph, entity_id, depth, flt, limit)
        if as_json:
            emit_json(neighbourhood_dict(graph, hood))
            return
        table = Table("depth", "entity", "schema", "id", title=graph.captions[hood.center])
        for node, level in sorted(hood.depths.items(), key=lambda kv: kv[1]):
            if node != hood.center:
                table.add_row(
                    str(level),
                    escape(graph.captions[node]),
                    graph.schema_of(node),
                    escape(graph.node_ids[node]),
                )
        out.print(table)
        err.print(f"{len(hood.depths) - 1} entities, {len(hood.edges)} edges")
        if hood.truncated:
            err.print(f"[yellow]Stopped at --limit {limit}; raise it to see more.[/yellow]")


@graph_app.command("path")
def path_cmd(
    source: Annotated[str, typer.Argument(help="Entity id to start from.")],
    target: Annotated[str, typer.Argument(help="Entity id to reach.")],
    all_paths: Annotated[
        bool, typer.Option("--all", help="Every simple path up to --max-depth, not one shortest.")
    ] = False,
    max_depth: Annotated[int, typer.Option(help="Longest path in hops.", min=1, max=12)] = 6,
    limit: Annotated[int, typer.Option(help="With --all, stop after this many paths.")] = 100,
    types: TypeOpt = None,
    schemata: SchemaOpt = None,
    datasets: DatasetOpt = None,
    as_of: AsOfOpt = None,
    direction: DirectionOpt = DirectionChoice.both,
    pivots: PivotOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """How SOURCE is connected to TARGET: the shortest path, or all of them, each
    hop citing its edges and their sources."""
    with open_workspace() as ws:
        graph = _graph(ws, pivots)
        flt = _filter(types, schemata, datasets, as_of, direction)
        if all_paths:
            result = graph_paths.all_paths(graph, source, target, max_depth, flt, limit)
        else:
            result = graph_paths.shortest_path(graph, source, target, flt, max_depth)
        if as_json:
            emit_json(paths_dict(graph, result))
            return
        if not result.paths:
            err.print(f"No path within {max_depth} hops.")
            raise typer.Exit(1)
        for number, path in enumerate(result.paths, 1):
            out.print(f"[bold]Path {number}[/bold] ({path.length} hops)")
            out.print("  " + _name(graph, path.nodes[0]))
            for hop in path.hops:
                arrows = ", ".join(_edge_text(graph, e, hop.source) for e in hop.edges)
                out.print(f"    {arrows}")
                out.print("  " + _name(graph, hop.target))
        if result.truncated:
            err.print(f"[yellow]Stopped at --limit {limit} paths.[/yellow]")


def _ownership_table(graph: Graph, result: Any, title: str) -> None:
    table = Table("entity", "schema", "share %", "chains", "via", title=title)
    for holding in result.holdings:
        share = holding.share
        text = "unknown" if share is None else f"{share:.2f}"
        if share is not None and not holding.complete:
            text = f"≥ {text}"
        via = "; ".join(
            " → ".join(escape(graph.captions[n]) for n in chain.nodes)
            for chain in holding.chains[:3]
        )
        table.add_row(
            escape(graph.captions[holding.node]),
            graph.schema_of(holding.node),
            text,
            str(len(holding.chains)),
            via,
        )
    out.print(table)
    if result.truncated:
        err.print("[yellow]Chains were cut at the depth or count limit.[/yellow]")


@graph_app.command("owners")
def owners_cmd(
    entity_id: Annotated[str, typer.Argument(help="The company (or asset) to look up.")],
    threshold: Annotated[
        float, typer.Option(help="Only owners with at least this effective share (%).")
    ] = 0.0,
    all_levels: Annotated[
        bool, typer.Option("--all-levels", help="Also list owners that are owned in turn.")
    ] = False,
    datasets: DatasetOpt = None,
    as_of: AsOfOpt = None,
    max_depth: Annotated[int, typer.Option(help="Longest chain followed.", min=1)] = 12,
    as_json: JsonOpt = False,
) -> None:
    """Ultimate owners of ENTITY_ID through chains of companies: effective share
    (the sum over chains of the product of percentages) and the chains as evidence.
    Unstated percentages make a chain's share unknown, never guessed."""
    with open_workspace() as ws:
        graph = _graph(ws, None)
        flt = _filter(None, None, datasets, as_of)
        result = owners(
            graph, entity_id, threshold, flt, ultimate_only=not all_levels, max_depth=max_depth
        )
        if as_json:
            emit_json(ownership_dict(graph, result))
            return
        _ownership_table(graph, result, f"Owners of {graph.captions[result.subject]}")


@graph_app.command("holdings")
def holdings_cmd(
    entity_id: Annotated[str, typer.Argument(help="The person or company whose holdings to list.")],
    threshold: Annotated[
        float, typer.Option(help="Only holdings with at least this effective share (%).")
    ] = 0.0,
    datasets: DatasetOpt = None,
    as_of: AsOfOpt = None,
    max_depth: Annotated[int, typer.Option(help="Longest chain followed.", min=1)] = 12,
    as_json: JsonOpt = False,
) -> None:
    """Everything ENTITY_ID owns, directly or through its companies, with effective shares."""
    with open_workspace() as ws:
        graph = _graph(ws, None)
        flt = _filter(None, None, datasets, as_of)
        result = holdings(graph, entity_id, threshold, flt, max_depth=max_depth)
        if as_json:
            emit_json(ownership_dict(graph, result))
            return
        _ownership_table(graph, result, f"Held by {graph.captions[result.subject]}")


@graph_app.command("stats")
def stats_cmd(
    pivots: PivotOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Size of the link graph: entities, and edges by type."""
    with open_workspace() as ws:
        graph = _graph(ws, pivots)
        counts: dict[str, int] = {}
        for code, name in enumerate(graph.type_names):
            counts[name] = int((graph.etype == code).sum())
        data = {
            "nodes": graph.node_count,
            "edges": graph.edge_count,
            "edge_types": dict(sorted(counts.items(), key=lambda kv: -kv[1])),
        }
        if as_json:
            emit_json(data)
            return
        table = Table("edge type", "edges", title=f"{graph.node_count:,} entities")
        for name, count in data["edge_types"].items():  # type: ignore[attr-defined]
            table.add_row(escape(name), f"{count:,}")
        out.print(table)

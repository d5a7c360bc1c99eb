"""`threadline graph ...`: neighbours, paths, ownership, networks, exports.
Thin, like every command: parse, call the graph library, render a table for
people or JSON (``--json``) for programs. The filters every graph command
shares come as one ``GraphScope`` (``cli/options.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from threadline.cli.common import emit_json, err, open_workspace, out
from threadline.cli.options import (
    EVERYTHING,
    ChainDepthOpt,
    GraphScope,
    JsonResultOpt,
    graph_scope,
)

if TYPE_CHECKING:
    from threadline.graph.structure import Graph


def _name(graph: Graph, node: int) -> str:
    schema = graph.schema_of(node) or "?"
    return f"{escape(graph.captions[node])} [dim]({schema}, {escape(graph.node_ids[node])})[/dim]"


def _period(start: int, end: int) -> str:
    from threadline.graph.structure import NO_END, NO_START

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


@graph_scope("types", "schemata", "datasets", "as_of", "direction", "pivots", "mentions")
def neighbours_cmd(
    entity_id: Annotated[str, typer.Argument(help="Entity id (canonical or member).")],
    depth: Annotated[int, typer.Option(help="How many hops out.", min=1, max=6)] = 1,
    limit: Annotated[int, typer.Option(help="Stop after this many entities.", min=1)] = 1000,
    scope: GraphScope = EVERYTHING,
    as_json: JsonResultOpt = False,
) -> None:
    """Entities linked to ENTITY_ID within --depth hops, with the edges followed."""
    from threadline.graph import paths as graph_paths
    from threadline.graph.views import neighbourhood_dict

    with open_workspace() as ws:
        graph = scope.graph(ws)
        hood = graph_paths.neighbours(graph, entity_id, depth, scope.edge_filter(), limit)
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


@graph_scope("types", "schemata", "datasets", "as_of", "direction", "pivots", "mentions")
def path_cmd(
    source: Annotated[str, typer.Argument(help="Entity id to start from.")],
    target: Annotated[str, typer.Argument(help="Entity id to reach.")],
    all_paths: Annotated[
        bool, typer.Option("--all", help="Every simple path up to --max-depth, not one shortest.")
    ] = False,
    max_depth: Annotated[int, typer.Option(help="Longest path in hops.", min=1, max=12)] = 6,
    limit: Annotated[int, typer.Option(help="With --all, stop after this many paths.")] = 100,
    scope: GraphScope = EVERYTHING,
    as_json: JsonResultOpt = False,
) -> None:
    """How SOURCE is connected to TARGET: the shortest path, or all of them, each
    hop citing its edges and their sources."""
    from threadline.graph import paths as graph_paths
    from threadline.graph.views import paths_dict

    with open_workspace() as ws:
        graph = scope.graph(ws)
        flt = scope.edge_filter()
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


@graph_scope("datasets", "as_of")
def owners_cmd(
    entity_id: Annotated[str, typer.Argument(help="The company (or asset) to look up.")],
    threshold: Annotated[
        float, typer.Option(help="Only owners with at least this effective share (%).")
    ] = 0.0,
    all_levels: Annotated[
        bool, typer.Option("--all-levels", help="Also list owners that are owned in turn.")
    ] = False,
    scope: GraphScope = EVERYTHING,
    max_depth: ChainDepthOpt = 12,
    as_json: JsonResultOpt = False,
) -> None:
    """Ultimate owners of ENTITY_ID through chains of companies: effective share
    (the sum over chains of the product of percentages) and the chains as evidence.
    Unstated percentages make a chain's share unknown, never guessed."""
    from threadline.graph.ownership import owners
    from threadline.graph.views import ownership_dict

    with open_workspace() as ws:
        graph = scope.graph(ws)
        result = owners(
            graph,
            entity_id,
            threshold,
            scope.edge_filter(),
            ultimate_only=not all_levels,
            max_depth=max_depth,
        )
        if as_json:
            emit_json(ownership_dict(graph, result))
            return
        _ownership_table(graph, result, f"Owners of {graph.captions[result.subject]}")


@graph_scope("datasets", "as_of")
def holdings_cmd(
    entity_id: Annotated[str, typer.Argument(help="The person or company whose holdings to list.")],
    threshold: Annotated[
        float, typer.Option(help="Only holdings with at least this effective share (%).")
    ] = 0.0,
    scope: GraphScope = EVERYTHING,
    max_depth: ChainDepthOpt = 12,
    as_json: JsonResultOpt = False,
) -> None:
    """Everything ENTITY_ID owns, directly or through its companies, with effective shares."""
    from threadline.graph.ownership import holdings
    from threadline.graph.views import ownership_dict

    with open_workspace() as ws:
        graph = scope.graph(ws)
        result = holdings(graph, entity_id, threshold, scope.edge_filter(), max_depth=max_depth)
        if as_json:
            emit_json(ownership_dict(graph, result))
            return
        _ownership_table(graph, result, f"Held by {graph.captions[result.subject]}")


@graph_scope("pivots", "mentions", audited=False)
def stats_cmd(scope: GraphScope = EVERYTHING, as_json: JsonResultOpt = False) -> None:
    """Size of the link graph: entities, and edges by type."""
    with open_workspace() as ws:
        graph = scope.graph(ws)
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

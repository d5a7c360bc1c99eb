"""`threadline graph components|centrality|communities|export`: whole-network
views and exports, over the whole graph or the neighbourhood of one entity
(``--around ID --depth K``)."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from threadline.cli.common import emit_json, err, open_workspace, out
from threadline.cli.options import (
    EVERYTHING,
    AroundDepthOpt,
    AroundOpt,
    GraphScope,
    JsonResultOpt,
    graph_scope,
)
from threadline.graph import EXPORT_FORMAT_NAMES

if TYPE_CHECKING:
    from threadline.graph.export import Subgraph
    from threadline.graph.filters import EdgeFilter
    from threadline.graph.structure import Graph


def _around(graph: Graph, around: str | None, depth: int, flt: EdgeFilter) -> list[int] | None:
    from threadline.graph.paths import neighbours

    if around is None:
        return None
    return sorted(neighbours(graph, around, depth, flt, limit=None).depths)


def _group_table(title: str, data: dict[str, Any], key: str) -> None:
    table = Table("#", "size", "largest members", title=title)
    for number, group in enumerate(data[key], 1):
        names = ", ".join(escape(m["caption"]) for m in group["members"][:5])
        table.add_row(str(number), f"{group['size']:,}", names)
    out.print(table)


@graph_scope("types", "schemata", "datasets", "as_of", "pivots", "mentions")
def components_cmd(
    min_size: Annotated[int, typer.Option(help="Smallest component listed.", min=1)] = 2,
    around: AroundOpt = None,
    depth: AroundDepthOpt = 2,
    scope: GraphScope = EVERYTHING,
    as_json: JsonResultOpt = False,
) -> None:
    """Connected groups of entities (links followed either way), largest first."""
    from threadline.graph import analytics

    with open_workspace() as ws:
        graph = scope.graph(ws)
        flt = scope.edge_filter()
        result = analytics.components(graph, flt, _around(graph, around, depth, flt), min_size)
        data = result.to_dict(graph)
        if as_json:
            emit_json(data)
            return
        _group_table("Connected components", data, "components")


class MeasureChoice(StrEnum):
    degree = "degree"
    betweenness = "betweenness"
    pagerank = "pagerank"


@graph_scope("types", "schemata", "datasets", "as_of", "direction", "pivots", "mentions")
def centrality_cmd(
    measure: Annotated[MeasureChoice, typer.Argument(help="degree, betweenness or pagerank.")],
    top: Annotated[int, typer.Option(help="How many entities to list.", min=1)] = 20,
    cutoff: Annotated[
        int | None,
        typer.Option(help="Betweenness: only paths up to this many hops (needed on big graphs)."),
    ] = None,
    around: AroundOpt = None,
    depth: AroundDepthOpt = 2,
    scope: GraphScope = EVERYTHING,
    as_json: JsonResultOpt = False,
) -> None:
    """The most central entities: most linked (degree), most often on shortest
    paths between others (betweenness), or most pointed at (PageRank)."""
    from threadline.graph import analytics

    with open_workspace() as ws:
        graph = scope.graph(ws)
        flt = scope.edge_filter()
        nodes = _around(graph, around, depth, scope.edge_filter(either_way=True))
        result = analytics.centrality(graph, measure.value, flt, nodes, top=top, cutoff=cutoff)
        data = result.to_dict(graph)
        if as_json:
            emit_json(data)
            return
        table = Table("entity", "schema", measure.value, title=f"Top {top} by {measure.value}")
        for row in data["results"]:
            table.add_row(escape(row["caption"]), row["schema"] or "", f"{row['score']:.6g}")
        out.print(table)


class MethodChoice(StrEnum):
    leiden = "leiden"
    louvain = "louvain"


@graph_scope("types", "schemata", "datasets", "as_of", "pivots", "mentions")
def communities_cmd(
    method: Annotated[MethodChoice, typer.Option(help="Leiden (better) or Louvain (faster).")] = (
        MethodChoice.leiden
    ),
    resolution: Annotated[
        float, typer.Option(help="Higher gives more, smaller communities.", min=0.0)
    ] = 1.0,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same answer).")] = 0,
    min_size: Annotated[int, typer.Option(help="Smallest community listed.", min=1)] = 2,
    around: AroundOpt = None,
    depth: AroundDepthOpt = 2,
    scope: GraphScope = EVERYTHING,
    as_json: JsonResultOpt = False,
) -> None:
    """Groups of entities more linked among themselves than to the rest."""
    from threadline.graph import analytics

    with open_workspace() as ws:
        graph = scope.graph(ws)
        flt = scope.edge_filter()
        result = analytics.communities(
            graph,
            flt,
            _around(graph, around, depth, flt),
            method.value,
            resolution,
            seed,
            min_size,
        )
        data = result.to_dict(graph)
        if as_json:
            emit_json(data)
            return
        _group_table(f"Communities (modularity {data.get('modularity')})", data, "communities")


@graph_scope("types", "schemata", "datasets", "as_of", "pivots", "mentions")
def export_cmd(
    fmt: Annotated[
        str,
        typer.Argument(
            metavar="FORMAT",
            help="ftm, " + ", ".join(EXPORT_FORMAT_NAMES) + ".",
        ),
    ],
    output: Annotated[
        str, typer.Option("-o", "--output", help="File (or folder for neo4j-csv); - for stdout.")
    ] = "-",
    around: AroundOpt = None,
    depth: AroundDepthOpt = 2,
    path: Annotated[
        tuple[str, str] | None,
        typer.Option("--path", help="Only the shortest path between two entities."),
    ] = None,
    scope: GraphScope = EVERYTHING,
) -> None:
    """Export the graph, a neighbourhood (--around) or a path (--path) for Gephi
    (gexf), most tools (graphml), Neo4j, FtM, or as a Mermaid/DOT diagram."""
    from threadline.errors import InputError
    from threadline.export import export_entities
    from threadline.graph.export import Subgraph, export_graph
    from threadline.graph.paths import neighbours, shortest_path

    with open_workspace() as ws:
        graph = scope.graph(ws)
        flt = scope.edge_filter()
        sub: Subgraph | None = None
        if around is not None and path is not None:
            raise InputError("give --around or --path, not both")
        if around is not None:
            sub = Subgraph.from_neighbourhood(neighbours(graph, around, depth, flt, limit=None))
        elif path is not None:
            found = shortest_path(graph, path[0], path[1], flt)
            if not found.paths:
                raise InputError(f"no path between {path[0]!r} and {path[1]!r}")
            sub = Subgraph.from_paths(found)
        elif not flt.is_open or flt.schemata:
            sub = _filtered(graph, flt)
        target: Path | Any = sys.stdout.buffer if output == "-" else Path(output)
        if fmt == "ftm":
            nodes = sub.nodes if sub is not None else range(graph.node_count)
            edges = sub.edges if sub is not None else range(graph.edge_count)
            count = export_entities(lambda: ws.graph_entities(graph, nodes, edges), "ftm", target)
            err.print(f"Exported {count:,} entities.")
            return
        export_graph(graph, fmt, target, sub)
        if output != "-":
            err.print(f"Wrote {escape(output)}")


def _filtered(graph: Graph, flt: EdgeFilter) -> Subgraph:
    """The whole graph cut down to the edges and entities the filter allows."""
    import numpy as np

    from threadline.graph.export import Subgraph

    keep = np.ones(graph.edge_count, dtype=bool)
    edge_mask = flt.edge_mask(graph)
    if edge_mask is not None:
        keep &= edge_mask
    node_mask = flt.node_mask(graph)
    if node_mask is None:
        nodes = np.arange(graph.node_count)
    else:
        keep &= node_mask[graph.src] & node_mask[graph.dst]
        nodes = np.flatnonzero(node_mask)
    return Subgraph(nodes.tolist(), np.flatnonzero(keep).tolist())

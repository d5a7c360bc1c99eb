"""`threadline graph components|centrality|communities|export`: whole-network
views and exports, over the whole graph or the neighbourhood of one entity
(``--around ID --depth K``)."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.markup import escape
from rich.table import Table

from threadline.cli.app import open_workspace
from threadline.cli.graph_cmds import (
    AsOfOpt,
    DatasetOpt,
    DirectionChoice,
    DirectionOpt,
    JsonOpt,
    PivotOpt,
    SchemaOpt,
    TypeOpt,
    _filter,
    _graph,
    graph_app,
)
from threadline.cli.output import emit_json, err, out
from threadline.errors import InputError
from threadline.export import export_entities
from threadline.graph import analytics
from threadline.graph.export import FORMATS, Subgraph, export_graph
from threadline.graph.filters import EdgeFilter
from threadline.graph.paths import neighbours, shortest_path
from threadline.graph.structure import Graph

AroundOpt = Annotated[
    str | None, typer.Option("--around", help="Only the neighbourhood of this entity.")
]
DepthOpt = Annotated[
    int, typer.Option("--depth", help="With --around: how many hops out.", min=1, max=6)
]


def _around(graph: Graph, around: str | None, depth: int, flt: EdgeFilter) -> list[int] | None:
    if around is None:
        return None
    return sorted(neighbours(graph, around, depth, flt, limit=None).depths)


def _group_table(title: str, data: dict[str, Any], key: str) -> None:
    table = Table("#", "size", "largest members", title=title)
    for number, group in enumerate(data[key], 1):
        names = ", ".join(escape(m["caption"]) for m in group["members"][:5])
        table.add_row(str(number), f"{group['size']:,}", names)
    out.print(table)


@graph_app.command("components")
def components_cmd(
    min_size: Annotated[int, typer.Option(help="Smallest component listed.", min=1)] = 2,
    around: AroundOpt = None,
    depth: DepthOpt = 2,
    types: TypeOpt = None,
    schemata: SchemaOpt = None,
    datasets: DatasetOpt = None,
    as_of: AsOfOpt = None,
    pivots: PivotOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Connected groups of entities (links followed either way), largest first."""
    with open_workspace() as ws:
        graph = _graph(ws, pivots)
        flt = _filter(types, schemata, datasets, as_of)
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


@graph_app.command("centrality")
def centrality_cmd(
    measure: Annotated[MeasureChoice, typer.Argument(help="degree, betweenness or pagerank.")],
    top: Annotated[int, typer.Option(help="How many entities to list.", min=1)] = 20,
    cutoff: Annotated[
        int | None,
        typer.Option(help="Betweenness: only paths up to this many hops (needed on big graphs)."),
    ] = None,
    around: AroundOpt = None,
    depth: DepthOpt = 2,
    types: TypeOpt = None,
    schemata: SchemaOpt = None,
    datasets: DatasetOpt = None,
    as_of: AsOfOpt = None,
    direction: DirectionOpt = DirectionChoice.both,
    pivots: PivotOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The most central entities: most linked (degree), most often on shortest
    paths between others (betweenness), or most pointed at (PageRank)."""
    with open_workspace() as ws:
        graph = _graph(ws, pivots)
        flt = _filter(types, schemata, datasets, as_of, direction)
        nodes = _around(graph, around, depth, _filter(types, schemata, datasets, as_of))
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


@graph_app.command("communities")
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
    depth: DepthOpt = 2,
    types: TypeOpt = None,
    schemata: SchemaOpt = None,
    datasets: DatasetOpt = None,
    as_of: AsOfOpt = None,
    pivots: PivotOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Groups of entities more linked among themselves than to the rest."""
    with open_workspace() as ws:
        graph = _graph(ws, pivots)
        flt = _filter(types, schemata, datasets, as_of)
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


@graph_app.command("export")
def export_cmd(
    fmt: Annotated[
        str,
        typer.Argument(
            metavar="FORMAT",
            help="ftm, " + ", ".join(FORMATS) + ".",
        ),
    ],
    output: Annotated[
        str, typer.Option("-o", "--output", help="File (or folder for neo4j-csv); - for stdout.")
    ] = "-",
    around: AroundOpt = None,
    depth: DepthOpt = 2,
    path: Annotated[
        tuple[str, str] | None,
        typer.Option("--path", help="Only the shortest path between two entities."),
    ] = None,
    types: TypeOpt = None,
    schemata: SchemaOpt = None,
    datasets: DatasetOpt = None,
    as_of: AsOfOpt = None,
    pivots: PivotOpt = None,
) -> None:
    """Export the graph, a neighbourhood (--around) or a path (--path) for Gephi
    (gexf), most tools (graphml), Neo4j, FtM, or as a Mermaid/DOT diagram."""
    with open_workspace() as ws:
        graph = _graph(ws, pivots)
        flt = _filter(types, schemata, datasets, as_of)
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

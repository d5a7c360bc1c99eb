"""JSON-ready views of graph answers, shared by the CLI (``--json``) and the
HTTP API: entities by id and caption, never by internal index, and every hop
with the full rows of the edges behind it (dates, share, datasets, statement
ids), so each connection can be checked against its sources."""

from __future__ import annotations

from typing import Any

from threadline.graph.ownership import Chain, Holding, OwnershipResult
from threadline.graph.paths import Hop, Neighbourhood, Path, PathResult
from threadline.graph.structure import Graph


def node_dict(graph: Graph, node: int) -> dict[str, Any]:
    entity_id = graph.node_ids[node]
    return {
        "id": entity_id,
        "caption": graph.captions[node],
        "schema": graph.schema_of(node) or None,
        "members": graph.members(entity_id),
    }


def hop_dict(graph: Graph, hop: Hop) -> dict[str, Any]:
    return {
        "source": graph.node_ids[hop.source],
        "target": graph.node_ids[hop.target],
        "edges": [record.to_dict() for record in graph.edge_records(hop.edges)],
    }


def path_dict(graph: Graph, path: Path) -> dict[str, Any]:
    return {
        "length": path.length,
        "nodes": [node_dict(graph, n) for n in path.nodes],
        "hops": [hop_dict(graph, hop) for hop in path.hops],
    }


def paths_dict(graph: Graph, result: PathResult) -> dict[str, Any]:
    return {
        "source": node_dict(graph, result.source),
        "target": node_dict(graph, result.target),
        "found": bool(result.paths),
        "truncated": result.truncated,
        "paths": [path_dict(graph, p) for p in result.paths],
    }


def neighbourhood_dict(graph: Graph, hood: Neighbourhood) -> dict[str, Any]:
    nodes = sorted(hood.depths.items(), key=lambda item: (item[1], graph.node_ids[item[0]]))
    return {
        "center": node_dict(graph, hood.center),
        "truncated": hood.truncated,
        "nodes": [{**node_dict(graph, n), "depth": depth} for n, depth in nodes],
        "edges": [record.to_dict() for record in graph.edge_records(hood.edges)],
    }


def chain_dict(graph: Graph, chain: Chain) -> dict[str, Any]:
    return {
        "share": None if chain.share is None else round(100.0 * chain.share, 6),
        "nodes": [graph.node_ids[n] for n in chain.nodes],
        "hops": [hop_dict(graph, hop) for hop in chain.hops],
    }


def holding_dict(graph: Graph, holding: Holding) -> dict[str, Any]:
    share = holding.share
    return {
        **node_dict(graph, holding.node),
        # Percent; a lower bound when ``complete`` is false, null when no
        # chain has a known share.
        "share": None if share is None else round(share, 6),
        "complete": holding.complete,
        "ultimate": holding.ultimate,
        "chains": [chain_dict(graph, c) for c in holding.chains],
    }


def ownership_dict(graph: Graph, result: OwnershipResult) -> dict[str, Any]:
    key = "owners" if result.direction == "owners" else "holdings"
    return {
        "subject": node_dict(graph, result.subject),
        "truncated": result.truncated,
        key: [holding_dict(graph, h) for h in result.holdings],
    }

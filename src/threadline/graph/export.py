"""Graph exports, so an analyst can take the link graph (or the part of it an
answer touched) into the tool that suits the next step: Gephi (GEXF,
GraphML), Neo4j (a Cypher script or neo4j-admin bulk-import CSV) or a report
(Mermaid, Graphviz DOT).

Every format keeps the provenance of each edge (its FtM entity id, datasets
and statement ids), so a claim made from an exported graph can still be
traced back to its sources.

A whole graph may hold a million nodes and ten million edges, so the large
formats stream: edge rows are read in Arrow record batches and each batch is
escaped and formatted column-wise by Arrow compute kernels; no networkx graph
and no Python object per edge is ever built. Mermaid and DOT are for small
subgraphs only and refuse anything larger than a diagram a person can read.

Strings are made safe once, per format: XML escaping (characters XML 1.0
forbids, such as NUL or form feed, are dropped, since no XML reader accepts
them), Cypher string literals (backslash escapes), CSV quoting (the csv
module), Mermaid entity codes and DOT backslash escapes. Lists (members,
datasets, statement ids) are joined with ``;`` where a format has no list
type, which is also neo4j-admin's array delimiter; FtM ids and dataset names
never contain one.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from threadline.errors import GraphError, InputError
from threadline.graph.paths import Neighbourhood, PathResult
from threadline.graph.structure import Graph

#: Rows formatted per step: large enough for Arrow kernels to pay off, small
#: enough that a batch's strings stay a few megabytes.
BATCH = 65_536

#: Beyond this a Mermaid or DOT drawing is a hairball nobody can read.
MAX_DIAGRAM_NODES = 500
MAX_DIAGRAM_EDGES = 2_000

#: Extra label on every Neo4j node, so one uniqueness constraint on ``id``
#: covers all schemata and relationships can find their ends by id.
NEO4J_BASE_LABEL = "Entity"

# Characters XML 1.0 does not allow, even as character references (RE2 syntax).
_XML_INVALID = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x{fffe}\x{ffff}]"
# Control characters other than tab, newline and carriage return.
_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
_CONTROL_PY = re.compile(_CONTROL)
# Any character some escaping below changes (RE2 syntax), to skip the work
# for columns that hold none, as ids, dates and most names do.
_XML_SPECIAL = r'[&<>"\x00-\x1f\x{fffe}\x{ffff}]'
_CYPHER_SPECIAL = r"['\\\x00-\x1f\x7f]"
# "&" first, so the entities added later are not escaped again. Whitespace is
# escaped too: a raw newline in an attribute value would read back as a space.
_XML_ENTITIES = (
    ("&", "&amp;"),
    ("<", "&lt;"),
    (">", "&gt;"),
    ('"', "&quot;"),
    ("\n", "&#10;"),
    ("\r", "&#13;"),
    ("\t", "&#9;"),
)
# Backslash first, for the same reason.
_CYPHER_ESCAPES = (
    ("\\", "\\\\"),
    ("'", "\\'"),
    ("\n", "\\n"),
    ("\r", "\\r"),
    ("\t", "\\t"),
)

# Edge columns exported as plain strings, in output order (``label`` is
# handled apart where a format has a native edge label).
_EDGE_TEXT = (
    "edge_id",
    "kind",
    "type",
    "label",
    "source_member",
    "target_member",
    "start_date",
    "end_date",
)
_EDGE_LISTS = ("datasets", "statement_ids")


# -- selecting what to export ----------------------------------------------------


@dataclass(frozen=True)
class Subgraph:
    """Node and edge indices to export. The ends of every edge are exported
    too, even when ``nodes`` leaves them out, so no edge dangles."""

    nodes: Sequence[int] = ()
    edges: Sequence[int] = ()

    @classmethod
    def from_neighbourhood(cls, hood: Neighbourhood) -> Subgraph:
        return cls(sorted(hood.depths), list(hood.edges))

    @classmethod
    def from_paths(cls, result: PathResult) -> Subgraph:
        """The entities on the paths and every edge each hop cites."""
        nodes = {n for path in result.paths for n in path.nodes}
        edges = {e for path in result.paths for hop in path.hops for e in hop.edges}
        return cls(sorted(nodes), sorted(edges))

    @classmethod
    def induced(cls, graph: Graph, nodes: Sequence[int]) -> Subgraph:
        """``nodes`` and every edge between two of them."""
        index = np.unique(np.asarray(nodes, dtype=np.int64))
        _check_range(index, graph.node_count, "node")
        inside = np.zeros(graph.node_count, dtype=np.bool_)
        inside[index] = True
        edges = np.flatnonzero(inside[graph.src] & inside[graph.dst])
        return cls(index.tolist(), edges.tolist())


@dataclass(frozen=True)
class _Selection:
    """Sorted, unique indices to export; None stands for "all of them", so a
    whole-graph export never materialises ten million indices."""

    nodes: NDArray[np.int64] | None
    edges: NDArray[np.int64] | None
    node_count: int
    edge_count: int


def _check_range(index: NDArray[np.int64], size: int, what: str) -> None:
    if len(index) and (index[0] < 0 or index[-1] >= size):
        bad = int(index[0] if index[0] < 0 else index[-1])
        raise GraphError(f"{what} index {bad} is not in the graph (it has {size} {what}s)")


def _select(graph: Graph, sub: Subgraph | None) -> _Selection:
    if sub is None:
        return _Selection(None, None, graph.node_count, graph.edge_count)
    edges = np.unique(np.asarray(sub.edges, dtype=np.int64))
    _check_range(edges, graph.edge_count, "edge")
    nodes = np.unique(np.asarray(sub.nodes, dtype=np.int64))
    _check_range(nodes, graph.node_count, "node")
    ends = [graph.src[edges].astype(np.int64), graph.dst[edges].astype(np.int64)]
    nodes = np.unique(np.concatenate([nodes, *ends]))
    return _Selection(nodes, edges, len(nodes), len(edges))


# -- reading rows in batches -----------------------------------------------------


@dataclass(frozen=True)
class _NodeRows:
    """One batch of nodes; ``start`` is the first row's position in the export."""

    start: int
    index: list[int]
    ids: list[str]
    captions: list[str]
    schemas: list[str]
    members: list[list[str]]


def _node_batches(graph: Graph, sel: _Selection) -> Iterator[_NodeRows]:
    for start in range(0, sel.node_count, BATCH):
        if sel.nodes is None:
            index = list(range(start, min(start + BATCH, sel.node_count)))
        else:
            index = sel.nodes[start : start + BATCH].tolist()
        ids = [graph.node_ids[i] for i in index]
        yield _NodeRows(
            start=start,
            index=index,
            ids=ids,
            # A stub node (an edge end never loaded) may lack a caption.
            captions=[graph.captions[i] or node for i, node in zip(index, ids, strict=True)],
            schemas=[graph.schema_of(i) for i in index],
            members=[graph.members(node) for node in ids],
        )


def _edge_batches(graph: Graph, sel: _Selection) -> Iterator[tuple[NDArray[np.int64], Any]]:
    """(edge indices, Arrow record batch of their rows) per batch."""
    table = graph.edges_table()
    if sel.edges is None:
        offset = 0
        # Slices of the (possibly memory-mapped) table: nothing is copied.
        for batch in table.to_batches(max_chunksize=BATCH):
            yield np.arange(offset, offset + batch.num_rows, dtype=np.int64), batch
            offset += batch.num_rows
        return
    for start in range(0, len(sel.edges), BATCH):
        chunk = sel.edges[start : start + BATCH]
        rows = table.take(pa.array(chunk, pa.int64())).combine_chunks()
        yield chunk, rows.to_batches()[0]


# -- column-wise string building ---------------------------------------------------


def _concat(*parts: Any) -> Any:
    """Element-wise concatenation of string arrays and constants; null where
    any array part is null."""
    return pc.binary_join_element_wise(*parts, "")


def _optional(prefix: str, values: Any, suffix: str) -> Any:
    """``prefix + value + suffix`` per row, or "" where the value is null, for
    attributes a format leaves out rather than writing empty."""
    return pc.coalesce(_concat(prefix, values, suffix), "")


def _map_list(values: Any, fn: Callable[[Any], Any], sep: str) -> Any:
    """Apply ``fn`` to every element of a list<string> array and join each
    list with ``sep``; a null list stays null."""
    flat = fn(pc.fill_null(pc.list_flatten(values), ""))
    lengths = pc.fill_null(pc.list_value_length(values), 0).to_numpy(zero_copy_only=False)
    offsets = np.zeros(len(lengths) + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    rebuilt = pa.ListArray.from_arrays(pa.array(offsets), flat, mask=values.is_null())
    return pc.binary_join(rebuilt, sep)


def _write_rows(out: IO[bytes], rows: Any) -> None:
    out.write("".join(rows.to_pylist()).encode("utf-8"))


def _number(value: float | None) -> str | None:
    """A float exactly as Python reads it back (repr); None for null or NaN."""
    if value is None or not math.isfinite(value):
        return None
    return repr(float(value))


def _numbers(values: Any) -> Any:
    return pa.array([_number(v) for v in values.to_pylist()], pa.string())


# -- XML (GEXF and GraphML) --------------------------------------------------------


def _any_match(values: Any, pattern: str) -> bool:
    return bool(pc.any(pc.match_substring_regex(values, pattern)).as_py())


def _xml(values: Any) -> Any:
    """Strings made safe for an XML attribute value or text node."""
    if not _any_match(values, _XML_SPECIAL):
        return values
    out = pc.replace_substring_regex(values, _XML_INVALID, "")
    for raw, entity in _XML_ENTITIES:
        out = pc.replace_substring(out, raw, entity)
    return out


def _xml_nodes(rows: _NodeRows) -> dict[str, Any]:
    members = pa.array(rows.members, pa.list_(pa.string()))
    return {
        "id": _xml(pa.array(rows.ids, pa.string())),
        "label": _xml(pa.array(rows.captions, pa.string())),
        "schema": _xml(pa.array(rows.schemas, pa.string())),
        "members": _map_list(members, _xml, ";"),
    }


def _xml_edges(indices: NDArray[np.int64], batch: Any) -> dict[str, Any]:
    cols = {name: _xml(batch.column(name)) for name in ("source", "target", *_EDGE_TEXT)}
    for name in _EDGE_LISTS:
        cols[name] = _map_list(batch.column(name), _xml, ";")
    cols["percentage"] = _numbers(batch.column("percentage"))
    # The edge's position in the graph: unique, unlike edge_id (one Ownership
    # with two owners is two edges).
    cols["key"] = _concat("e", pa.array(indices, pa.int64()).cast(pa.string()))
    return cols


#: (name, GEXF/GraphML type) of exported attributes, in output order.
_NODE_ATTRS = (("schema", "string"), ("members", "string"))
_EDGE_ATTRS = (
    *((name, "string") for name in _EDGE_TEXT if name != "label"),
    ("percentage", "double"),
    *((name, "string") for name in _EDGE_LISTS),
)

_GEXF_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<gexf xmlns="http://gexf.net/1.3" version="1.3">
  <meta><creator>Threadline</creator></meta>
  <graph defaultedgetype="directed" mode="static">
"""


def _gexf_attributes(cls: str, attrs: Sequence[tuple[str, str]]) -> str:
    lines = [f'    <attributes class="{cls}">\n']
    lines += [f'      <attribute id="{n}" title="{n}" type="{t}"/>\n' for n, t in attrs]
    return "".join(lines) + "    </attributes>\n"


def _gexf_values(cols: dict[str, Any], attrs: Sequence[tuple[str, str]]) -> list[Any]:
    return [_optional(f'<attvalue for="{n}" value="', cols[n], '"/>') for n, _ in attrs]


def write_gexf(graph: Graph, out: IO[bytes], sub: Subgraph | None = None) -> None:
    """GEXF 1.3 (Gephi's own format): directed, parallel edges kept, node label
    = caption, edge label = the link's label, typed attributes for the rest."""
    sel = _select(graph, sub)
    head = _GEXF_HEAD + _gexf_attributes("node", _NODE_ATTRS)
    out.write((head + _gexf_attributes("edge", _EDGE_ATTRS) + "    <nodes>\n").encode())
    for rows in _node_batches(graph, sel):
        cols = _xml_nodes(rows)
        line = _concat(
            '      <node id="',
            cols["id"],
            '" label="',
            cols["label"],
            '"><attvalues>',
            *_gexf_values(cols, _NODE_ATTRS),
            "</attvalues></node>\n",
        )
        _write_rows(out, line)
    out.write(b"    </nodes>\n    <edges>\n")
    for indices, batch in _edge_batches(graph, sel):
        cols = _xml_edges(indices, batch)
        line = _concat(
            '      <edge id="',
            cols["key"],
            '" source="',
            cols["source"],
            '" target="',
            cols["target"],
            '"',
            _optional(' label="', cols["label"], '"'),
            "><attvalues>",
            *_gexf_values(cols, _EDGE_ATTRS),
            "</attvalues></edge>\n",
        )
        _write_rows(out, line)
    out.write(b"    </edges>\n  </graph>\n</gexf>\n")


_GRAPHML_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
"""
_GRAPHML_NODE_ATTRS = (("label", "string"), *_NODE_ATTRS)
_GRAPHML_EDGE_ATTRS = (("label", "string"), *_EDGE_ATTRS)


def _graphml_keys(domain: str, attrs: Sequence[tuple[str, str]]) -> str:
    return "".join(
        f'  <key id="{domain}_{n}" for="{domain}" attr.name="{n}" attr.type="{t}"/>\n'
        for n, t in attrs
    )


def _graphml_data(domain: str, cols: dict[str, Any], attrs: Sequence[tuple[str, str]]) -> list[Any]:
    return [_optional(f'<data key="{domain}_{n}">', cols[n], "</data>") for n, _ in attrs]


def write_graphml(graph: Graph, out: IO[bytes], sub: Subgraph | None = None) -> None:
    """GraphML (yEd, Gephi, Cytoscape, networkx): directed, parallel edges
    kept, every attribute a declared, typed key; ``label`` is the caption."""
    sel = _select(graph, sub)
    head = _GRAPHML_HEAD + _graphml_keys("node", _GRAPHML_NODE_ATTRS)
    head += _graphml_keys("edge", _GRAPHML_EDGE_ATTRS)
    out.write((head + '  <graph id="threadline" edgedefault="directed">\n').encode())
    for rows in _node_batches(graph, sel):
        cols = _xml_nodes(rows)
        line = _concat(
            '    <node id="',
            cols["id"],
            '">',
            *_graphml_data("node", cols, _GRAPHML_NODE_ATTRS),
            "</node>\n",
        )
        _write_rows(out, line)
    for indices, batch in _edge_batches(graph, sel):
        cols = _xml_edges(indices, batch)
        line = _concat(
            '    <edge id="',
            cols["key"],
            '" source="',
            cols["source"],
            '" target="',
            cols["target"],
            '">',
            *_graphml_data("edge", cols, _GRAPHML_EDGE_ATTRS),
            "</edge>\n",
        )
        _write_rows(out, line)
    out.write(b"  </graph>\n</graphml>\n")


# -- Neo4j ---------------------------------------------------------------------------


def neo4j_label(schema: str) -> str:
    """A node label from a schema name: identifier characters only, so it
    needs no escaping anywhere ("Pivot:phone" -> "Pivot_phone")."""
    label = re.sub(r"[^0-9A-Za-z_]+", "_", schema).strip("_")
    return label or "Unknown"


def neo4j_rel_type(edge_type: str) -> str:
    """A relationship type in Neo4j's upper snake case ("UnknownLink" ->
    "UNKNOWN_LINK", "authority" -> "AUTHORITY")."""
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", edge_type)
    name = re.sub(r"[^0-9A-Za-z_]+", "_", snake).strip("_").upper()
    return name or "RELATED"


def _mapped(values: Any, fn: Callable[[str], str]) -> Any:
    """``fn`` over a string column, called once per distinct value."""
    encoded = pc.dictionary_encode(pc.fill_null(values, ""))
    names = pa.array([fn(v) for v in encoded.dictionary.to_pylist()], pa.string())
    return pc.take(names, encoded.indices)


def _cypher(values: Any) -> Any:
    """Strings as single-quoted Cypher literals; null stays null."""
    out = values
    if _any_match(values, _CYPHER_SPECIAL):
        out = pc.replace_substring_regex(values, _CONTROL, "")
        for raw, escaped in _CYPHER_ESCAPES:
            out = pc.replace_substring(out, raw, escaped)
    return _concat("'", out, "'")


def _cypher_list(values: Any) -> Any:
    return pc.coalesce(_concat("[", _map_list(values, _cypher, ", "), "]"), "[]")


def _cypher_value(values: Any) -> Any:
    return pc.coalesce(_cypher(values), "null")


def write_neo4j_cypher(graph: Graph, out: IO[str], sub: Subgraph | None = None) -> None:
    """A Cypher script for ``cypher-shell``: one statement a line, literals
    only (no parameters), nodes merged on ``id`` and relationships merged on
    their source keys, so running it twice changes nothing. For a large
    graph use :func:`write_neo4j_csv` and ``neo4j-admin database import``:
    a statement per edge is far slower."""
    sel = _select(graph, sub)
    out.write(
        "// Threadline graph export. Run with: cypher-shell -f <this file>\n"
        f"CREATE CONSTRAINT threadline_entity_id IF NOT EXISTS "
        f"FOR (n:{NEO4J_BASE_LABEL}) REQUIRE n.id IS UNIQUE;\n"
    )
    for rows in _node_batches(graph, sel):
        labels = pa.array([neo4j_label(s) for s in rows.schemas], pa.string())
        members = pa.array(rows.members, pa.list_(pa.string()))
        line = _concat(
            f"MERGE (n:{NEO4J_BASE_LABEL} {{id: ",
            _cypher(pa.array(rows.ids, pa.string())),
            "}) SET n:`",
            labels,
            "` SET n += {caption: ",
            _cypher_value(pa.array(rows.captions, pa.string())),
            ", schema: ",
            _cypher_value(pa.array(rows.schemas, pa.string())),
            ", members: ",
            _cypher_list(members),
            "};\n",
        )
        out.write("".join(line.to_pylist()))
    for _, batch in _edge_batches(graph, sel):
        out.write("".join(_cypher_edges(batch).to_pylist()))


def _cypher_edges(batch: Any) -> Any:
    col = batch.column
    # MERGE refuses null properties, so the key holds only those present;
    # the label is part of it because one entity can link to one value
    # through two properties (two identifier fields holding the same number).
    key = pc.replace_substring_regex(
        _concat(
            *(
                _optional(f", {name}: ", _cypher(col(name)), "")
                for name in ("edge_id", "source_member", "target_member", "label")
            )
        ),
        "^, ",
        "",
    )
    props: list[Any] = []
    for name in ("kind", "type", "start_date", "end_date"):
        props += [f", {name}: " if props else f"{name}: ", _cypher_value(col(name))]
    return _concat(
        f"MATCH (a:{NEO4J_BASE_LABEL} {{id: ",
        _cypher(col("source")),
        f"}}), (b:{NEO4J_BASE_LABEL} {{id: ",
        _cypher(col("target")),
        "}) MERGE (a)-[r:`",
        _mapped(col("type"), neo4j_rel_type),
        "` {",
        key,
        "}]->(b) SET r += {",
        *props,
        ", percentage: ",
        pc.coalesce(_numbers(col("percentage")), "null"),
        ", datasets: ",
        _cypher_list(col("datasets")),
        ", statement_ids: ",
        _cypher_list(col("statement_ids")),
        "};\n",
    )


NEO4J_NODE_HEADER = ("id:ID", ":LABEL", "caption", "schema", "members:string[]")
NEO4J_EDGE_HEADER = (
    ":START_ID",
    ":END_ID",
    ":TYPE",
    *_EDGE_TEXT,
    "percentage:double",
    "datasets:string[]",
    "statement_ids:string[]",
)


def write_neo4j_csv(graph: Graph, folder: Path, sub: Subgraph | None = None) -> None:
    """``nodes.csv`` and ``relationships.csv`` in ``folder`` for::

        neo4j-admin database import full --nodes=nodes.csv \\
            --relationships=relationships.csv --multiline-fields=true <database>

    Arrays use neo4j-admin's default ``;`` delimiter; each node has the
    label ``Entity`` and its schema's; ``--multiline-fields`` is needed
    because captions and labels may contain line breaks."""
    sel = _select(graph, sub)
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "nodes.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(NEO4J_NODE_HEADER)
        for rows in _node_batches(graph, sel):
            labels = [f"{NEO4J_BASE_LABEL};{neo4j_label(s)}" for s in rows.schemas]
            columns = [
                _clean(pa.array(rows.ids, pa.string())),
                pa.array(labels, pa.string()),
                _clean(pa.array(rows.captions, pa.string())),
                _clean(pa.array(rows.schemas, pa.string())),
                _map_list(pa.array(rows.members, pa.list_(pa.string())), _clean, ";"),
            ]
            writer.writerows(zip(*(c.to_pylist() for c in columns), strict=True))
    with (folder / "relationships.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(NEO4J_EDGE_HEADER)
        for _, batch in _edge_batches(graph, sel):
            writer.writerows(zip(*(c.to_pylist() for c in _csv_edges(batch)), strict=True))


def _clean(values: Any) -> Any:
    """Control characters dropped: they corrupt CSV readers and mean nothing."""
    if not _any_match(values, _CONTROL):
        return values
    return pc.replace_substring_regex(values, _CONTROL, "")


def _csv_edges(batch: Any) -> list[Any]:
    col = batch.column
    return [
        _clean(col("source")),
        _clean(col("target")),
        _mapped(col("type"), neo4j_rel_type),
        *(_clean(col(name)) for name in _EDGE_TEXT),
        _numbers(col("percentage")),
        *(_map_list(col(name), _clean, ";") for name in _EDGE_LISTS),
    ]


# -- diagrams for reports (Mermaid, DOT) ---------------------------------------------


def _diagram_selection(graph: Graph, sub: Subgraph | None, name: str, max_nodes: int) -> _Selection:
    sel = _select(graph, sub)
    if sel.node_count > max_nodes or sel.edge_count > MAX_DIAGRAM_EDGES:
        raise GraphError(
            f"a {name} diagram is for small subgraphs: this one has {sel.node_count} "
            f"entities and {sel.edge_count} links (the limit is {max_nodes} entities and "
            f"{MAX_DIAGRAM_EDGES} links); export GEXF or GraphML and open it in Gephi, "
            "or narrow the selection (fewer hops, an edge-type filter)"
        )
    return sel


def _edge_caption(edge_type: str, percentage: float | None) -> str:
    text = _number(percentage)
    return f"{edge_type} {float(text):g}%" if text is not None else edge_type


def _diagram_parts(
    graph: Graph, sel: _Selection
) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str]]]:
    """(local id, caption, title) per node and (from, to, caption) per edge;
    local ids n0, n1, ... keep entity ids (any characters) out of the syntax."""
    nodes: list[tuple[str, str, str]] = []
    local: dict[int, str] = {}
    for rows in _node_batches(graph, sel):
        for pos, (i, node, caption, schema) in enumerate(
            zip(rows.index, rows.ids, rows.captions, rows.schemas, strict=True)
        ):
            local[i] = f"n{rows.start + pos}"
            nodes.append((local[i], caption, f"{node} ({schema or 'unknown'})"))
    edges: list[tuple[str, str, str]] = []
    for indices, batch in _edge_batches(graph, sel):
        pairs = zip(
            indices.tolist(),
            batch.column("type").to_pylist(),
            batch.column("percentage").to_pylist(),
            strict=True,
        )
        for e, edge_type, pct in pairs:
            ends = local[int(graph.src[e])], local[int(graph.dst[e])]
            edges.append((*ends, _edge_caption(edge_type, pct)))
    return nodes, edges


# Mermaid reads "#name;" and "#123;" as character codes; "#" goes first so
# the codes added after it are not escaped again.
_MERMAID_CODES = (
    ("#", "#35;"),
    ('"', "#quot;"),
    ("&", "#amp;"),
    ("<", "#lt;"),
    (">", "#gt;"),
    ("|", "#124;"),
    ("`", "#96;"),
)


def _mermaid(text: str) -> str:
    # A line break would end the statement: labels are one line.
    text = " ".join(_CONTROL_PY.sub("", text).split())
    for raw, code in _MERMAID_CODES:
        text = text.replace(raw, code)
    return f'"{text}"'


def write_mermaid(
    graph: Graph,
    out: IO[str],
    sub: Subgraph | None = None,
    max_nodes: int = MAX_DIAGRAM_NODES,
) -> None:
    """A Mermaid ``flowchart LR`` for a report: captions as node labels, the
    link type (and share, if stated) on each arrow."""
    nodes, edges = _diagram_parts(graph, _diagram_selection(graph, sub, "Mermaid", max_nodes))
    lines = ["flowchart LR\n"]
    lines += [f"    {n}[{_mermaid(caption)}]\n" for n, caption, _ in nodes]
    lines += [f"    {a} -->|{_mermaid(caption)}| {b}\n" for a, b, caption in edges]
    out.write("".join(lines))


def _dot(text: str) -> str:
    """A double-quoted DOT string; ``\\n`` is Graphviz's centred line break."""
    text = _CONTROL_PY.sub("", text).replace("\\", "\\\\").replace('"', '\\"')
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return f'"{text}"'


def write_dot(
    graph: Graph,
    out: IO[str],
    sub: Subgraph | None = None,
    max_nodes: int = MAX_DIAGRAM_NODES,
) -> None:
    """A Graphviz ``digraph`` for a report: captions as labels, entity id and
    schema as tooltips, the link type (and share) on each edge."""
    nodes, edges = _diagram_parts(graph, _diagram_selection(graph, sub, "DOT", max_nodes))
    lines = ["digraph threadline {\n", "    rankdir=LR;\n", "    node [shape=box];\n"]
    lines += [
        f"    {n} [label={_dot(caption)}, tooltip={_dot(title)}];\n" for n, caption, title in nodes
    ]
    lines += [f"    {a} -> {b} [label={_dot(caption)}];\n" for a, b, caption in edges]
    out.write("".join(lines) + "}\n")


# -- one entry point -----------------------------------------------------------------

Target = Literal["binary", "text", "folder"]


@dataclass(frozen=True)
class GraphFormat:
    """An export format: what its writer writes to (a binary stream, a text
    stream or a folder) and the usual file suffix."""

    name: str
    target: Target
    suffix: str
    write: Callable[[Graph, Any, Subgraph | None], None]
    summary: str


FORMATS: dict[str, GraphFormat] = {
    f.name: f
    for f in (
        GraphFormat("gexf", "binary", ".gexf", write_gexf, "GEXF 1.3, for Gephi"),
        GraphFormat("graphml", "binary", ".graphml", write_graphml, "GraphML, for most tools"),
        GraphFormat(
            "neo4j-cypher", "text", ".cypher", write_neo4j_cypher, "Cypher script for Neo4j"
        ),
        GraphFormat(
            "neo4j-csv", "folder", "", write_neo4j_csv, "CSV folder for neo4j-admin import"
        ),
        GraphFormat("mermaid", "text", ".mmd", write_mermaid, "Mermaid flowchart (small)"),
        GraphFormat("dot", "text", ".dot", write_dot, "Graphviz DOT (small)"),
    )
}


def graph_format(name: str) -> GraphFormat:
    found = FORMATS.get(name)
    if found is None:
        raise InputError(f"unknown graph format {name!r}", hint=f"choose from {', '.join(FORMATS)}")
    return found


def export_graph(
    graph: Graph,
    fmt: str,
    out: Path | IO[bytes],
    sub: Subgraph | None = None,
) -> None:
    """Write ``graph`` (or ``sub``) in format ``fmt`` to a file path, a folder
    (``neo4j-csv``) or a binary stream (text formats are written as UTF-8).
    A file is written under a temporary name and renamed when complete, so a
    failed export never leaves a truncated file that looks finished."""
    spec = graph_format(fmt)
    if spec.target == "folder":
        if not isinstance(out, Path):
            raise InputError(
                f"the {fmt} format writes a folder of files, not a stream",
                hint="give a folder path",
            )
        spec.write(graph, out, sub)
        return
    if not isinstance(out, Path):
        _write_stream(spec, graph, out, sub)
        return
    part = out.with_name(out.name + ".part")
    try:
        with part.open("wb") as fh:
            _write_stream(spec, graph, fh, sub)
        os.replace(part, out)
    finally:
        part.unlink(missing_ok=True)


def _write_stream(spec: GraphFormat, graph: Graph, out: IO[bytes], sub: Subgraph | None) -> None:
    if spec.target == "binary":
        spec.write(graph, out, sub)
        return
    text = io.TextIOWrapper(out, encoding="utf-8", newline="\n")
    try:
        spec.write(graph, text, sub)
        text.flush()
    finally:
        # Leave the caller's stream open: closing the wrapper would close it.
        text.detach()

"""The link graph read out of DuckDB: one node per resolved entity, one typed,
directed edge per FtM link entity (Ownership, Directorship, Payment, ...) or
entity-reference property (a Contract's ``authority``), and, when asked,
pivot edges to values several entities share (a phone, an IBAN).

Mentions of known entities in documents (FtM ``Mention``) are neither nodes
nor references: with ``mentions`` each (document, entity) pair is one
weaker edge of kind and type ``mention``, left out unless asked for.

All of it is SQL over ``live_statements`` so a large store never passes
through Python row by row; the results are Arrow tables in the shapes of
``threadline.model.links``.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pyarrow as pa

from threadline.model.links import (
    EDGE_SCHEMA,
    IGNORED_REFERENCES,
    NODE_SCHEMA,
    PIVOT_CAP,
    PIVOT_TYPES,
    edge_schemata,
)

#: schemata that are no node: a mention is an edge of its own (when asked)
_NOT_NODES = ("Mention",)

# Caption properties in order of preference, after FtM's own schema captions.
_CAPTION_PROPS = ("name", "title", "number", "fileName", "full", "email", "phone")


def _values(rows: Sequence[tuple[str, ...]]) -> str:
    return ", ".join("(" + ", ".join(f"'{v}'" for v in row) + ")" for row in rows)


def _canonical_sql(resolved: bool) -> str:
    """A relation mapping every entity id to its resolved (canonical) id."""
    if resolved:
        return "(SELECT entity_id, canonical_id FROM canonical)"
    return "(SELECT NULL::VARCHAR AS entity_id, NULL::VARCHAR AS canonical_id WHERE false)"


def read_link_nodes(con: duckdb.DuckDBPyConnection, resolved: bool) -> pa.Table:
    """Every entity that is not itself a link, folded into its resolved entity."""
    edges = [*edge_schemata(), *_NOT_NODES]
    canon = _canonical_sql(resolved)
    captions = ", ".join(f"('{p}', {i})" for i, p in enumerate(_CAPTION_PROPS))
    edge_list = ", ".join(f"'{e}'" for e in edges) or "''"
    table = con.execute(
        f"""
        WITH ents AS (
            SELECT entity_id, any_value(schema) AS schema,
                   arg_min(value, coalesce(c.rank, 99) * 1000000 + length(value)) FILTER
                       (WHERE c.rank IS NOT NULL) AS caption
            FROM live_statements s LEFT JOIN (VALUES {captions}) c(prop, rank)
                 ON s.prop = c.prop
            WHERE s.schema NOT IN ({edge_list})
            GROUP BY entity_id
        )
        , folded AS (
            SELECT coalesce(m.canonical_id, e.entity_id) AS id, e.*
            FROM ents e LEFT JOIN {canon} m ON m.entity_id = e.entity_id
        )
        -- a merged entity is named as most of its records name it (then the
        -- fullest form), not by whichever record sorts first ("I. Petrov")
        , best AS (
            SELECT id, caption FROM (
                SELECT id, caption, count(*) AS n FROM folded
                WHERE caption IS NOT NULL GROUP BY id, caption
            )
            QUALIFY row_number() OVER
                (PARTITION BY id ORDER BY n DESC, length(caption) DESC, caption) = 1
        )
        SELECT f.id, list(DISTINCT f.schema) AS schemata, any_value(b.caption) AS caption,
               list(f.entity_id ORDER BY f.entity_id) AS members
        FROM folded f LEFT JOIN best b ON b.id = f.id
        GROUP BY f.id ORDER BY f.id
        """
    ).to_arrow_table()
    schemata = [_common_schema(names) for names in table.column("schemata").to_pylist()]
    captions_col = [
        c if c is not None else i
        for c, i in zip(
            table.column("caption").to_pylist(), table.column("id").to_pylist(), strict=True
        )
    ]
    return pa.table(
        {
            "id": table.column("id"),
            "schema": pa.array(schemata, pa.string()),
            "caption": pa.array(captions_col, pa.string()),
            "members": table.column("members"),
        },
        schema=NODE_SCHEMA,
    )


def _common_schema(names: list[str]) -> str:
    if len(names) == 1:
        return names[0]
    # not on import: opening a store (`threadline datasets`) needs no FtM
    from followthemoney import model
    from followthemoney.exc import InvalidData

    schema = model.get(names[0])
    for name in names[1:]:
        other = model.get(name)
        if schema is None or other is None:
            continue
        try:
            schema = model.common_schema(schema, other)
        except InvalidData:  # unrelated schemata in one cluster: keep the first
            continue
    return schema.name if schema is not None else names[0]


def read_link_edges(
    con: duckdb.DuckDBPyConnection,
    resolved: bool,
    pivots: Sequence[str] = (),
    mentions: bool = False,
) -> pa.Table:
    """Every link between resolved entities, with its dates, share and
    sources; with ``mentions``, an edge from each document to each entity
    its text names."""
    schemata = edge_schemata()
    ends = _values([(name, src, dst, label) for name, (src, dst, label) in schemata.items()])
    link_list = ", ".join(f"'{e}'" for e in schemata)
    edge_list = ", ".join(f"'{e}'" for e in [*schemata, *_NOT_NODES])
    canon = _canonical_sql(resolved)
    ignored = ", ".join(f"'{p}'" for p in IGNORED_REFERENCES)
    parts = [
        # Link entities: the cross product of their source and target values
        # (almost always one each), with the entity's dates and share.
        f"""
        WITH ends(schema, src_prop, dst_prop, label) AS (VALUES {ends}),
        links AS (
            SELECT s.entity_id, any_value(s.schema) AS schema,
                   list(DISTINCT s.value) FILTER (WHERE s.prop = e.src_prop) AS srcs,
                   list(DISTINCT s.value) FILTER (WHERE s.prop = e.dst_prop) AS dsts,
                   min(s.value) FILTER (WHERE s.prop IN ('startDate', 'date')) AS start_date,
                   max(s.value) FILTER (WHERE s.prop IN ('endDate', 'date')) AS end_date,
                   max(try_cast(replace(regexp_replace(s.value, '[%\\s]', '', 'g'), ',', '.')
                       AS DOUBLE)) FILTER (WHERE s.prop = 'percentage') AS percentage,
                   coalesce(
                       string_agg(DISTINCT s.value, '; ') FILTER
                           (WHERE s.prop IN ('role', 'relationship', 'ownershipType')),
                       any_value(e.label)) AS label,
                   list(DISTINCT s.dataset ORDER BY s.dataset) AS datasets,
                   list(DISTINCT s.id ORDER BY s.id) AS statement_ids
            FROM live_statements s JOIN ends e ON e.schema = s.schema
            WHERE s.schema IN ({link_list})
            GROUP BY s.entity_id
        )
        SELECT entity_id AS edge_id, 'link' AS kind, schema AS type,
               unnest(srcs) AS source_member, dsts, start_date, end_date,
               CASE WHEN percentage BETWEEN 0 AND 100 THEN percentage END AS percentage,
               label, datasets, statement_ids
        FROM links WHERE len(srcs) > 0 AND len(dsts) > 0
        """,
    ]
    link_sql = f"""
        SELECT edge_id, kind, type, source_member, unnest(dsts) AS target_member,
               label, start_date, end_date, percentage, datasets, statement_ids
        FROM ({parts[0]})
    """
    ref_sql = f"""
        SELECT entity_id AS edge_id, 'reference' AS kind, prop AS type,
               entity_id AS source_member, value AS target_member, prop AS label,
               NULL AS start_date, NULL AS end_date, NULL::DOUBLE AS percentage,
               list(DISTINCT dataset ORDER BY dataset) AS datasets,
               list(DISTINCT id ORDER BY id) AS statement_ids
        FROM live_statements
        WHERE prop_type = 'entity' AND schema NOT IN ({edge_list})
          AND prop NOT IN ({ignored})
        GROUP BY entity_id, prop, value
    """
    union = [link_sql, ref_sql]
    if mentions:
        # one edge per document and entity, however often and on however
        # many pages the text names it; it cites every mention's statements
        union.append(
            """
            SELECT min(entity_id) AS edge_id, 'mention' AS kind, 'mention' AS type,
                   doc AS source_member, res AS target_member, 'mentions' AS label,
                   NULL, NULL, NULL::DOUBLE,
                   list_sort(list_distinct(flatten(list(ds)))),
                   list_sort(flatten(list(ids)))
            FROM (
                SELECT entity_id,
                       any_value(value) FILTER (WHERE prop = 'document') AS doc,
                       any_value(value) FILTER (WHERE prop = 'resolved') AS res,
                       list(DISTINCT dataset) AS ds, list(DISTINCT id) AS ids
                FROM live_statements WHERE schema = 'Mention'
                GROUP BY entity_id
            )
            WHERE doc IS NOT NULL AND res IS NOT NULL
            GROUP BY doc, res
            """
        )
    types = [t for p in pivots for t in PIVOT_TYPES[p]]
    if types:
        type_list = ", ".join(f"'{t}'" for t in types)
        # A pivot is a node of its own (the shared value), so a path through
        # it reads "A has phone X, B has phone X" and cites both statements.
        union.append(
            f"""
            SELECT entity_id AS edge_id, 'pivot' AS kind, prop_type AS type,
                   entity_id AS source_member,
                   'pivot:' || prop_type || ':' || value AS target_member,
                   prop AS label, NULL, NULL, NULL::DOUBLE,
                   list(DISTINCT dataset ORDER BY dataset),
                   list(DISTINCT id ORDER BY id)
            FROM live_statements
            WHERE prop_type IN ({type_list}) AND schema NOT IN ({edge_list})
              AND (prop_type, value) IN (
                  SELECT prop_type, value FROM live_statements
                  WHERE prop_type IN ({type_list})
                  GROUP BY prop_type, value
                  HAVING count(DISTINCT entity_id) BETWEEN 2 AND {PIVOT_CAP})
            GROUP BY entity_id, prop_type, prop, value
            """
        )
    body = "\nUNION ALL\n".join(union)
    table = con.execute(
        f"""
        SELECT u.edge_id, u.kind, u.type,
               coalesce(ms.canonical_id, u.source_member) AS source,
               coalesce(mt.canonical_id, u.target_member) AS target,
               u.source_member, u.target_member, u.label,
               u.start_date, u.end_date, u.percentage, u.datasets, u.statement_ids
        FROM ({body}) u
        LEFT JOIN {canon} ms ON ms.entity_id = u.source_member
        LEFT JOIN {canon} mt ON mt.entity_id = u.target_member
        -- links inside one resolved entity say nothing about its connections
        WHERE coalesce(ms.canonical_id, u.source_member)
              <> coalesce(mt.canonical_id, u.target_member)
        ORDER BY u.kind, u.type, u.edge_id, u.source_member, u.target_member
        """
    ).to_arrow_table()
    return table.cast(EDGE_SCHEMA)

"""The in-memory link graph: compact arrays for traversal, the full edge rows
(provenance included) on disk and read back only for the edges an answer cites.

A graph of 1M nodes and 10M edges holds ~0.5 GB of numpy arrays: node and edge
attributes as codes and integers, and CSR adjacency both ways so that a hop in
either direction is a slice. Python objects exist only per node (its id and
caption), never per edge.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from numpy.typing import NDArray

from threadline.errors import EntityNotFound
from threadline.model.links import EDGE_SCHEMA, NODE_SCHEMA

FORMAT = 1
#: Dates are kept as YYYYMMDD integers; a partial date is padded down for a
#: start and up for an end, so "2019" starts 2019-01-01 and ends 2019-12-31.
NO_START = 0
NO_END = 99_999_999

EDGE_FILE = "edges.arrow"
#: Edge masks kept per graph (each is one byte per edge).
MASK_CACHE = 16
UNSEEN = -2

IntArray = NDArray[np.int64]


def date_key(value: str | None, end: bool) -> int:
    """A partial ISO date as a sortable integer, padded for a start or an end."""
    if not value:
        return NO_END if end else NO_START
    digits = value.replace("-", "")[:8]
    if not digits.isdigit() or len(digits) not in (4, 6, 8):
        return NO_END if end else NO_START
    pad = {4: "9999" if end else "0000", 6: "99" if end else "00", 8: ""}[len(digits)]
    return int(digits + pad)


def _date_keys(column: pa.ChunkedArray, end: bool) -> NDArray[np.int32]:
    """Vectorised :func:`date_key` over an Arrow column of partial dates."""
    digits = pc.utf8_slice_codeunits(pc.replace_substring(column, "-", ""), 0, 8)
    valid = pc.fill_null(pc.match_substring_regex(digits, r"^[0-9]{4}([0-9]{2}){0,2}$"), False)
    padded = pc.utf8_rpad(digits, width=8, padding="9" if end else "0")
    blank = NO_END if end else NO_START
    keys = pc.if_else(valid, pc.cast(pc.if_else(valid, padded, "0"), pa.int32()), blank)
    return np.asarray(keys.to_numpy(zero_copy_only=False), dtype=np.int32)


def _csr(keys: NDArray[np.int32], n: int) -> tuple[IntArray, NDArray[np.int32]]:
    """Offsets and edge indices grouped by ``keys`` (a stable counting sort)."""
    order = np.argsort(keys, kind="stable").astype(np.int32)
    counts = np.bincount(keys, minlength=n)
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    return ptr, order


@dataclass(frozen=True)
class EdgeRecord:
    """One edge with everything the store knows about it."""

    index: int
    edge_id: str
    kind: str
    type: str
    source: str
    target: str
    source_member: str
    target_member: str
    label: str | None
    start_date: str | None
    end_date: str | None
    percentage: float | None
    datasets: list[str]
    statement_ids: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "edge_id": self.edge_id,
            "kind": self.kind,
            "type": self.type,
            "source": self.source,
            "target": self.target,
            "source_member": self.source_member,
            "target_member": self.target_member,
            "label": self.label,
            "start_date": self.start_date,
            "end_date": self.end_date,
            "percentage": self.percentage,
            "datasets": self.datasets,
            "statement_ids": self.statement_ids,
        }


class Scratch:
    """Arrays of one value per node for one search, returned clean (every
    entry back to its blank) by :meth:`Graph.scratch` after use."""

    def __init__(self, n: int) -> None:
        self.parents = (np.full(n, UNSEEN, dtype=np.int64), np.full(n, UNSEEN, dtype=np.int64))
        self.dist = (np.full(n, -1, dtype=np.int16), np.full(n, -1, dtype=np.int16))
        self.touched: list[NDArray[np.int64]] = []

    def reset(self) -> None:
        for nodes in self.touched:
            for parent in self.parents:
                parent[nodes] = UNSEEN
            for dist in self.dist:
                dist[nodes] = -1
        self.touched.clear()


class Graph:
    """A directed multigraph of resolved entities. Build it with
    :meth:`from_tables` (or ``Workspace.graph()``), then use the operations in
    :mod:`threadline.graph.paths`, ``.ownership`` and ``.analytics``."""

    def __init__(
        self,
        nodes: pa.Table,
        edges: pa.Table,
        arrays: dict[str, NDArray[Any]],
    ) -> None:
        self.node_ids: list[str] = nodes.column("id").to_pylist()
        self.captions: list[str] = nodes.column("caption").to_pylist()
        self.index: dict[str, int] = {node: i for i, node in enumerate(self.node_ids)}
        self.schema_names: list[str] = arrays["schema_names"].tolist()
        self.type_names: list[str] = arrays["type_names"].tolist()
        self.kind_names: list[str] = arrays["kind_names"].tolist()
        self.dataset_names: list[str] = arrays["dataset_names"].tolist()
        self.node_schema: NDArray[np.int16] = arrays["node_schema"]
        self.src: NDArray[np.int32] = arrays["src"]
        self.dst: NDArray[np.int32] = arrays["dst"]
        self.etype: NDArray[np.int16] = arrays["etype"]
        self.ekind: NDArray[np.int8] = arrays["ekind"]
        self.start: NDArray[np.int32] = arrays["start"]
        self.end: NDArray[np.int32] = arrays["end"]
        self.pct: NDArray[np.float32] = arrays["pct"]
        self.ds_ptr: IntArray = arrays["ds_ptr"]
        self.ds_codes: NDArray[np.int16] = arrays["ds_codes"]
        self.out_ptr, self.out_edges = arrays["out_ptr"], arrays["out_edges"]
        self.in_ptr, self.in_edges = arrays["in_ptr"], arrays["in_edges"]
        # Only merged nodes (more than one member) are kept: the rest are
        # their own single member, and a million one-item lists cost seconds.
        merged = nodes.filter(pc.greater(pc.list_value_length(nodes.column("members")), 1))
        self._members: dict[str, list[str]] = dict(
            zip(
                merged.column("id").to_pylist(),
                merged.column("members").to_pylist(),
                strict=True,
            )
        )
        self._member_of: dict[str, int] | None = None
        # Edge masks by filter (building one scans every edge) and reusable
        # per-search scratch arrays (allocating them per query costs more
        # than the search): both make repeated queries cheap.
        self.mask_cache: dict[Hashable, NDArray[np.bool_]] = {}
        self._scratch: list[Scratch] = []
        self._scratch_lock = threading.Lock()
        # Full edge rows: in memory for a graph built in this process,
        # memory-mapped from disk for a loaded one.
        self._edges = edges

    # -- building ---------------------------------------------------------------

    @classmethod
    def from_tables(cls, nodes: pa.Table, edges: pa.Table) -> Graph:
        """A graph from tables shaped like ``NODE_SCHEMA`` and ``EDGE_SCHEMA``.
        Edge ends with no node (a reference to an entity not loaded) get a
        node of unknown schema, so nothing stated is dropped."""
        nodes = nodes.select(NODE_SCHEMA.names).cast(NODE_SCHEMA)
        edges = edges.select(EDGE_SCHEMA.names).cast(EDGE_SCHEMA)
        known = nodes.column("id").combine_chunks()
        ends = [
            pc.index_in(edges.column(name), value_set=known).combine_chunks()
            for name in ("source", "target")
        ]
        # Ends not among the nodes are the nulls of index_in: only those are
        # looked at again, and they become stub nodes appended at the end.
        unmatched = [
            pc.filter(edges.column(name), pc.is_null(found)).combine_chunks()
            for name, found in zip(("source", "target"), ends, strict=True)
        ]
        missing = pc.unique(pa.concat_arrays(unmatched))
        if len(missing):
            stubs = pa.table(
                {
                    "id": missing,
                    "schema": pa.array([""] * len(missing), pa.string()),
                    "caption": missing,
                    "members": pa.array([[m] for m in missing.to_pylist()], pa.list_(pa.string())),
                },
                schema=NODE_SCHEMA,
            )
            for i, name in enumerate(("source", "target")):
                stub_index = pc.add(pc.index_in(edges.column(name), value_set=missing), len(known))
                ends[i] = pc.coalesce(ends[i], stub_index.combine_chunks())
            nodes = pa.concat_tables([nodes, stubs])
        n = nodes.num_rows
        src = ends[0].to_numpy(zero_copy_only=False).astype(np.int32)
        dst = ends[1].to_numpy(zero_copy_only=False).astype(np.int32)
        arrays: dict[str, NDArray[Any]] = {"src": src, "dst": dst}
        for column, codes, names in (("schema", "node_schema", "schema_names"),):
            encoded = nodes.column(column).combine_chunks().dictionary_encode()
            arrays[codes] = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int16)
            arrays[names] = np.array(encoded.dictionary.to_pylist(), dtype=object)
        for column, codes, names, dtype in (
            ("type", "etype", "type_names", np.int16),
            ("kind", "ekind", "kind_names", np.int8),
        ):
            encoded = edges.column(column).combine_chunks().dictionary_encode()
            arrays[codes] = encoded.indices.to_numpy(zero_copy_only=False).astype(dtype)
            arrays[names] = np.array(encoded.dictionary.to_pylist(), dtype=object)
        arrays["start"] = _date_keys(edges.column("start_date"), end=False)
        arrays["end"] = _date_keys(edges.column("end_date"), end=True)
        arrays["pct"] = edges.column("percentage").to_numpy(zero_copy_only=False).astype(np.float32)
        datasets = edges.column("datasets").combine_chunks()
        flat = pc.list_flatten(datasets).dictionary_encode()
        arrays["dataset_names"] = np.array(flat.dictionary.to_pylist(), dtype=object)
        arrays["ds_codes"] = flat.indices.to_numpy(zero_copy_only=False).astype(np.int16)
        offsets = datasets.offsets.to_numpy()
        arrays["ds_ptr"] = (offsets - offsets[0]).astype(np.int64)
        arrays["out_ptr"], arrays["out_edges"] = _csr(src, n)
        arrays["in_ptr"], arrays["in_edges"] = _csr(dst, n)
        return cls(nodes, edges, arrays)

    # -- persistence ------------------------------------------------------------

    def save(self, folder: Path, key: str) -> None:
        """Write the graph to ``folder`` atomically (a temp folder, then a rename)."""
        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        arrays = {
            name: getattr(self, name)
            for name in (
                "node_schema",
                "src",
                "dst",
                "etype",
                "ekind",
                "start",
                "end",
                "pct",
                "ds_ptr",
                "ds_codes",
                "out_ptr",
                "out_edges",
                "in_ptr",
                "in_edges",
            )
        }
        for name in ("schema_names", "type_names", "kind_names", "dataset_names"):
            arrays[name] = np.array(getattr(self, name), dtype=np.str_)
        np.savez(tmp / "arrays.npz", **arrays)
        pq.write_table(self.nodes_table(), tmp / "nodes.parquet")
        # Arrow IPC, uncompressed: memory-mapped on load, so citing an edge
        # is a random read of its row, not a decode of a compressed block.
        with (
            pa.OSFile(str(tmp / EDGE_FILE), "wb") as sink,
            pa.ipc.new_file(sink, EDGE_SCHEMA) as writer,
        ):
            writer.write_table(self._edges, max_chunksize=1 << 20)
        (tmp / "meta.json").write_text(json.dumps({"format": FORMAT, "key": key}), "utf-8")
        old = folder.with_name(folder.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if folder.exists():
            os.replace(folder, old)
        os.replace(tmp, folder)
        shutil.rmtree(old, ignore_errors=True)

    @staticmethod
    def saved_key(folder: Path) -> str | None:
        try:
            meta = json.loads((folder / "meta.json").read_text("utf-8"))
        except (OSError, ValueError):
            return None
        if meta.get("format") != FORMAT:
            return None
        return str(meta.get("key"))

    @classmethod
    def load(cls, folder: Path) -> Graph:
        with np.load(folder / "arrays.npz", allow_pickle=False) as data:
            arrays: dict[str, NDArray[Any]] = {name: data[name] for name in data.files}
        for name in ("schema_names", "type_names", "kind_names", "dataset_names"):
            arrays[name] = arrays[name].astype(object)
        nodes = pq.read_table(folder / "nodes.parquet")
        edges = pa.ipc.open_file(pa.memory_map(str(folder / EDGE_FILE))).read_all()
        return cls(nodes, edges, arrays)

    def nodes_table(self) -> pa.Table:
        return pa.table(
            {
                "id": pa.array(self.node_ids, pa.string()),
                "schema": pa.array(
                    [self.schema_names[c] for c in self.node_schema.tolist()], pa.string()
                ),
                "caption": pa.array(self.captions, pa.string()),
                "members": pa.array(
                    [self.members(i) for i in self.node_ids], pa.list_(pa.string())
                ),
            },
            schema=NODE_SCHEMA,
        )

    # -- per-query helpers ------------------------------------------------------

    @contextmanager
    def scratch(self) -> Iterator[Scratch]:
        """Blank per-node arrays for one search; safe across threads (each
        search takes its own set from a pool)."""
        with self._scratch_lock:
            item = self._scratch.pop() if self._scratch else None
        if item is None:
            item = Scratch(self.node_count)
        try:
            yield item
        finally:
            item.reset()
            with self._scratch_lock:
                self._scratch.append(item)

    def cached_mask(
        self, key: Hashable, build: Callable[[], NDArray[np.bool_]]
    ) -> NDArray[np.bool_]:
        mask = self.mask_cache.get(key)
        if mask is None:
            mask = build()
            mask.flags.writeable = False
            if len(self.mask_cache) >= MASK_CACHE:
                self.mask_cache.pop(next(iter(self.mask_cache)))
            self.mask_cache[key] = mask
        return mask

    # -- lookups ----------------------------------------------------------------

    @property
    def node_count(self) -> int:
        return len(self.node_ids)

    @property
    def edge_count(self) -> int:
        return len(self.src)

    def node(self, entity_id: str) -> int:
        """The node index of an entity id (canonical or any merged member)."""
        found = self.index.get(entity_id)
        if found is None:
            if self._member_of is None:
                self._member_of = {
                    member: self.index[node]
                    for node, members in self._members.items()
                    for member in members
                }
            found = self._member_of.get(entity_id)
        if found is None:
            raise EntityNotFound(
                f"no entity with id {entity_id!r} in the graph "
                "(check the id with `threadline search`; link entities are edges, not nodes)"
            )
        return found

    def members(self, node_id: str) -> list[str]:
        return self._members.get(node_id, [node_id])

    def schema_of(self, node: int) -> str:
        return self.schema_names[int(self.node_schema[node])]

    def type_of(self, edge: int) -> str:
        return self.type_names[int(self.etype[edge])]

    def type_codes(self, names: Sequence[str]) -> list[int]:
        return [i for i, name in enumerate(self.type_names) if name in set(names)]

    def edge_datasets(self, edge: int) -> list[str]:
        lo, hi = self.ds_ptr[edge], self.ds_ptr[edge + 1]
        return [self.dataset_names[c] for c in self.ds_codes[lo:hi].tolist()]

    def edges_table(self) -> pa.Table:
        """Every edge row, provenance included."""
        return self._edges

    def edge_records(self, edges: Sequence[int]) -> list[EdgeRecord]:
        """Full rows, provenance included, for the given edge indices."""
        if not len(edges):
            return []
        rows = self._edges.take(pa.array(list(edges), pa.int64())).to_pylist()
        return [EdgeRecord(index=int(e), **row) for e, row in zip(edges, rows, strict=True)]

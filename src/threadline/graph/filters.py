"""Which edges and nodes a traversal may use: by edge type, node schema,
dataset and an "as of" date. Filters turn into boolean masks over the edge and
node arrays once, so a traversal tests a hop with one array lookup."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from followthemoney import model
from numpy.typing import NDArray

from threadline.errors import InputError
from threadline.graph.structure import NO_START, date_key
from threadline.model.links import PIVOT_TYPES

if TYPE_CHECKING:
    from threadline.graph.structure import Graph

Direction = Literal["both", "out", "in"]
DIRECTIONS: tuple[Direction, ...] = ("both", "out", "in")


@functools.cache
def _known_types() -> frozenset[str]:
    """Every edge type the store could produce: FtM link schemata, entity
    properties and pivot kinds, so a valid type with no edges here is not a typo."""
    names = set(PIVOT_TYPES) | {t for kinds in PIVOT_TYPES.values() for t in kinds}
    names.add("mention")  # documents to what their text names (``--mentions``)
    for schema in model.schemata.values():
        if schema.edge:
            names.add(schema.name)
        names.update(p.name for p in schema.properties.values() if p.type.name == "entity")
    return frozenset(names)


@dataclass(frozen=True)
class EdgeFilter:
    """What a traversal may follow. Empty lists mean "any".

    ``types`` names edge schemata (Ownership) or reference properties
    (authority); ``schemata`` limits the nodes reached (a schema includes its
    descendants: Organization covers Company); ``as_of`` keeps edges in force
    on that date (undated edges are kept: their validity is unknown, not
    false); ``direction`` follows edges forwards, backwards or both ways."""

    types: tuple[str, ...] = ()
    schemata: tuple[str, ...] = ()
    datasets: tuple[str, ...] = ()
    as_of: str | None = None
    direction: Direction = "both"
    exclude_types: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if self.direction not in DIRECTIONS:
            raise InputError(f"unknown direction {self.direction!r}", hint="use both, out or in")
        for name in self.schemata:
            if model.get(name) is None:
                raise InputError(
                    f"unknown schema {name!r}", hint="use an FtM schema name such as Company"
                )
        if self.as_of is not None and date_key(self.as_of, end=False) == NO_START:
            raise InputError(
                f"bad date {self.as_of!r} for as-of", hint="use YYYY, YYYY-MM or YYYY-MM-DD"
            )

    @classmethod
    def of(
        cls,
        types: Sequence[str] | None = None,
        schemata: Sequence[str] | None = None,
        datasets: Sequence[str] | None = None,
        as_of: str | None = None,
        direction: Direction = "both",
    ) -> EdgeFilter:
        return cls(
            types=tuple(types or ()),
            schemata=tuple(schemata or ()),
            datasets=tuple(datasets or ()),
            as_of=as_of,
            direction=direction,
        )

    @property
    def is_open(self) -> bool:
        return not (self.types or self.datasets or self.as_of or self.exclude_types)

    def check(self, graph: Graph) -> None:
        """Reject names the graph has never seen: a typo would silently return nothing."""
        for name in self.types + self.exclude_types:
            if name not in graph.type_names and name not in _known_types():
                known = ", ".join(sorted(graph.type_names)) or "none"
                raise InputError(
                    f"unknown edge type {name!r}",
                    hint=f"use an FtM link schema or entity property; this graph has: {known}",
                )
        for name in self.datasets:
            if name not in graph.dataset_names:
                raise InputError(
                    f"no edges from dataset {name!r} in this graph",
                    hint="see `threadline datasets`",
                )

    def edge_mask(self, graph: Graph) -> NDArray[np.bool_] | None:
        """True for each edge the filter lets through; None when all pass.
        Masks are cached on the graph: building one scans every edge."""
        if self.is_open:
            return None
        self.check(graph)
        key = ("edges", self.types, self.exclude_types, self.datasets, self.as_of)
        return graph.cached_mask(key, lambda: self._build_edge_mask(graph))

    def _build_edge_mask(self, graph: Graph) -> NDArray[np.bool_]:
        mask = np.ones(graph.edge_count, dtype=bool)
        if self.types:
            mask &= _any_code(graph.etype, graph.type_codes(self.types))
        if self.exclude_types:
            mask &= ~_any_code(graph.etype, graph.type_codes(self.exclude_types))
        if self.datasets:
            wanted = [graph.dataset_names.index(d) for d in self.datasets]
            hits = _any_code(graph.ds_codes, wanted).astype(np.int64)
            # Sum the hits of each edge's dataset list: prefix sums at its offsets.
            cum = np.concatenate(([0], np.cumsum(hits)))
            mask &= (cum[graph.ds_ptr[1:]] - cum[graph.ds_ptr[:-1]]) > 0
        if self.as_of:
            day = date_key(self.as_of, end=False)
            top = date_key(self.as_of, end=True)
            # In force on the date: began by its last day, not ended before its first.
            mask &= (graph.start <= top) & (graph.end >= day)
        return mask

    def node_mask(self, graph: Graph) -> NDArray[np.bool_] | None:
        if not self.schemata:
            return None
        allowed = set()
        for code, name in enumerate(graph.schema_names):
            schema = model.get(name) if name and not name.startswith("Pivot:") else None
            if schema is not None and any(schema.is_a(s) for s in self.schemata):
                allowed.add(code)
        key = ("nodes", self.schemata)
        return graph.cached_mask(key, lambda: np.isin(graph.node_schema, list(allowed)))


def _any_code(codes: NDArray[Any], wanted: Sequence[int]) -> NDArray[np.bool_]:
    """``np.isin`` for a few small codes: one comparison per code is ~8x faster."""
    out = np.zeros(len(codes), dtype=bool)
    for code in wanted:
        out |= codes == code
    return out

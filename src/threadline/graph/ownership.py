"""Ultimate ownership: who owns a company through chains of companies, with
what effective share, and the reverse, everything an owner holds.

The effective share of an owner is the sum, over every simple ownership
chain from the owner down to the company, of the product of the percentages
along the chain. Chains never visit an entity twice, so circular holdings end
instead of looping. A chain with any link of unstated percentage has an
unknown share: it is reported, never guessed, and the owner's share is then
a lower bound (``complete`` is false).

Two ownership edges between the same owner and asset (two sources, or two
periods) count once: the one in force latest (by start date) gives the
percentage and all of them are cited.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from threadline.errors import GraphError
from threadline.graph.filters import Direction, EdgeFilter
from threadline.graph.paths import Hop, expand
from threadline.graph.structure import Graph

OWNERSHIP_TYPES = ("Ownership",)
#: Chains longer than this are cut (and the result says so).
MAX_DEPTH = 12
MAX_CHAINS = 10_000


@dataclass
class Chain:
    """One ownership chain. ``nodes`` runs from the holder at the top down
    to the held entity at the bottom; ``share`` is a fraction (0-1) or None."""

    nodes: list[int]
    hops: list[Hop]
    share: float | None


@dataclass
class Holding:
    """An owner (for :func:`owners`) or a held entity (for :func:`holdings`)."""

    node: int
    chains: list[Chain] = field(default_factory=list)
    #: True for an owner nobody (known) owns in turn.
    ultimate: bool = False

    @property
    def share(self) -> float | None:
        """Sum of the known chains' shares, in percent; None if none is known."""
        known = [c.share for c in self.chains if c.share is not None]
        return 100.0 * sum(known) if known else None

    @property
    def complete(self) -> bool:
        return all(c.share is not None for c in self.chains)


@dataclass
class OwnershipResult:
    subject: int
    direction: Literal["owners", "holdings"]
    holdings: list[Holding]
    truncated: bool = False


def _step(
    graph: Graph, node: int, upward: bool, mask: NDArray[np.bool_] | None
) -> dict[int, tuple[float | None, list[int]]]:
    """The next entities up (owners) or down (assets) from ``node``, each
    with the stated fraction (None if unknown) and the edges behind it."""
    direction: Direction = "in" if upward else "out"
    _, edges, other = expand(graph, np.array([node], dtype=np.int64), direction, mask)
    grouped: dict[int, list[int]] = {}
    for edge, nxt in zip(edges.tolist(), other.tolist(), strict=True):
        grouped.setdefault(nxt, []).append(edge)
    out = {}
    for nxt, group in grouped.items():
        # Latest in force wins; among equals, a stated share beats a missing one.
        best = max(group, key=lambda e: (int(graph.start[e]), not np.isnan(graph.pct[e])))
        pct = float(graph.pct[best])
        out[nxt] = (None if np.isnan(pct) else pct / 100.0, sorted(group))
    return out


def _walk(
    graph: Graph,
    subject_id: str,
    upward: bool,
    flt: EdgeFilter,
    max_depth: int,
    max_chains: int,
) -> OwnershipResult:
    if max_depth < 1:
        raise GraphError(f"max depth must be at least 1, not {max_depth}")
    subject = graph.node(subject_id)
    types = tuple(t for t in OWNERSHIP_TYPES if t in graph.type_names)
    result = OwnershipResult(subject, "owners" if upward else "holdings", [])
    if not types:
        return result
    mask = EdgeFilter(types=types, datasets=flt.datasets, as_of=flt.as_of).edge_mask(graph)
    cache: dict[int, dict[int, tuple[float | None, list[int]]]] = {}

    def step(node: int) -> dict[int, tuple[float | None, list[int]]]:
        if node not in cache:
            cache[node] = _step(graph, node, upward, mask)
        return cache[node]

    found: dict[int, Holding] = {}
    count = 0
    # Depth-first over simple chains: (node, trail of nodes, hops, share).
    stack: list[tuple[int, list[int], list[Hop], float | None]] = [(subject, [subject], [], 1.0)]
    while stack:
        node, trail, hops, share = stack.pop()
        nexts = {n: v for n, v in step(node).items() if n not in trail}
        if node != subject:
            holding = found.setdefault(node, Holding(node))
            # Nodes run from the holder down: reverse the walk for owners.
            nodes = trail[::-1] if upward else list(trail)
            chain_hops = hops[::-1] if upward else list(hops)
            holding.chains.append(Chain(nodes, chain_hops, share))
            if upward and not step(node):
                holding.ultimate = True
            count += 1
            if count >= max_chains:
                result.truncated = True
                break
        if len(trail) > max_depth:
            if nexts:
                result.truncated = True
            continue
        for nxt, (fraction, edges) in sorted(nexts.items(), reverse=True):
            hop = Hop(nxt, node, edges) if upward else Hop(node, nxt, edges)
            new_share = None if share is None or fraction is None else share * fraction
            stack.append((nxt, [*trail, nxt], [*hops, hop], new_share))
    if upward:
        # Also ultimate: an owner at the top of a circle of cross-holdings
        # (A and B own each other and the company; nobody owns them from
        # outside): every entity above it is also below it.
        known = {*found, subject}
        above = {node: _above(node, step, known) for node in known}
        for holding in found.values():
            ups = above[holding.node]
            if not holding.ultimate and ups is not None:
                holding.ultimate = all(
                    (theirs := above[up]) is not None and holding.node in theirs for up in ups
                )
    result.holdings = list(found.values())
    return result


def _above(
    node: int,
    owners_of: Callable[[int], dict[int, tuple[float | None, list[int]]]],
    known: set[int],
) -> set[int] | None:
    """Every entity that owns ``node``, directly or through others; None when
    one of them lies outside ``known`` (past the walk's depth): then someone
    unseen is above it."""
    seen: set[int] = set()
    frontier = [node]
    while frontier:
        for owner in owners_of(frontier.pop()):
            if owner not in known:
                return None
            if owner not in seen:
                seen.add(owner)
                frontier.append(owner)
    return seen


def _rank(holdings: Sequence[Holding]) -> list[Holding]:
    return sorted(holdings, key=lambda h: (h.share is None, -(h.share or 0.0), h.node))


def owners(
    graph: Graph,
    company_id: str,
    threshold: float = 0.0,
    flt: EdgeFilter | None = None,
    ultimate_only: bool = True,
    max_depth: int = MAX_DEPTH,
    max_chains: int = MAX_CHAINS,
) -> OwnershipResult:
    """Who owns ``company_id``, directly or through other companies.

    Keeps owners whose known effective share is at least ``threshold``
    percent, and owners with a chain of unknown share (which may reach it).
    With ``ultimate_only``, only the top of each chain (owners nobody owns).
    """
    _check_threshold(threshold)
    result = _walk(graph, company_id, True, flt or EdgeFilter(), max_depth, max_chains)
    kept = [
        h for h in result.holdings if (h.ultimate or not ultimate_only) and _passes(h, threshold)
    ]
    result.holdings = _rank(kept)
    return result


def holdings(
    graph: Graph,
    owner_id: str,
    threshold: float = 0.0,
    flt: EdgeFilter | None = None,
    max_depth: int = MAX_DEPTH,
    max_chains: int = MAX_CHAINS,
) -> OwnershipResult:
    """Everything ``owner_id`` holds, directly or through its companies, with
    the effective share of each (the reverse of :func:`owners`)."""
    _check_threshold(threshold)
    result = _walk(graph, owner_id, False, flt or EdgeFilter(), max_depth, max_chains)
    result.holdings = _rank([h for h in result.holdings if _passes(h, threshold)])
    return result


def _check_threshold(threshold: float) -> None:
    if not 0 <= threshold <= 100:
        raise GraphError(f"threshold must be a percentage (0-100), not {threshold}")


def _passes(holding: Holding, threshold: float) -> bool:
    share = holding.share
    return not holding.complete or (share is not None and share >= threshold - 1e-9)

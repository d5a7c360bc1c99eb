"""The link graph (issue 4) on a generated graph, against networkx in the same run.

Targets on 1M entities and 10M edges, after load: shortest path p50 <= 50 ms,
2-hop neighbourhood p50 <= 20 ms, ownership roll-up p50 <= 50 ms, memory <= 4 GB.

Every phase runs in a child process of its own, so each one's time and peak RSS
(``ru_maxrss`` of that process, cross-checked by polling it with psutil) are
its own:

1. ``gen``: ``bench/gen_graph.py`` builds the node and edge tables (seeded),
   writes them as Arrow IPC files and draws the queries (seeded): random node
   pairs, random 2-hop centres, random companies with at least one owner.
2. ``build``: reads the tables, ``Graph.from_tables``, ``Graph.save``.
3. ``query``: a fresh process: ``Graph.load``, then the queries:
   ``paths.shortest_path`` (default filter: both directions, at most 6 hops),
   ``paths.neighbours(depth=2, limit=None)``, ``ownership.owners(threshold=25)``.
   Its peak RSS is the "memory after load" figure.
4. ``networkx``: reads the same tables, builds an ``nx.MultiDiGraph`` over
   integer nodes (the node's row; each edge with its type, and for Ownership
   its percentage and start date), then the same queries:
   ``nx.bidirectional_shortest_path`` on ``G.to_undirected(as_view=True)``,
   ``nx.single_source_shortest_path_length(cutoff=2)`` on the same view, and an
   ownership roll-up written against networkx with the semantics of
   ``threadline.graph.ownership.owners``: depth-first over simple chains up the
   Ownership in-edges (``G.in_edges(node, data=True)``), the product of shares
   along a chain, unknown shares propagating as unknown, parallel holdings
   counted once (latest start date wins), at most 12 levels and 10,000 chains,
   ultimate owners only, kept at >= 25% or when a chain's share is unknown.

The parent checks that both agree (shortest path lengths, 2-hop set sizes,
owners with their shares) and prints a markdown table with the ratios.

    python bench/bench_graph.py --nodes 100000 --edges 1000000
    python bench/bench_graph.py --nodes 1000000 --edges 10000000 --queries 200
"""

from __future__ import annotations

import argparse
import contextlib
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import psutil
from numpy.typing import NDArray

sys.path.insert(0, str(Path(__file__).parent))

HERE = Path(__file__).resolve()
THRESHOLD = 25.0
MAX_HOPS = 6  # paths.MAX_DEPTH, the default of shortest_path
MAX_DEPTH = 12  # ownership.MAX_DEPTH
MAX_CHAINS = 10_000  # ownership.MAX_CHAINS
TARGETS_MS = {"shortest path": 50.0, "2-hop neighbourhood": 20.0, "ownership roll-up": 50.0}
TARGET_MIB = 4 * 1024


def peak_rss_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def rss_mib() -> float:
    return round(psutil.Process().memory_info().rss / 2**20, 1)


def _write(folder: Path, name: str, data: dict[str, Any]) -> None:
    data["peak_rss_mib"] = peak_rss_mib()
    (folder / f"{name}.json").write_text(json.dumps(data), "utf-8")


# -- phase 1: data and queries ---------------------------------------------------


def phase_gen(folder: Path, nodes: int, edges: int, queries: int, seed: int) -> None:
    import pyarrow.compute as pc

    from gen_graph import describe, generate, write_tables

    began = time.perf_counter()
    node_table, edge_table = generate(nodes, edges, seed)
    gen_s = time.perf_counter() - began
    began = time.perf_counter()
    write_tables(folder / "data", node_table, edge_table)
    write_s = time.perf_counter() - began
    shape = describe(node_table, edge_table)
    rng = np.random.default_rng(seed + 1)
    ids = node_table.column("id").combine_chunks()
    n = len(ids)
    a = rng.integers(0, n, queries)
    b = (a + rng.integers(1, n, queries)) % n  # never the same node
    centres = rng.integers(0, n, queries)
    own = pc.equal(edge_table.column("type"), "Ownership")
    owned = pc.unique(pc.filter(edge_table.column("target"), own).combine_chunks())
    owned = pc.filter(owned, pc.starts_with(owned, "co-"))  # companies
    picks = rng.choice(len(owned), size=min(queries, len(owned)), replace=False)
    (folder / "queries.json").write_text(
        json.dumps(
            {
                "pairs": [
                    [ids[int(x)].as_py(), ids[int(y)].as_py()] for x, y in zip(a, b, strict=True)
                ],
                "centres": [ids[int(c)].as_py() for c in centres],
                "companies": [owned[int(i)].as_py() for i in np.sort(picks)],
            }
        ),
        "utf-8",
    )
    _write(folder, "gen", {"generate_s": gen_s, "write_s": write_s, "shape": shape})


# -- phase 2 and 3: Threadline -------------------------------------------------------


def phase_build(folder: Path) -> None:
    from gen_graph import read_tables
    from threadline.graph.structure import Graph

    began = time.perf_counter()
    nodes, edges = read_tables(folder / "data")
    read_s = time.perf_counter() - began
    began = time.perf_counter()
    graph = Graph.from_tables(nodes, edges)
    build_s = time.perf_counter() - began
    rss_built = rss_mib()
    del nodes, edges
    began = time.perf_counter()
    graph.save(folder / "graph", "bench")
    save_s = time.perf_counter() - began
    _write(
        folder,
        "build",
        {"read_s": read_s, "build_s": build_s, "save_s": save_s, "rss_built_mib": rss_built},
    )


def _timed(fn: Any, *args: Any, **kwargs: Any) -> tuple[float, Any]:
    began = time.perf_counter()
    out = fn(*args, **kwargs)
    return (time.perf_counter() - began) * 1000.0, out


def phase_query(folder: Path, profile: bool) -> None:
    from threadline.graph import ownership, paths
    from threadline.graph.structure import Graph

    queries = json.loads((folder / "queries.json").read_text("utf-8"))
    began = time.perf_counter()
    graph = Graph.load(folder / "graph")
    load_s = time.perf_counter() - began
    rss_loaded = rss_mib()
    out: dict[str, Any] = {"load_s": load_s, "rss_loaded_mib": rss_loaded}
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    sp = []
    for a, b in queries["pairs"]:
        ms, res = _timed(paths.shortest_path, graph, a, b)
        sp.append([ms, res.paths[0].length if res.paths else None])
    out["shortest path"] = sp
    hood = []
    for c in queries["centres"]:
        ms, res = _timed(paths.neighbours, graph, c, 2, None, None)
        hood.append([ms, len(res.depths)])
    out["2-hop neighbourhood"] = hood
    own = []
    for c in queries["companies"]:
        ms, res = _timed(ownership.owners, graph, c, THRESHOLD)
        found = [[graph.node_ids[h.node], h.share, h.complete] for h in res.holdings]
        own.append([ms, found, res.truncated])
    out["ownership roll-up"] = own
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(str(folder / "query.prof"))
    out["rss_end_mib"] = rss_mib()
    _write(folder, "query", out)


# -- phase 4: networkx --------------------------------------------------------------


def _start_keys(column: Any) -> NDArray[np.int64]:
    """A partial start date as YYYYMMDD, padded down (0 when absent)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    digits = pc.utf8_rpad(pc.replace_substring(column, "-", ""), width=8, padding="0")
    return np.asarray(pc.fill_null(pc.cast(digits, pa.int64()), 0).to_numpy(), dtype=np.int64)


def nx_owners(graph: Any, subject: int) -> tuple[list[list[Any]], bool]:
    """Ultimate owners of ``subject`` at >= THRESHOLD percent, the way
    ``threadline.graph.ownership.owners`` defines them, over a MultiDiGraph."""
    cache: dict[int, dict[int, float | None]] = {}

    def step(node: int) -> dict[int, float | None]:
        known = cache.get(node)
        if known is None:
            grouped: dict[int, list[dict[str, Any]]] = {}
            for owner, _, data in graph.in_edges(node, data=True):
                if data["t"] == "Ownership":
                    grouped.setdefault(owner, []).append(data)
            known = {}
            for owner, group in grouped.items():
                best = max(group, key=lambda d: (d["s"], d["p"] is not None))
                known[owner] = None if best["p"] is None else best["p"] / 100.0
            cache[node] = known
        return known

    chains: dict[int, list[tuple[tuple[int, ...], float | None]]] = {}
    ultimate: set[int] = set()
    count = 0
    truncated = False
    stack: list[tuple[int, tuple[int, ...], float | None]] = [(subject, (subject,), 1.0)]
    while stack:
        node, trail, share = stack.pop()
        nexts = {n: f for n, f in step(node).items() if n not in trail}
        if node != subject:
            chains.setdefault(node, []).append((trail, share))
            if not step(node):
                ultimate.add(node)
            count += 1
            if count >= MAX_CHAINS:
                truncated = True
                break
        if len(trail) > MAX_DEPTH:
            truncated = truncated or bool(nexts)
            continue
        for nxt, fraction in sorted(nexts.items(), reverse=True):
            product = None if share is None or fraction is None else share * fraction
            stack.append((nxt, (*trail, nxt), product))
    found = []
    for node, held in chains.items():
        if node not in ultimate and not all(set(step(node)) <= set(t) for t, _ in held):
            continue
        known = [s for _, s in held if s is not None]
        total = 100.0 * sum(known) if known else None
        complete = len(known) == len(held)
        if not complete or (total is not None and total >= THRESHOLD - 1e-9):
            found.append([node, total, complete])
    return found, truncated


def _nx_rows(
    src: NDArray[Any],
    dst: NDArray[Any],
    type_names: list[str],
    type_codes: NDArray[Any],
    shares: NDArray[Any],
    start: NDArray[Any],
) -> Iterator[tuple[int, int, dict[str, Any]]]:
    """The edges as networkx takes them, a million at a time (no big lists)."""
    for lo in range(0, len(src), 1 << 20):
        hi = lo + (1 << 20)
        chunk = zip(
            src[lo:hi].tolist(),
            dst[lo:hi].tolist(),
            type_codes[lo:hi].tolist(),
            shares[lo:hi].tolist(),
            start[lo:hi].tolist(),
            strict=True,
        )
        for u, v, t, p, s in chunk:
            name = type_names[t]
            if name == "Ownership":
                yield u, v, {"t": name, "p": None if p != p else p, "s": s}
            else:
                yield u, v, {"t": name}


def phase_networkx(folder: Path) -> None:
    import networkx as nx
    import pyarrow.compute as pc

    from gen_graph import read_tables

    queries = json.loads((folder / "queries.json").read_text("utf-8"))
    began = time.perf_counter()
    nodes, edges = read_tables(folder / "data")
    ids = nodes.column("id").combine_chunks()
    src = pc.index_in(edges.column("source"), value_set=ids).to_numpy()
    dst = pc.index_in(edges.column("target"), value_set=ids).to_numpy()
    coded = edges.column("type").combine_chunks().dictionary_encode()
    type_names = [sys.intern(t) for t in coded.dictionary.to_pylist()]
    type_codes = coded.indices.to_numpy()
    shares = edges.column("percentage").to_numpy(zero_copy_only=False)
    start = _start_keys(edges.column("start_date"))
    node_ids: list[str] = ids.to_pylist()
    index = {node: i for i, node in enumerate(node_ids)}
    del nodes, edges, ids, coded
    prep_s = time.perf_counter() - began

    began = time.perf_counter()
    graph = nx.MultiDiGraph()
    graph.add_nodes_from(range(len(node_ids)))
    graph.add_edges_from(_nx_rows(src, dst, type_names, type_codes, shares, start))
    build_s = time.perf_counter() - began
    del src, dst, type_codes, shares, start
    rss_built = rss_mib()
    undirected = graph.to_undirected(as_view=True)
    out: dict[str, Any] = {"prep_s": prep_s, "build_s": build_s, "rss_built_mib": rss_built}

    sp = []
    for a, b in queries["pairs"]:
        began = time.perf_counter()
        try:
            length: int | None = len(nx.bidirectional_shortest_path(undirected, index[a], index[b]))
            length = (length or 0) - 1
        except nx.NetworkXNoPath:
            length = None
        sp.append([(time.perf_counter() - began) * 1000.0, length])
    out["shortest path"] = sp
    hood = []
    for c in queries["centres"]:
        began = time.perf_counter()
        reached = nx.single_source_shortest_path_length(undirected, index[c], cutoff=2)
        hood.append([(time.perf_counter() - began) * 1000.0, len(reached)])
    out["2-hop neighbourhood"] = hood
    own = []
    for c in queries["companies"]:
        began = time.perf_counter()
        found, truncated = nx_owners(graph, index[c])
        ms = (time.perf_counter() - began) * 1000.0
        own.append([ms, [[node_ids[n], s, ok] for n, s, ok in found], truncated])
    out["ownership roll-up"] = own
    out["rss_end_mib"] = rss_mib()
    _write(folder, "networkx", out)


# -- the parent ---------------------------------------------------------------------


def run_phase(folder: Path, phase: str, extra: list[str], cap_mib: float) -> dict[str, Any]:
    """Run one phase as a child; poll its RSS (killing it past ``cap_mib``)."""
    command = [sys.executable, str(HERE), "--phase", phase, "--dir", str(folder), *extra]
    began = time.perf_counter()
    child = subprocess.Popen(command)
    proc = psutil.Process(child.pid)
    polled = 0.0
    killed = False
    while child.poll() is None:
        with contextlib.suppress(psutil.Error):
            polled = max(polled, proc.memory_info().rss / 2**20)
        if polled > cap_mib and not killed:
            child.kill()
            killed = True
        time.sleep(0.1)
    wall = time.perf_counter() - began
    if killed:
        return {"failed": f"killed at {polled:,.0f} MiB (cap {cap_mib:,.0f} MiB)"}
    if child.returncode != 0:
        return {"failed": f"exit code {child.returncode}"}
    data: dict[str, Any] = json.loads((folder / f"{phase}.json").read_text("utf-8"))
    data["wall_s"] = wall
    data["polled_rss_mib"] = round(polled, 1)
    return data


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q))


def ms(value: float) -> str:
    return f"{value:,.2f} ms" if value < 10 else f"{value:,.1f} ms"


def ratio(peer: float, ours: float) -> str:
    """networkx time / Threadline time: above 1, Threadline is faster."""
    return f"{peer / ours:.2g}×"


def check(tl: dict[str, Any], peer: dict[str, Any]) -> list[str]:
    """Disagreements between Threadline and networkx (empty when they agree)."""
    problems = []
    for i, (ours, theirs) in enumerate(
        zip(tl["shortest path"], peer["shortest path"], strict=True)
    ):
        want = theirs[1] if theirs[1] is not None and theirs[1] <= MAX_HOPS else None
        if ours[1] != want:
            problems.append(f"shortest path {i}: threadline {ours[1]}, networkx {theirs[1]}")
    for i, (ours, theirs) in enumerate(
        zip(tl["2-hop neighbourhood"], peer["2-hop neighbourhood"], strict=True)
    ):
        if ours[1] != theirs[1]:
            problems.append(f"2-hop {i}: threadline {ours[1]} nodes, networkx {theirs[1]}")
    for i, (ours, theirs) in enumerate(
        zip(tl["ownership roll-up"], peer["ownership roll-up"], strict=True)
    ):
        if ours[2] or theirs[2]:
            if ours[2] != theirs[2]:
                problems.append(f"ownership {i}: truncated {ours[2]} vs {theirs[2]}")
            continue
        a = {o[0]: o for o in ours[1]}
        b = {o[0]: o for o in theirs[1]}
        for node in set(a) ^ set(b):
            # float32 shares in Threadline: only a share at the threshold may differ.
            share = (a.get(node) or b.get(node) or [None, None])[1]
            if share is None or abs(share - THRESHOLD) > 0.01:
                problems.append(f"ownership {i}: owner {node} only on one side")
        for node in set(a) & set(b):
            sa, sb = a[node][1], b[node][1]
            if a[node][2] != b[node][2] or (sa is None) != (sb is None):
                problems.append(f"ownership {i}: owner {node} {a[node]} vs {b[node]}")
            elif sa is not None and abs(sa - sb) > 0.01:
                problems.append(f"ownership {i}: owner {node} share {sa} vs {sb}")
    return problems


def report(args: argparse.Namespace, res: dict[str, dict[str, Any]]) -> str:
    gen, build, query = res["gen"], res["build"], res["query"]
    peer = res.get("networkx")
    has_peer = bool(peer) and "failed" not in peer
    lines = [
        f"graph: {args.nodes:,} nodes, {args.edges:,} edges, seed {args.seed}, "
        f"{args.queries} queries of each kind",
        "",
        "| operation | Threadline p50 | Threadline p95 | networkx p50 | networkx p95 "
        "| networkx / Threadline p50 | networkx / Threadline p95 | target (p50) | met |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for op, target in TARGETS_MS.items():
        ours = [r[0] for r in query[op]]
        p50, p95 = pct(ours, 50), pct(ours, 95)
        if has_peer:
            theirs = [r[0] for r in peer[op]]  # type: ignore[index]
            q50, q95 = pct(theirs, 50), pct(theirs, 95)
            peer_cells = f"{ms(q50)} | {ms(q95)} | {ratio(q50, p50)} | {ratio(q95, p95)}"
        else:
            peer_cells = "— | — | — | —"
        met = "yes" if p50 <= target else "**no**"
        lines.append(f"| {op} | {ms(p50)} | {ms(p95)} | {peer_cells} | ≤ {target:.0f} ms | {met} |")
    peak = query["peak_rss_mib"]
    lines += [
        "",
        "| phase | Threadline | networkx |",
        "|---|---:|---:|",
        f"| generate tables (shared) | {gen['generate_s']:.1f} s | |",
        f"| build graph | {build['build_s']:.1f} s (`Graph.from_tables`) | "
        + (
            f"{peer['build_s']:.1f} s (MultiDiGraph; + {peer['prep_s']:.1f} s to lists) |"  # type: ignore[index]
            if has_peer
            else "— |"
        ),
        f"| save / load | {build['save_s']:.1f} s / {query['load_s']:.1f} s | — |",
        f"| RSS after build | {build['rss_built_mib']:,.0f} MiB | "
        + (f"{peer['rss_built_mib']:,.0f} MiB |" if has_peer else "— |"),  # type: ignore[index]
        f"| peak RSS, build process | {build['peak_rss_mib']:,.0f} MiB | |",
        f"| RSS after load | {query['rss_loaded_mib']:,.0f} MiB | |",
        f"| peak RSS, query process (after load) | {peak:,.0f} MiB | "
        + (f"{peer['peak_rss_mib']:,.0f} MiB |" if has_peer else "— |"),  # type: ignore[index]
        "",
        f"memory target ≤ 4 GB after load: {'met' if peak <= TARGET_MIB else '**not met**'}",
    ]
    sp = query["shortest path"]
    found = [r[1] for r in sp if r[1] is not None]
    sizes = [r[1] for r in query["2-hop neighbourhood"]]
    owners = [len(r[1]) for r in query["ownership roll-up"]]
    lines += [
        f"shortest path found (≤ {MAX_HOPS} hops) for {len(found)}/{len(sp)} pairs, "
        f"mean length {np.mean(found) if found else 0:.2f}",
        f"2-hop neighbourhood size: p50 {pct(sizes, 50):,.0f}, p95 {pct(sizes, 95):,.0f}, "
        f"max {max(sizes):,}",
        f"owners at ≥ 25% per company: mean {np.mean(owners):.2f}, max {max(owners)}; "
        f"truncated {sum(1 for r in query['ownership roll-up'] if r[2])}",
    ]
    if peer and not has_peer:
        lines.append(f"networkx: {peer['failed']}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, default=100_000)
    parser.add_argument("--edges", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-networkx", action="store_true")
    parser.add_argument(
        "--nx-cap-gb", type=float, default=18.0, help="kill networkx above this RSS"
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the Threadline queries")
    parser.add_argument("--dir", type=Path, help="work folder (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--phase", choices=("gen", "build", "query", "networkx"))
    args = parser.parse_args()
    if args.phase:
        if args.phase == "gen":
            phase_gen(args.dir, args.nodes, args.edges, args.queries, args.seed)
        elif args.phase == "build":
            phase_build(args.dir)
        elif args.phase == "query":
            phase_query(args.dir, args.profile)
        else:
            phase_networkx(args.dir)
        return

    folder = args.dir or Path(tempfile.mkdtemp(prefix="bench-graph-"))
    folder.mkdir(parents=True, exist_ok=True)
    size = ["--nodes", str(args.nodes), "--edges", str(args.edges)]
    gen_args = [*size, "--queries", str(args.queries), "--seed", str(args.seed)]
    no_cap = float("inf")
    res: dict[str, dict[str, Any]] = {}
    try:
        for phase, extra, cap in (
            ("gen", gen_args, no_cap),
            ("build", [], no_cap),
            ("query", ["--profile"] if args.profile else [], no_cap),
            ("networkx", [], args.nx_cap_gb * 1024),
        ):
            if phase == "networkx" and args.skip_networkx:
                continue
            res[phase] = run_phase(folder, phase, extra, cap)
            if "failed" in res[phase] and phase != "networkx":
                raise SystemExit(f"{phase}: {res[phase]['failed']}")
            print(f"[{phase}] done in {res[phase].get('wall_s', 0):.1f} s", file=sys.stderr)
        print(res["gen"]["shape"])
        print()
        print(report(args, res))
        if "networkx" in res and "failed" not in res["networkx"]:
            problems = check(res["query"], res["networkx"])
            for line in problems[:20]:
                print("DISAGREE:", line)
            print(f"agreement: {'all answers agree' if not problems else len(problems)}")
            if problems:
                raise SystemExit(1)
        summary = {
            phase: {k: v for k, v in data.items() if not isinstance(v, list)}
            for phase, data in res.items()
        }
        print(json.dumps(summary))
    finally:
        if args.keep or args.dir:
            print(f"work folder: {folder}", file=sys.stderr)
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()

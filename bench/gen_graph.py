"""A seeded generator of a large investigative link graph, in the table shapes
:meth:`threadline.graph.structure.Graph.from_tables` takes (``NODE_SCHEMA`` and
``EDGE_SCHEMA`` in ``threadline.model.links``).

Nodes: about half companies, 45% people, the rest public bodies and contracts,
with FtM-like hashed ids (``co-3fa2b1c9d0e1``) and made-up names.

Edges (all numpy, no Python object per edge; strings are built as fixed-width
byte matrices or with Arrow compute):

- ``Ownership`` (owner -> asset): every company gets a level 0-7 in an
  ownership hierarchy and, for 85% of companies, one to eight owners
  (geometric, mean 1.8): people (and a few public bodies) at the top, otherwise
  a company one level up (sometimes several), so chains run several levels deep
  and two owners of a company often share an owner (diamonds); 0.4% of
  company owners come from the same or a lower level, closing cycles. Shares
  split the company (sometimes only part of it), 10% of them are not stated,
  2% of holdings are stated twice (another source, another start date).
- ``Directorship``, ``Employment``, ``Payment`` (dated, payer -> beneficiary),
  ``Family``, ``Associate``, ``ContractAward`` (contract -> supplier), and
  reference edges: ``authority`` (contract -> public body) and ``parent``
  (company -> company).

Endpoints are drawn by popularity rank with a power law (P(rank r) ~ r^-s,
s = 0.3-0.8 by role), one popularity order per schema shared by all edge
types, so degrees are heavy-tailed (tail exponent about 2.2-2.5 for the most
skewed roles) and the same hubs (registered agents, nominee directors, big
payers) dominate several edge types, as in real registries and leaks.
Start/end dates on a fraction of edges (some year-only or year-month), one or
two of eight dataset names per edge, one or two statement ids per edge.

    python bench/gen_graph.py --nodes 100000 --edges 1000000 --seed 1
    python bench/gen_graph.py --nodes 1000000 --edges 10000000 --out /tmp/g
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from followthemoney import model
from numpy.typing import NDArray

# The table shapes and edge kinds are the model's, not copies, so a change
# there shows up here as a failure rather than as a benchmark of stale data.
from threadline.model.links import EDGE_SCHEMA, IGNORED_REFERENCES, NODE_SCHEMA, edge_schemata

Ints = NDArray[np.int64]

# schema, id prefix (3 bytes), share of nodes
NODE_KINDS: tuple[tuple[str, str, float], ...] = (
    ("Company", "co-", 0.50),
    ("Person", "pe-", 0.45),
    ("PublicBody", "pb-", 0.01),
    ("Contract", "ct-", 0.04),
)
COMPANY, PERSON, PUBLIC, CONTRACT = range(4)

DATASETS = (
    "gb_coh_psc",
    "ru_egrul",
    "cy_companies",
    "icij_offshoreleaks",
    "ua_edr",
    "eu_fts",
    "leak_payments_2024",
    "us_procurement",
)

# type, kind, id prefix (3 bytes), datasets (indices into DATASETS), labels
EDGE_TYPES: tuple[tuple[str, str, str, tuple[int, ...], tuple[str, ...]], ...] = (
    ("Ownership", "link", "ow-", (0, 1, 2, 3, 4), ("owns", "shareholder", "beneficial owner")),
    ("Directorship", "link", "di-", (0, 1, 2, 3, 4), ("director", "secretary", "nominee director")),
    ("Employment", "link", "em-", (1, 4, 5), ("works for", "accountant", "manager")),
    ("Payment", "link", "pa-", (6, 5), ("paid",)),
    ("Family", "link", "fa-", (3, 4), ("spouse", "child", "sibling", "related to")),
    ("Associate", "link", "as-", (3, 6), ("associated with", "business partner")),
    ("ContractAward", "link", "ca-", (5, 7), ("awarded to",)),
    ("authority", "reference", "", (5, 7), ("authority",)),
    ("parent", "reference", "", (0, 2), ("parent",)),
)
OWN, DIRECTOR, EMPLOY, PAY, FAMILY, ASSOC, AWARD, AUTHORITY, PARENT = range(9)

#: Shares of the edges left after Ownership and the references.
REST_SHARES = {DIRECTOR: 0.28, EMPLOY: 0.17, FAMILY: 0.06, ASSOC: 0.09, AWARD: 0.03, PAY: 0.37}
OWNERSHIP_SHARE = 0.09  # at most this share of all edges
LEVEL_P = (0.30, 0.25, 0.18, 0.12, 0.08, 0.04, 0.02, 0.01)

FIRST = [
    "Anna",
    "Boris",
    "Carlos",
    "Dmitri",
    "Elena",
    "Farid",
    "Grace",
    "Hugo",
    "Irina",
    "Jamal",
    "Karin",
    "Lev",
    "Maria",
    "Nikolai",
    "Olga",
    "Pavel",
    "Qing",
    "Rosa",
    "Sergei",
    "Tatiana",
    "Umar",
    "Vera",
    "Wei",
    "Xenia",
    "Yusuf",
    "Zoran",
    "Ahmed",
    "Bianca",
    "Chen",
    "Dana",
]
LAST = [
    "Ivanov",
    "Smith",
    "Petrova",
    "Garcia",
    "Kowalski",
    "Chen",
    "Novak",
    "Rossi",
    "Muller",
    "Popescu",
    "Horvat",
    "Kim",
    "Silva",
    "Sokolov",
    "Nguyen",
    "Jensen",
    "Dubois",
    "Costa",
    "Yilmaz",
    "Kuznetsov",
    "Morozova",
    "Andersen",
    "Papadopoulos",
    "Haddad",
]
WORDS = [
    "Alpha",
    "Baltic",
    "Crown",
    "Delta",
    "Eastern",
    "Falcon",
    "Global",
    "Harbor",
    "Imperial",
    "Jade",
    "Kestrel",
    "Lotus",
    "Meridian",
    "Nordic",
    "Orion",
    "Pacific",
    "Quantum",
    "Regal",
    "Silver",
    "Titan",
    "Union",
    "Vector",
    "Western",
    "Zenith",
    "Amber",
    "Cedar",
]
SUFFIXES = ("Ltd", "LLC", "Holdings Ltd", "S.A.", "GmbH", "OOO", "Trading Ltd", "Invest LLC")

_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_MASK48 = np.uint64((1 << 48) - 1)
DAY0 = int(np.datetime64("1995-01-01", "D").astype(np.int64))
DAYS = int(np.datetime64("2024-12-31", "D").astype(np.int64)) - DAY0


def check_edge_types() -> None:
    """Raise if a node schema or an edge type here is not one the link graph
    extraction produces: a ``link`` must be an FtM edge schema, a
    ``reference`` an entity property of one of the node schemata."""
    problems = []
    schemata = []
    for name, _, _ in NODE_KINDS:
        schema = model.get(name)
        if schema is None or schema.abstract or schema.edge:
            problems.append(f"node schema {name!r} is not a concrete FtM node schema")
        else:
            schemata.append(schema)
    links = edge_schemata()
    for etype, kind, *_ in EDGE_TYPES:
        if kind == "link":
            if etype not in links:
                problems.append(f"link {etype!r} is not an FtM edge schema")
        elif kind == "reference":
            props = [s.get(etype) for s in schemata]
            if etype in IGNORED_REFERENCES or not any(
                p is not None and p.type.name == "entity" for p in props
            ):
                problems.append(f"reference {etype!r} is not an entity property of a node schema")
        else:
            problems.append(f"edge {etype!r} has an unknown kind {kind!r}")
    if problems:
        raise ValueError(
            "gen_graph is out of step with threadline.model.links: " + "; ".join(problems)
        )


# -- strings without Python objects ----------------------------------------------


def _fixed_strings(chars: NDArray[np.uint8]) -> pa.Array:
    """A string array from an (n, width) byte matrix, one row per string."""
    n, width = chars.shape
    if n * width >= 2**31:
        raise ValueError("string column over 2 GiB: generate fewer rows")
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    data = np.ascontiguousarray(chars).reshape(-1)
    return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(data)])


def hash_ids(counter: Ints, prefix: NDArray[np.uint8], salt: int, digits: int = 12) -> pa.Array:
    """Unique FtM-like ids: a prefix per row (an (n, k) byte matrix, or one
    row for all) and ``digits`` hex digits of a bijective mix of ``counter``."""
    n = len(counter)
    bits = 4 * digits
    mask = np.uint64((1 << bits) - 1) if bits < 64 else np.uint64(2**64 - 1)
    with np.errstate(over="ignore"):
        mixed = (counter.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)) & mask
    mixed ^= np.uint64(salt) & mask
    prefix = np.broadcast_to(prefix, (n, prefix.shape[-1]))
    chars = np.empty((n, prefix.shape[1] + digits), dtype=np.uint8)
    chars[:, : prefix.shape[1]] = prefix
    for k in range(digits):
        shift = np.uint64(4 * (digits - 1 - k))
        chars[:, prefix.shape[1] + k] = _HEX[((mixed >> shift) & np.uint64(15)).astype(np.intp)]
    return _fixed_strings(chars)


def _prefixes(names: list[str]) -> NDArray[np.uint8]:
    return np.frombuffer("".join(names).encode(), dtype=np.uint8).reshape(len(names), -1)


def _list_array(counts: Ints, values: pa.Array) -> pa.Array:
    offsets = np.zeros(len(counts) + 1, dtype=np.int32)
    np.cumsum(counts, out=offsets[1:])
    return pa.ListArray.from_arrays(pa.array(offsets), values)


def _dates(days: Ints, present: NDArray[np.bool_], rng: np.random.Generator) -> pa.Array:
    """ISO dates (8% year only, 4% year-month), null where not ``present``."""
    dates = pa.array(days.astype(np.int32) + DAY0, pa.int32()).view(pa.date32())
    text = pc.cast(dates, pa.string())
    roll = rng.random(len(days))
    text = pc.if_else(pa.array(roll < 0.08), pc.utf8_slice_codeunits(text, 0, 4), text)
    text = pc.if_else(
        pa.array((roll >= 0.08) & (roll < 0.12)), pc.utf8_slice_codeunits(text, 0, 7), text
    )
    return pc.if_else(pa.array(present), text, pa.scalar(None, pa.string()))


# -- endpoints ----------------------------------------------------------------------


def powerlaw_ranks(rng: np.random.Generator, size: int, n: Ints | int, s: float) -> Ints:
    """Ranks in [0, n) with P(rank r) ~ (r + 1)^-s (s < 1): inverse of the
    continuous CDF, so a whole batch is a few array operations."""
    n_arr = np.asarray(n, dtype=np.float64)
    u = rng.random(size)
    top = (n_arr + 1.0) ** (1.0 - s) - 1.0
    ranks = np.floor((top * u + 1.0) ** (1.0 / (1.0 - s))).astype(np.int64) - 1
    return np.clip(ranks, 0, np.maximum(np.asarray(n, dtype=np.int64) - 1, 0))


def _pick(
    rng: np.random.Generator,
    size: int,
    choices: list[tuple[Ints, float, float]],
) -> Ints:
    """Endpoints from several popularity-ordered pools: (pool, weight, skew)."""
    weights = np.array([w for _, w, _ in choices])
    which = rng.choice(len(choices), size=size, p=weights / weights.sum())
    out = np.empty(size, dtype=np.int64)
    for k, (pool, _, skew) in enumerate(choices):
        rows = np.flatnonzero(which == k)
        out[rows] = pool[powerlaw_ranks(rng, len(rows), len(pool), skew)]
    return out


def _ownership(
    rng: np.random.Generator,
    companies: Ints,
    people: Ints,
    public: Ints,
    budget: int,
) -> tuple[Ints, Ints, NDArray[np.float64]]:
    """(owner, asset, percentage or NaN) of every stated holding."""
    levels = rng.choice(len(LEVEL_P), size=len(companies), p=LEVEL_P)
    counts = np.minimum(rng.geometric(0.55, size=len(companies)), 8)
    counts[rng.random(len(companies)) >= 0.85] = 0
    asset_pos = np.repeat(np.arange(len(companies)), counts)
    asset = companies[asset_pos]
    level = levels[asset_pos]
    slots = len(asset)
    # Company owners: by level, each level a popularity-ordered pool.
    order = np.lexsort((rng.random(len(companies)), levels))
    pool = companies[order]
    size = np.bincount(levels, minlength=len(LEVEL_P))
    start = np.cumsum(size) - size
    back = rng.random(slots) < 0.004
    by_company = ((level > 0) & (rng.random(slots) < 0.65)) | back
    up = np.where(rng.random(slots) < 0.75, level - 1, rng.integers(0, np.maximum(level, 1)))
    owner_level = np.where(back, rng.integers(level, len(LEVEL_P)), np.maximum(up, 0))
    by_company &= size[owner_level] > 0
    ranks = powerlaw_ranks(rng, slots, size[owner_level], 0.7)
    owner = pool[np.minimum(start[owner_level] + ranks, len(pool) - 1)]
    by_company &= owner != asset
    n_people = int((~by_company).sum())
    owner[~by_company] = _pick(rng, n_people, [(people, 0.97, 0.6), (public, 0.03, 0.5)])
    # Shares: split the company among its stated owners, sometimes only in part.
    weight = rng.exponential(size=slots)
    total = np.bincount(asset_pos, weights=weight, minlength=len(companies))
    cover = np.where(rng.random(len(companies)) < 0.7, 1.0, rng.uniform(0.5, 1.0, len(companies)))
    pct = np.round(100.0 * weight / total[asset_pos] * cover[asset_pos], 2)
    pct[rng.random(slots) < 0.10] = np.nan
    if slots > budget:
        keep = np.sort(rng.choice(slots, size=budget, replace=False))
        owner, asset, pct = owner[keep], asset[keep], pct[keep]
    return owner, asset, pct


# -- the graph ------------------------------------------------------------------------


def generate(nodes: int, edges: int, seed: int) -> tuple[pa.Table, pa.Table]:
    """``nodes`` entities and exactly ``edges`` edges (NODE_SCHEMA, EDGE_SCHEMA)."""
    check_edge_types()
    rng = np.random.default_rng(seed)
    shares = np.array([share for _, _, share in NODE_KINDS])
    counts = np.floor(shares * nodes).astype(np.int64)
    counts[0] += nodes - counts.sum()
    kinds = np.repeat(np.arange(len(NODE_KINDS)), counts)
    # Each schema's nodes in a random popularity order.
    pools = [rng.permutation(np.flatnonzero(kinds == k)) for k in range(len(NODE_KINDS))]
    node_table = _nodes(rng, kinds, seed)
    companies, people, public, contracts = pools

    parts: list[tuple[int, Ints, Ints]] = []
    pct_own = np.empty(0)
    refs = min(len(contracts) + len(companies) // 50, edges // 10)
    n_auth = min(len(contracts), refs)
    n_parent = refs - n_auth
    own_budget = int(edges * OWNERSHIP_SHARE)
    if len(companies) and own_budget:
        owner, asset, pct_own = _ownership(rng, companies, people, public, own_budget)
        parts.append((OWN, owner, asset))
    if n_auth and len(public):
        parts.append(
            (AUTHORITY, rng.permutation(contracts)[:n_auth], _pick(rng, n_auth, [(public, 1, 0.8)]))
        )
    else:
        n_parent += n_auth
    if n_parent and len(companies) > 1:
        child = rng.choice(companies, size=n_parent)
        parent = _pick(rng, n_parent, [(companies, 1, 0.8)])
        parts.append((PARENT, child, np.where(parent == child, np.roll(parent, 1), parent)))
    left = edges - sum(len(p[1]) for p in parts)
    rest = {t: int(left * share) for t, share in REST_SHARES.items()}
    rest[PAY] += left - sum(rest.values())
    orgs = [(companies, 0.95, 0.7), (public, 0.05, 0.7)]
    rules: dict[int, tuple[list[tuple[Ints, float, float]], list[tuple[Ints, float, float]]]] = {
        DIRECTOR: ([(people, 1, 0.6)], orgs),
        EMPLOY: ([(people, 1, 0.3)], [(companies, 0.9, 0.75), (public, 0.1, 0.75)]),
        FAMILY: ([(people, 1, 0.3)], [(people, 1, 0.3)]),
        ASSOC: ([(people, 1, 0.5)], [(people, 1, 0.6)]),
        AWARD: ([(contracts, 1, 0.4)], [(companies, 1, 0.7)]),
        PAY: (
            [(companies, 0.7, 0.7), (people, 0.25, 0.7), (public, 0.05, 0.7)],
            [(companies, 0.65, 0.7), (people, 0.35, 0.7)],
        ),
    }
    for etype, n in rest.items():
        src_rule, dst_rule = rules[etype]
        src_rule = [r for r in src_rule if len(r[0])]
        dst_rule = [r for r in dst_rule if len(r[0])]
        if not n or not src_rule or not dst_rule:
            continue
        src = _pick(rng, n, src_rule)
        dst = _pick(rng, n, dst_rule)
        loop = src == dst
        dst[loop] = _pick(rng, int(loop.sum()), dst_rule)
        parts.append((etype, src, dst))
    return node_table, _edges(rng, node_table, parts, pct_own, seed)


def _nodes(rng: np.random.Generator, kinds: Ints, seed: int) -> pa.Table:
    n = len(kinds)
    prefixes = _prefixes([p for _, p, _ in NODE_KINDS])
    ids = hash_ids(np.arange(n), prefixes[kinds], salt=seed * 7919 + 1)
    names = pa.array([s for s, _, _ in NODE_KINDS])
    schema = pc.take(names, pa.array(kinds))
    first = pc.take(pa.array(FIRST), pa.array(rng.integers(0, len(FIRST), n)))
    last = pc.take(pa.array(LAST), pa.array(rng.integers(0, len(LAST), n)))
    word = pc.take(pa.array(WORDS), pa.array(rng.integers(0, len(WORDS), n)))
    suffix = pc.take(pa.array(SUFFIXES), pa.array(rng.integers(0, len(SUFFIXES), n)))
    number = pc.cast(pa.array(rng.integers(1000, 99999, n)), pa.string())
    caption = pc.case_when(
        pc.make_struct(
            pa.array(kinds == COMPANY), pa.array(kinds == PERSON), pa.array(kinds == PUBLIC)
        ),
        pc.binary_join_element_wise(word, last, suffix, " "),
        pc.binary_join_element_wise(first, last, " "),
        pc.binary_join_element_wise("Ministry of", word, " "),
        pc.binary_join_element_wise("Contract", number, " "),
    )
    members = _list_array(np.ones(n, dtype=np.int64), ids)
    return pa.table([ids, schema, caption, members], schema=NODE_SCHEMA)


def _edges(
    rng: np.random.Generator,
    nodes: pa.Table,
    parts: list[tuple[int, Ints, Ints]],
    pct_own: NDArray[np.float64],
    seed: int,
) -> pa.Table:
    etype = np.concatenate([np.full(len(src), t, dtype=np.int64) for t, src, _ in parts])
    src = np.concatenate([p[1] for p in parts])
    dst = np.concatenate([p[2] for p in parts])
    m = len(src)
    # Ownership holdings stated twice: another source, another start date.
    is_own = etype == OWN
    twice = np.flatnonzero(is_own & (rng.random(m) < 0.02))
    pct = np.full(m, np.nan)
    pct[is_own] = pct_own
    order = np.argsort(np.concatenate([np.arange(m), twice]), kind="stable")
    etype = np.concatenate([etype, etype[twice]])[order][:m]
    src = np.concatenate([src, src[twice]])[order][:m]
    dst = np.concatenate([dst, dst[twice]])[order][:m]
    pct = np.concatenate([pct, pct[twice]])[order][:m]
    # (Cut back to m edges: the duplicates push the last Payments out.)
    ids = nodes.column("id").combine_chunks()
    source = pc.take(ids, pa.array(src))
    target = pc.take(ids, pa.array(dst))

    names = pa.array([t for t, _, _, _, _ in EDGE_TYPES])
    kind_names = pa.array(["link", "reference"])
    kind_code = np.array([0 if k == "link" else 1 for _, k, _, _, _ in EDGE_TYPES])[etype]
    prefixes = _prefixes([p or "xx-" for _, _, p, _, _ in EDGE_TYPES])
    edge_id = hash_ids(np.arange(m), prefixes[etype], salt=seed * 104729 + 3)
    # A reference edge is named by the entity holding the property.
    edge_id = pc.if_else(pa.array(kind_code == 1), source, edge_id)

    labels = [lab for *_, labs in EDGE_TYPES for lab in labs]
    label_start = np.cumsum([0] + [len(e[4]) for e in EDGE_TYPES])[:-1]
    label_count = np.array([len(e[4]) for e in EDGE_TYPES])
    label_code = label_start[etype] + (rng.random(m) * label_count[etype]).astype(np.int64)
    label = pc.take(pa.array(labels), pa.array(label_code))

    # Dates: (start share, end share) by type; a Payment's date is both.
    date_p = {OWN: (0.6, 0.1), DIRECTOR: (0.7, 0.25), EMPLOY: (0.5, 0.2), AWARD: (0.8, 0.3)}
    p_start = np.zeros(len(EDGE_TYPES))
    p_end = np.zeros(len(EDGE_TYPES))
    for t, (a, b) in date_p.items():
        p_start[t], p_end[t] = a, b
    p_start[PAY] = 1.0
    begin = rng.integers(0, DAYS, m)
    finish = np.minimum(begin + rng.integers(30, 4000, m), DAYS)
    pay = etype == PAY
    finish[pay] = begin[pay]
    has_start = rng.random(m) < p_start[etype]
    has_end = (rng.random(m) < p_end[etype]) | pay
    start_date = _dates(begin, has_start, rng)
    end_date = pc.if_else(pa.array(pay), start_date, _dates(finish, has_end, rng))

    # Datasets: one of the type's sources, 5% also another.
    ds_start = np.cumsum([0] + [len(e[3]) for e in EDGE_TYPES])[:-1]
    ds_count = np.array([len(e[3]) for e in EDGE_TYPES])
    ds_flat = np.array([d for *_, ds, _ in EDGE_TYPES for d in ds])
    first = ds_flat[ds_start[etype] + (rng.random(m) * ds_count[etype]).astype(np.int64)]
    extra = rng.random(m) < 0.05
    second = (first + 1 + rng.integers(0, len(DATASETS) - 1, m)) % len(DATASETS)
    ds_n = 1 + extra.astype(np.int64)
    values = np.empty(int(ds_n.sum()), dtype=np.int64)
    at = np.cumsum(ds_n) - ds_n
    values[at] = first
    values[at[extra] + 1] = second[extra]
    datasets = _list_array(ds_n, pc.take(pa.array(DATASETS), pa.array(values)))

    st_n = 1 + (rng.random(m) < 0.3).astype(np.int64)
    st_ids = hash_ids(np.arange(int(st_n.sum())), np.empty((1, 0), np.uint8), seed * 31 + 5, 16)
    statements = _list_array(st_n, st_ids)

    percentage = pa.array(pct, pa.float64(), mask=np.isnan(pct))
    return pa.table(
        [
            edge_id,
            pc.take(kind_names, pa.array(kind_code)),
            pc.take(names, pa.array(etype)),
            source,
            target,
            source,
            target,
            label,
            start_date,
            end_date,
            percentage,
            datasets,
            statements,
        ],
        schema=EDGE_SCHEMA,
    )


# -- command line -------------------------------------------------------------------


def describe(nodes: pa.Table, edges: pa.Table) -> str:
    """Type counts and degree figures, for the record."""
    ids = nodes.column("id").combine_chunks()
    src = pc.index_in(edges.column("source"), value_set=ids).to_numpy()
    dst = pc.index_in(edges.column("target"), value_set=ids).to_numpy()
    deg = np.bincount(src, minlength=len(ids)) + np.bincount(dst, minlength=len(ids))
    lines = [f"{nodes.num_rows:,} nodes, {edges.num_rows:,} edges"]
    for row in pc.value_counts(nodes.column("schema").combine_chunks()).to_pylist():
        lines.append(f"  node {row['values']}: {row['counts']:,}")
    for row in pc.value_counts(edges.column("type").combine_chunks()).to_pylist():
        lines.append(f"  edge {row['values']}: {row['counts']:,}")
    q = np.percentile(deg, [50, 90, 99, 99.9])
    lines.append(
        f"  degree (in+out): mean {deg.mean():.1f}, p50 {q[0]:.0f}, p90 {q[1]:.0f}, "
        f"p99 {q[2]:.0f}, p99.9 {q[3]:.0f}, max {deg.max():,}; isolated {(deg == 0).sum():,}"
    )
    pct = edges.column("percentage")
    own = pc.equal(edges.column("type"), "Ownership")
    lines.append(
        f"  ownership percentages missing: "
        f"{pc.sum(pc.and_(own, pc.is_null(pct))).as_py() or 0:,} of {pc.sum(own).as_py():,}"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, default=100_000)
    parser.add_argument("--edges", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, help="write nodes.arrow and edges.arrow here")
    args = parser.parse_args()
    began = time.perf_counter()
    nodes, edges = generate(args.nodes, args.edges, args.seed)
    print(f"generated in {time.perf_counter() - began:.1f} s")
    print(describe(nodes, edges))
    if args.out:
        write_tables(args.out, nodes, edges)


def write_tables(folder: Path, nodes: pa.Table, edges: pa.Table) -> None:
    """Arrow IPC files (uncompressed), quick to write and to memory-map."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, table in (("nodes", nodes), ("edges", edges)):
        with (
            pa.OSFile(str(folder / f"{name}.arrow"), "wb") as sink,
            pa.ipc.new_file(sink, table.schema) as writer,
        ):
            writer.write_table(table, max_chunksize=1 << 20)


def read_tables(folder: Path) -> tuple[pa.Table, pa.Table]:
    out = []
    for name in ("nodes", "edges"):
        with pa.OSFile(str(folder / f"{name}.arrow"), "rb") as source:
            out.append(pa.ipc.open_file(source).read_all())
    return out[0], out[1]


if __name__ == "__main__":
    main()

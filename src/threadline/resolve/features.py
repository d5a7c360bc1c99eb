"""Match features: one row per matchable entity, derived from FtM property
types alone, so resolving needs no settings from the user.

Names, identifiers, dates of birth or incorporation, countries, addresses and
contact details are turned into keys (see ``names``) that the Splink model
compares and the blocking joins on. The same code builds features for the
store and for a screening list, so both are scored by one model.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import multiprocessing
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
import pyarrow as pa
from followthemoney import model
from followthemoney.schema import Schema
from followthemoney.types import registry

from threadline.model.entity import common_schema
from threadline.model.statements import EntityValues
from threadline.resolve.names import OBJECT, ORGANIZATION, PERSON, NameKeys, name_words

#: per entity: (id, schemata, datasets, props, values), as the store reads them

# Identifier properties that name a category or programme, not one entity.
NOT_IDENTIFYING = {"programId", "okvedCode", "ticker", "classification"}

#: Identifiers that, when two records both have one and they differ, forbid a
#: merge outright: official numbers of legal entities and vessels. Personal id
#: numbers are scored but not vetoed by default: forms and leaks carry them
#: hand-typed, and a typo must not split a person.
DEFAULT_VETO_PROPS = (
    "registrationNumber",
    "leiCode",
    "innCode",
    "ogrnCode",
    "taxNumber",
    "vatCode",
    "swiftBic",
    "imoNumber",
    "mmsi",
)

DATE_PROPS = ("birthDate", "incorporationDate", "buildDate")
CONTACT_TYPES = {registry.email.name, registry.phone.name}
NEEDED_TYPES = [
    registry.name.name,
    registry.identifier.name,
    registry.date.name,
    registry.country.name,
    registry.address.name,
    registry.email.name,
    registry.phone.name,
]

FEATURE_SCHEMA = pa.schema(
    [
        ("unique_id", pa.string()),
        ("match_group", pa.string()),
        ("schema", pa.string()),
        ("dataset", pa.string()),
        ("name_key", pa.string()),
        ("name_keys", pa.list_(pa.string())),
        ("name_tokens", pa.list_(pa.string())),
        ("name_phonetic", pa.list_(pa.string())),
        ("name_pairs", pa.list_(pa.string())),
        ("name_initials", pa.list_(pa.string())),
        ("id_key", pa.string()),
        ("id_values", pa.list_(pa.string())),
        ("id_kinds", pa.list_(pa.string())),
        ("veto_ids", pa.list_(pa.string())),
        ("date_key", pa.string()),
        ("dates", pa.list_(pa.string())),
        ("years", pa.list_(pa.string())),
        ("date_blocks", pa.list_(pa.string())),
        ("countries", pa.list_(pa.string())),
        ("addr_key", pa.string()),
        ("addr_tokens", pa.list_(pa.string())),
        ("contacts", pa.list_(pa.string())),
        ("links", pa.list_(pa.string())),
        ("base_fingerprint", pa.string()),
        ("fingerprint", pa.string()),
    ]
)
COLUMNS = FEATURE_SCHEMA.names


@functools.cache
def matchable_schemata() -> list[str]:
    """FtM's matchable schemata that carry names: parties, vessels, vehicles,
    aircraft, securities. Addresses, accounts and positions are left out."""
    left_out = {"Address", "BankAccount", "UserAccount", "CryptoWallet", "Position", "Territory"}
    return sorted(
        name for name, s in model.schemata.items() if s.matchable and name not in left_out
    )


@functools.lru_cache(maxsize=256)
def match_group(schema: Schema) -> str:
    """Records are only compared within a group: people with people,
    organisations (companies, public bodies, legal entities) with
    organisations, each kind of object with its own kind."""
    if schema.is_a("Person"):
        return PERSON
    if schema.is_a("Organization") or schema.name == "LegalEntity":
        return ORGANIZATION
    return f"{OBJECT}:{schema.name}"


def is_matchable(schema: Schema) -> bool:
    return schema.name in matchable_schemata()


def _name_kind(group: str) -> str:
    return group if group in (PERSON, ORGANIZATION) else OBJECT


def normalize_identifier(value: str) -> str:
    return "".join(ch for ch in value.upper() if ch.isalnum())


@dataclass(frozen=True, slots=True)
class FeatureOptions:
    veto_props: tuple[str, ...] = DEFAULT_VETO_PROPS


def entity_features(
    row: EntityValues, options: FeatureOptions = FeatureOptions()
) -> dict[str, Any] | None:
    """The feature row of one entity, or None when it has neither a name nor
    an identifier to match on."""
    entity_id, schemata, datasets, props, values = row
    schema = common_schema(set(schemata))
    if not is_matchable(schema):
        return None
    group = match_group(schema)
    kind = _name_kind(group)
    names = NameKeys()
    ids: dict[str, set[str]] = {}
    dates: set[str] = set()
    years: set[str] = set()
    countries: set[str] = set()
    addresses: list[str] = []
    contacts: set[str] = set()
    for prop_name, value in zip(props, values, strict=True):
        prop = schema.get(prop_name)
        if prop is None:
            continue
        type_name = prop.type.name
        if type_name == "name":
            names.add(value, kind)
        elif type_name == "identifier" and prop_name not in NOT_IDENTIFYING:
            norm = normalize_identifier(value)
            if len(norm) >= 3:
                ids.setdefault(prop_name, set()).add(norm)
        elif type_name == "date" and prop_name in DATE_PROPS:
            if len(value) >= 10:
                dates.add(value[:10])
            years.add(value[:4])
        elif type_name == "country":
            countries.add(value)
        elif type_name == "address":
            addresses.append(value)
        elif type_name in CONTACT_TYPES:
            contacts.add(value.lower())
    id_values = sorted({v for vs in ids.values() for v in vs})
    if not names.keys and not id_values:
        return None
    addr_words = sorted({w for a in addresses for w in name_words(a, OBJECT)})
    # A full date with any one initial of the name: survives typos and a
    # changed surname (marriage), and keeps blocks small (a date is shared
    # by few records, a date and an initial by fewer).
    initials = {w[0] for key in names.keys for w in key.split()}
    features: dict[str, Any] = {
        "unique_id": entity_id,
        "match_group": group,
        "schema": schema.name,
        "dataset": sorted(datasets)[0] if datasets else "",
        "name_key": names.best,
        "name_keys": _list(names.keys),
        "name_tokens": _list(names.tokens),
        "name_phonetic": _list(names.phonetic),
        "name_pairs": _list(names.pairs),
        "name_initials": _list(names.initials),
        "id_key": max(id_values, key=lambda v: (len(v), v)) if id_values else None,
        "id_values": _list(id_values),
        "id_kinds": _list(ids.keys()),
        "veto_ids": _list(f"{p}:{v}" for p in options.veto_props for v in ids.get(p, ())),
        "date_key": min(dates) if dates else (min(years) if years else None),
        "dates": _list(dates),
        "years": _list(years),
        "date_blocks": _list(f"{d}:{i}" for d in dates for i in initials),
        "countries": _list(countries),
        "addr_key": " ".join(addr_words) or None,
        "addr_tokens": _list(addr_words),
        "contacts": _list(contacts),
    }
    features["base_fingerprint"] = hashlib.sha1(
        orjson.dumps(features, option=orjson.OPT_SORT_KEYS)
    ).hexdigest()
    features["links"] = None
    features["fingerprint"] = features["base_fingerprint"]
    return features


def link_fingerprint(base: str, links: list[str] | None) -> str:
    if not links:
        return base
    return hashlib.sha1(f"{base}|{','.join(links)}".encode()).hexdigest()


def with_links(
    table: pa.Table, links: Mapping[str, set[str]], canonical: Mapping[str, str]
) -> pa.Table:
    """Set each record's ``links``: the resolved (canonical) ids of the
    entities it is linked to. Relations are evidence: two "J. Stephens" who
    both direct the same company are likely one person. The fingerprint
    changes with the links, so a record whose neighbours were merged is
    scored again."""
    ids = table.column("unique_id").to_pylist()
    bases = table.column("base_fingerprint").to_pylist()
    values: list[list[str] | None] = []
    prints: list[str] = []
    for entity_id, base in zip(ids, bases, strict=True):
        linked = _list(canonical.get(n, n) for n in links.get(entity_id, ()))
        values.append(linked)
        prints.append(link_fingerprint(base, linked))
    index = table.schema.get_field_index("links")
    table = table.set_column(index, "links", pa.array(values, pa.list_(pa.string())))
    index = table.schema.get_field_index("fingerprint")
    return table.set_column(index, "fingerprint", pa.array(prints, pa.string()))


def _list(values: Iterable[str]) -> list[str] | None:
    # Splink's null levels test IS NULL, so "nothing known" must be NULL,
    # not an empty list. Sets (most callers) skip the copy; this runs
    # fourteen times per entity.
    if isinstance(values, (set, frozenset)):
        return sorted(values) if values else None
    out = sorted(set(values))
    return out or None


@dataclass
class FeatureTable:
    table: pa.Table
    skipped: int


def build_features(
    rows: Iterable[EntityValues],
    options: FeatureOptions = FeatureOptions(),
    batch_size: int = 20_000,
    workers: int | None = None,
) -> FeatureTable:
    """Feature rows for every matchable entity in ``rows``; entities without
    a name or identifier are skipped and counted. Chunks are computed in
    ``workers`` processes (default: one per CPU) once there is more than one
    chunk; the result does not depend on how many."""
    batches: list[pa.RecordBatch] = []
    skipped = 0
    chunks = _chunks(rows, batch_size)
    first = next(chunks, None)
    if first is None:
        return FeatureTable(FEATURE_SCHEMA.empty_table(), 0)
    second = next(chunks, None)
    procs = workers if workers is not None else (os.cpu_count() or 1)
    if second is None or procs < 2:
        results: Iterable[tuple[pa.RecordBatch | None, int]] = (
            _feature_batch(chunk, options)
            for chunk in itertools.chain([first], [second] if second else [], chunks)
        )
        for batch, count in results:
            skipped += count
            if batch is not None:
                batches.append(batch)
    else:
        # Forked workers: the parent keeps reading the store while they work;
        # map() keeps chunk order, so the table is the same as in one process.
        context = multiprocessing.get_context("fork")
        with context.Pool(procs) as pool:
            work = itertools.chain([first, second], chunks)
            for batch, count in pool.imap(functools.partial(_feature_batch, options=options), work):
                skipped += count
                if batch is not None:
                    batches.append(batch)
    return FeatureTable(pa.Table.from_batches(batches, schema=FEATURE_SCHEMA), skipped)


def _feature_batch(
    chunk: list[EntityValues], options: FeatureOptions
) -> tuple[pa.RecordBatch | None, int]:
    out: list[dict[str, Any]] = []
    skipped = 0
    for row in chunk:
        features = entity_features(row, options)
        if features is None:
            skipped += is_matchable(common_schema(set(row[1])))
        else:
            out.append(features)
    if not out:
        return None, skipped
    return pa.RecordBatch.from_pylist(out, schema=FEATURE_SCHEMA), skipped


def _chunks(rows: Iterable[EntityValues], size: int) -> Iterator[list[EntityValues]]:
    chunk: list[EntityValues] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk

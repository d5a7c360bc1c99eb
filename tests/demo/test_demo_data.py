"""The bundled demo data: its mappings run cleanly through FollowTheMoney's
own mapping code, the generator reproduces the shipped files byte for byte,
and the story's promises (overlaps, ownership chains, ground truth) hold."""

from __future__ import annotations

import csv
import json
import logging
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from followthemoney import model
from followthemoney.entity import ValueEntity
from followthemoney.mapping.csv import CSVSource
from followthemoney.mapping.query import QueryMapping
from followthemoney.namespace import Namespace
from followthemoney.types import registry

import generate_demo as generate
from threadline.demo.sources import (
    DEMO_DIR,
    DEMO_DOCUMENTS,
    DEMO_SOURCES,
    DOCUMENTS_DATASET,
    MAPPINGS_DIR,
    TRUTH_FILE,
    DemoSource,
)
from threadline.search.text import name_tokens

MAPPED = [s for s in DEMO_SOURCES if s.mapping is not None]

EXPECTED_SCHEMATA = {
    "company_registry.csv": {"Company"},
    "registry_officers.csv": {"Company", "Person", "Directorship"},
    "registry_shareholders.csv": {"Company", "Person", "Ownership"},
    "procurement_awards.csv": {"PublicBody", "Contract", "Company", "ContractAward"},
    "leaked_shareholders.csv": {"Company", "Person", "Ownership"},
}


def _id(source: DemoSource) -> str:
    return source.path.name


@dataclass
class Mapped:
    """One demo CSV run through its mapping."""

    records: list[dict[str, str]]
    queries: list[tuple[str, QueryMapping]]
    #: per record: {mapping entity name: entity}, ids signed as ``ftm map`` signs them
    rows: list[dict[str, ValueEntity]]
    #: values FtM could not clean: (record number, entity, property, raw value)
    discarded: list[tuple[int, str, str, str]]

    @property
    def entities(self) -> Iterator[ValueEntity]:
        for row in self.rows:
            yield from row.values()


def read_records(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(CSVSource.read_csv(fh))


def load_queries(mapping: Path) -> list[tuple[str, dict[str, Any]]]:
    config = yaml.safe_load(mapping.read_text(encoding="utf-8"))
    assert isinstance(config, dict)
    return [(dataset, query) for dataset, meta in config.items() for query in meta["queries"]]


@cache
def run_mapping(path: Path, mapping: Path) -> Mapped:
    records = read_records(path)
    queries = [
        (dataset, model.make_mapping(query, key_prefix=dataset, dataset=dataset))
        for dataset, query in load_queries(mapping)
    ]
    rows: list[dict[str, ValueEntity]] = [{} for _ in records]
    discarded: list[tuple[int, str, str, str]] = []
    for dataset, query in queries:
        namespace = Namespace(dataset)
        assert isinstance(query.source, CSVSource)
        for i, record in enumerate(records):
            if not query.source.check_filters(record):
                continue
            # FtM's own discard detection, property by property (countries
            # first, as EntityMapping.map does), on a scratch entity.
            for em in query.entities:
                scratch = ValueEntity(em.schema, {})
                props = sorted(em.properties, key=lambda pm: pm.prop.type != registry.country)
                for pm in props:
                    if pm.entity is None:
                        for raw in pm.map(scratch, record, {}):
                            discarded.append((i, em.name, pm.prop.name, raw))
            for name, entity in query.map(record).items():
                assert name not in rows[i], f"record {i}: two queries map {name!r}"
                rows[i][name] = namespace.apply(entity)
    return Mapped(records, queries, rows, discarded)


def mapped(source: DemoSource) -> Mapped:
    assert source.mapping is not None
    return run_mapping(source.path, source.mapping)


def truth_rows() -> list[dict[str, str]]:
    with TRUTH_FILE.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def sanctions_entities() -> list[dict[str, Any]]:
    source = next(s for s in DEMO_SOURCES if s.mapping is None)
    lines = source.path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


# --------------------------------------------------------------------------
# The sources and their mappings.


def test_sources_are_listed_in_load_order() -> None:
    names = [s.path.name for s in DEMO_SOURCES]
    assert names == list(generate.SOURCES)
    for source in DEMO_SOURCES:
        assert source.path.parent == DEMO_DIR
        assert source.path.is_file(), source.path
        dataset, mapping, _ = generate.SOURCES[source.path.name]
        assert source.dataset == dataset
        if mapping is None:
            assert source.mapping is None
        else:
            assert source.mapping == MAPPINGS_DIR / mapping
            assert source.mapping.is_file()
    with pytest.raises(AttributeError):
        DEMO_SOURCES[0].dataset = "other"  # type: ignore[misc]


@pytest.mark.parametrize("source", MAPPED, ids=_id)
def test_mapping_file_has_the_ftm_map_layout(source: DemoSource) -> None:
    """``{dataset: {queries: [{csv_url, entities}]}}``, the dataset being the
    source's, and csv_url the bare file name (relative to the data dir)."""
    assert source.mapping is not None
    config = yaml.safe_load(source.mapping.read_text(encoding="utf-8"))
    assert list(config) == [source.dataset]
    queries = config[source.dataset]["queries"]
    assert queries
    for query in queries:
        assert query["csv_url"] == source.path.name
        assert query["entities"]


@pytest.mark.parametrize("source", MAPPED, ids=_id)
def test_mapping_runs_without_discarded_values(
    source: DemoSource, caplog: pytest.LogCaptureFixture
) -> None:
    run_mapping.cache_clear()
    with caplog.at_level(logging.WARNING, logger="followthemoney"):
        result = mapped(source)
    assert result.discarded == []
    # nothing discarded, no entity skipped for want of a key or a property
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert {e.schema.name for e in result.entities} == EXPECTED_SCHEMATA[source.path.name]


@pytest.mark.parametrize("source", MAPPED, ids=_id)
def test_mapping_reads_every_column_and_every_row(source: DemoSource) -> None:
    result = mapped(source)
    with source.path.open(encoding="utf-8", newline="") as fh:
        header = set(next(csv.reader(fh)))
    used: set[str] = set()
    for _, query in result.queries:
        assert isinstance(query.source, CSVSource)
        used |= query.refs
        used |= {key for key, _ in query.source.filters_set}
        used |= {key for key, _ in query.source.filters_not_set}
    assert used <= header, f"the mapping names columns the file lacks: {used - header}"
    assert header <= used, f"columns nobody maps: {header - used}"
    for i, row in enumerate(result.rows):
        assert row, f"record {i} of {source.path.name} produced no entity"


@pytest.mark.parametrize("source", MAPPED, ids=_id)
def test_mapped_entities_survive_validation(source: DemoSource) -> None:
    """What ``ftm validate`` does: re-clean every value; nothing may change."""
    for entity in mapped(source).entities:
        data = entity.to_dict()
        again = ValueEntity(entity.schema, {"id": data["id"]})
        for prop in entity.iterprops():
            again.set(prop, entity.get_prop(prop))
        assert again.to_dict()["properties"] == data["properties"]
        for required in entity.schema.required:
            assert entity.has(required), f"{entity.schema.name} {entity.id} lacks {required}"


def test_registry_files_share_company_and_person_ids() -> None:
    """key_literal + key columns give one company (and one person) the same id
    in the registry's three files."""
    by_name = {s.path.name: mapped(s) for s in MAPPED}
    registered = {e.id for e in by_name["company_registry.csv"].entities}
    officers = by_name["registry_officers.csv"]
    holders = by_name["registry_shareholders.csv"]
    for result in (officers, holders):
        companies = {e.id for e in result.entities if e.schema.name == "Company"}
        assert companies <= registered
    officer_people = {e.id for e in officers.entities if e.schema.name == "Person"}
    holder_people = {e.id for e in holders.entities if e.schema.name == "Person"}
    assert len(officer_people & holder_people) >= 5
    # ...and the edges point at them
    for row in holders.rows:
        ownership = row["ownership"]
        assert ownership.first("asset") == row["company"].id
        assert ownership.first("owner") == row["holder"].id


def test_officers_and_shareholders_are_adults() -> None:
    for source in MAPPED:
        if source.dataset != "registry":
            continue
        for row in mapped(source).rows:
            person = row.get("officer") or row.get("holder")
            edge = row.get("directorship") or row.get("ownership")
            if person is None or edge is None or person.schema.name != "Person":
                continue
            born = int(person.get("birthDate")[0][:4])
            since = int(edge.get("startDate")[0][:4])
            assert since - born >= 18, (person.caption, since)


def test_some_registry_percentages_are_missing() -> None:
    source = next(s for s in MAPPED if s.path.name == "registry_shareholders.csv")
    ownerships = [row["ownership"] for row in mapped(source).rows]
    missing = [o for o in ownerships if not o.has("percentage")]
    assert 3 <= len(missing) < len(ownerships) / 2


def test_the_leak_uses_both_date_forms() -> None:
    source = next(s for s in MAPPED if s.path.name == "leaked_shareholders.csv")
    result = mapped(source)
    births = [
        (record.get("holder_dob"), record.get("holder_yob"), row["holder"].get("birthDate"))
        for record, row in zip(result.records, result.rows, strict=True)
        if record["holder_type"] == "individual"
    ]
    full = [b for dob, _, b in births if dob]
    years = [b for dob, yob, b in births if yob and not dob]
    assert full and years
    assert all(len(b) == 1 and len(b[0]) == 10 for b in full)  # 14.03.1971 -> 1971-03-14
    assert all(len(b) == 1 and len(b[0]) == 4 for b in years)  # 1971


# --------------------------------------------------------------------------
# The sanctions list.


def test_sanctions_file_parses_as_ftm_entities() -> None:
    entities = [model.get_proxy(data, cleaned=False) for data in sanctions_entities()]
    ids = [e.id for e in entities]
    assert len(ids) == len(set(ids))
    parties = [e for e in entities if e.schema.name in ("Person", "Company")]
    assert 5 <= len(parties) <= 15
    assert {e.schema.name for e in entities} <= {"Person", "Company", "Sanction"}
    for data, entity in zip(sanctions_entities(), entities, strict=True):
        # every value is already clean: it survives FtM's cleaning unchanged
        assert set(data) == {"id", "schema", "properties"}
        assert entity.to_dict()["properties"] == data["properties"]
        cleaned = model.get_proxy(dict(data), cleaned=False)
        for prop in entity.iterprops():
            assert cleaned.get(prop) == entity.get(prop)
            for value in entity.get(prop):
                assert prop.type.clean_text(value, proxy=entity) == value, (entity.id, prop)
    topics = {t for e in parties for t in e.get("topics")}
    assert "sanction" in topics
    for e in entities:
        if e.schema.name == "Sanction":
            assert set(e.get("entity")) <= set(ids)


# --------------------------------------------------------------------------
# The generator.


def test_generator_is_deterministic_and_matches_the_shipped_data(tmp_path: Path) -> None:
    first = generate.generate(tmp_path / "a")
    second = generate.generate(tmp_path / "b")
    names = sorted(p.relative_to(tmp_path / "a").as_posix() for p in first)
    assert names == sorted(p.relative_to(tmp_path / "b").as_posix() for p in second)
    shipped = sorted(p.relative_to(DEMO_DIR).as_posix() for p in DEMO_DIR.rglob("*") if p.is_file())
    assert names == shipped, "src/threadline/demo/data holds exactly the generated files"
    for name in names:
        data = (tmp_path / "a" / name).read_bytes()
        assert data == (tmp_path / "b" / name).read_bytes(), name
        assert data == (DEMO_DIR / name).read_bytes(), f"{name} is stale: make demo-data"


def test_another_seed_gives_other_data() -> None:
    assert generate.build(1) != generate.build()


def test_generator_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert generate.main([str(tmp_path)]) == 0
    assert (tmp_path / "truth.csv").is_file()
    assert "person_multi_source=" in capsys.readouterr().out
    assert generate.main([]) == 2


def test_demo_is_small() -> None:
    total = sum(p.stat().st_size for p in DEMO_DIR.rglob("*") if p.is_file())
    assert total < 300_000
    documents = sum(p.stat().st_size for p in DEMO_DOCUMENTS.rglob("*") if p.is_file())
    assert documents < 40_000
    rows = sum(len(mapped(s).records) for s in MAPPED)
    assert 300 <= rows <= 1500


# --------------------------------------------------------------------------
# Ground truth and the story.


def test_truth_matches_the_mapped_entities() -> None:
    truth = truth_rows()
    assert set(truth[0]) == {
        "cluster_id", "dataset", "schema", "entity_id", "name", "source", "record_key", "entity",
    }  # fmt: skip
    cluster_of = {(r["dataset"], r["entity_id"]): r["cluster_id"] for r in truth}
    assert len(cluster_of) == len(truth), "one row per entity"
    parties: set[tuple[str, str]] = set()
    for source in MAPPED:
        result = mapped(source)
        key_column = generate.SOURCES[source.path.name][2]
        for record, row in zip(result.records, result.rows, strict=True):
            for entity in row.values():
                if entity.schema.is_a("LegalEntity"):
                    assert entity.id is not None
                    parties.add((source.dataset, entity.id))
            assert record[key_column]
    for data in sanctions_entities():
        if data["schema"] in ("Person", "Company"):
            parties.add(("sanctions", data["id"]))
    assert set(cluster_of) == parties
    for truth_row in truth:
        kind = truth_row["cluster_id"].split("-")[0]
        expected = {"person": "Person", "company": "Company", "publicbody": "PublicBody"}[kind]
        assert truth_row["schema"] == expected


def test_cross_source_overlaps() -> None:
    counts = generate.overlap_counts(TRUTH_FILE.read_text(encoding="utf-8"))
    assert counts["person_multi_source"] >= 15
    assert counts["company_multi_source"] >= 15
    # ...and most of them are not the trivial same-string case
    names: dict[str, set[str]] = {}
    for row in truth_rows():
        names.setdefault(row["cluster_id"], set()).add(row["name"])
    variants = [c for c, n in names.items() if len(n) >= 2]
    assert len(variants) >= 30


def _ownership_edges(registry_only: bool) -> dict[str, set[str]]:
    """asset cluster -> owner clusters."""
    cluster_of = {(r["dataset"], r["entity_id"]): r["cluster_id"] for r in truth_rows()}
    edges: dict[str, set[str]] = {}
    for source in MAPPED:
        if registry_only and source.dataset != "registry":
            continue
        for row in mapped(source).rows:
            ownership = row.get("ownership")
            if ownership is not None:
                asset = cluster_of[(source.dataset, ownership.first("asset") or "")]
                owner = cluster_of[(source.dataset, ownership.first("owner") or "")]
                edges.setdefault(asset, set()).add(owner)
    return edges


def _chains(edges: dict[str, set[str]], path: list[str]) -> Iterator[list[str]]:
    owners = edges.get(path[-1])
    if not owners:
        yield path
        return
    for owner in sorted(owners):
        assert owner not in path, f"ownership cycle: {[*path, owner]}"
        yield from _chains(edges, [*path, owner])


def test_ownership_chains_and_the_diamond() -> None:
    for registry_only in (True, False):
        edges = _ownership_edges(registry_only)
        chains = [c for asset in sorted(edges) for c in _chains(edges, [asset])]  # no cycles
        deep = [c for c in chains if len(c) >= 4 and c[-1].startswith("person-")]
        assert len(deep) >= 3
    registry = _ownership_edges(True)
    # Baltic Ferrous OÜ: two paths to one person through two holdings
    ferrous = "company-baltic-ferrous-ee"
    assert registry[ferrous] == {"company-arcadia-bay-holdings-cy", "company-westmere-capital-gb"}
    tops = {next(iter(registry[holding])) for holding in registry[ferrous]}
    assert tops == {"company-stellan-holdings-mt"}
    assert registry["company-stellan-holdings-mt"] == {"person-oleksandr-hrytsenko-1966"}
    # Cobalt Marine's chain ends at a BVI company on the registry; the leak ends it
    everything = _ownership_edges(False)
    cobalt = list(_chains(everything, ["company-cobalt-marine-gb"]))
    assert [
        "company-cobalt-marine-gb",
        "company-tamarind-holdings-cy",
        "company-larkspur-ventures-vg",
        "person-ivan-petrov-1971",
    ] in cobalt
    assert "company-larkspur-ventures-vg" not in registry


def test_searching_ivan_petrov_in_cyrillic_finds_every_spelling() -> None:
    query = set(name_tokens("Иван Петров"))
    hits: dict[str, set[str]] = {}
    for row in truth_rows():
        if query <= set(name_tokens(row["name"])):
            hits.setdefault(row["cluster_id"], set()).add(row["dataset"])
    for entity in sanctions_entities():
        for alias in entity["properties"].get("alias", []):
            if query <= set(name_tokens(alias)):
                hits.setdefault(entity["id"], set()).add("sanctions")
    # him in the registry, the leak and the sanctions list; and two namesakes
    assert hits["person-ivan-petrov-1971"] == {"registry", "leak", "sanctions"}
    assert "person-ivan-petrov-1984" in hits
    assert "person-ivan-petrov-1958" in hits


# --------------------------------------------------------------------------
# The documents.


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="OCR needs make doc-tools")
def test_the_documents_load_and_mention_the_story(tmp_path: Path) -> None:
    from threadline.workspace import Workspace

    with Workspace.init(tmp_path / "ws") as ws:
        for source in DEMO_SOURCES:
            ws.ingest(source.path, source.dataset, source.mapping)
        report = ws.ingest_documents(DEMO_DOCUMENTS, DOCUMENTS_DATASET, workers=1)
        assert report.failed == []
        # the PDF, the scan, the mailbox (its messages are in it), the ZIP and its 2 members
        assert report.processed == 6
        emails = [e for e in ws.entities(DOCUMENTS_DATASET) if e.schema.name == "Email"]
        assert len(emails) == 3
        kinds = {e.schema.name for e in ws.entities(DOCUMENTS_DATASET)}
        assert {"Pages", "Image", "Package", "Email", "PlainText", "Mention"} <= kinds
        named = {
            name
            for e in ws.entities(DOCUMENTS_DATASET)
            if e.schema.name == "Mention"
            for name in e.proxy.get("name")
        }
        # born-digital text, OCR and mail all tie back to the story
        for name in ("Cobalt Marine", "Anna Petrova", "Ivan Petrov", "Larkspur Ventures"):
            assert name in named, named
        assert "Oleksandr Hrytsenko" in named and "Stellan Holdings" in named
        scan = next(e for e in ws.entities(DOCUMENTS_DATASET) if e.schema.name == "Image")
        assert "Received by Ivan Petrov" in " ".join(scan.proxy.get("bodyText"))

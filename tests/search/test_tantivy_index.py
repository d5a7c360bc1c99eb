from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from threadline.errors import SearchError
from threadline.search.base import IndexDoc, SearchHit, SearchQuery
from threadline.search.tantivy_index import TantivyIndex

PERSON = ["Person", "LegalEntity", "Thing"]
COMPANY = ["Company", "Organization", "Asset", "LegalEntity", "Value", "Thing"]


def entity(
    schema: str,
    schemata: list[str],
    entity_id: str,
    name: str,
    datasets: list[str] | None = None,
    countries: list[str] | None = None,
    text: list[str] | None = None,
) -> IndexDoc:
    return IndexDoc(
        entity_id=entity_id,
        schema=schema,
        schemata=schemata,
        caption=name,
        datasets=datasets or ["ds"],
        countries=countries or [],
        names=[name],
        text=text or [],
    )


def person(entity_id: str, name: str, **kwargs: list[str]) -> IndexDoc:
    return entity("Person", PERSON, entity_id, name, **kwargs)


def company(entity_id: str, name: str, **kwargs: list[str]) -> IndexDoc:
    return entity("Company", COMPANY, entity_id, name, **kwargs)


@pytest.fixture
def index(tmp_path: Path) -> Iterator[TantivyIndex]:
    index = TantivyIndex(tmp_path / "index")
    yield index
    index.close()


def load(index: TantivyIndex, *docs: IndexDoc, generation: int = 1) -> None:
    index.upsert(docs)
    index.commit(generation)


def ids(
    index: TantivyIndex,
    text: str,
    schema: str | None = None,
    dataset: str | None = None,
    country: str | None = None,
) -> list[str]:
    query = SearchQuery(text, schema=schema, dataset=dataset, country=country)
    return [hit.entity_id for hit in index.search(query)]


# -- matching ---------------------------------------------------------------


@pytest.mark.parametrize("query", ["Иван Петров", "Петров Иван", "ivan petrov", "PETROV, Ivan"])
def test_cyrillic_and_reordered_queries_find_latin_name(index: TantivyIndex, query: str) -> None:
    load(index, person("p1", "Ivan Petrov"), person("p2", "Olga Sidorova"))
    assert ids(index, query) == ["p1"]


def test_latin_query_finds_cyrillic_name(index: TantivyIndex) -> None:
    load(index, person("p1", "Иван Петров"), person("p2", "Ольга Сидорова"))
    assert ids(index, "Ivan Petrov") == ["p1"]
    assert ids(index, "Olga Sidorova") == ["p2"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Ivan Petorv", "p1"),  # a transposition is one edit
        ("Ivan Petrv", "p1"),  # a deletion
        ("Cobalt Marien", "c1"),
        ("Kobalt Marine", "c1"),
        ("Konstantinopolos", "c2"),  # two edits in a long word
    ],
)
def test_typos_are_tolerated(index: TantivyIndex, query: str, expected: str) -> None:
    load(
        index,
        person("p1", "Ivan Petrov"),
        company("c1", "Cobalt Marine Ltd"),
        company("c2", "Konstantinoupolis Shipping"),
    )
    assert ids(index, query)[:1] == [expected]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Alexander", ["p1", "p2"]),  # three edits from Aleksandr, four from Oleksandr
        ("Alexander Kovalenko", ["p1", "p2"]),
        ("Mohamed", ["p3"]),  # three edits from Muhammad
    ],
)
def test_names_that_sound_alike_are_found(
    index: TantivyIndex, query: str, expected: list[str]
) -> None:
    """Transliterations beyond the edit distance sound the same, by the
    phonetic code resolution also compares names by."""
    load(
        index,
        person("p1", "Oleksandr Kovalenko"),
        person("p2", "Aleksandr Kovalenko"),
        person("p3", "Muhammad Rahimov"),
        person("p5", "Olga Kovalenko"),
    )
    found = ids(index, query)
    assert sorted(found[: len(expected)]) == expected
    if " " not in query:
        assert len(found) == len(expected)


def test_sound_alike_ranks_below_exact(index: TantivyIndex) -> None:
    load(index, person("p1", "Alexander Kovalenko"), person("p2", "Aleksandr Kovalenko"))
    assert ids(index, "Alexander Kovalenko") == ["p1", "p2"]
    assert ids(index, "Aleksandr Kovalenko") == ["p2", "p1"]


def test_digits_and_short_words_never_match_by_sound(index: TantivyIndex) -> None:
    load(index, company("c1", "Lee Holdings 12345"))
    assert ids(index, "Li") == []
    assert ids(index, "12346") == []


def test_short_words_are_not_fuzzy(index: TantivyIndex) -> None:
    # One edit turns most three-letter words into other words.
    load(index, company("c1", "Bar Ltd"))
    assert ids(index, "Bat") == []


@pytest.mark.parametrize(("stored", "query"), [("Müller", "Muller"), ("Muller", "Müller")])
def test_accents_are_folded(index: TantivyIndex, stored: str, query: str) -> None:
    load(index, person("p1", f"Anna {stored}"))
    assert ids(index, query) == ["p1"]


def test_last_token_matches_as_prefix(index: TantivyIndex) -> None:
    load(index, person("p2", "Ivan Sidorov"), person("p1", "Ivan Petrov"))
    assert ids(index, "Ivan Pet") == ["p1", "p2"]
    assert ids(index, "Sido") == ["p2"]
    assert ids(index, "Sido Olga") == []  # only the last token is a prefix


def test_short_last_token_is_not_a_prefix(index: TantivyIndex) -> None:
    load(index, person("p1", "Ivan Petrov"))
    assert ids(index, "Pe") == []


def test_other_text_is_searchable(index: TantivyIndex) -> None:
    load(index, company("c1", "Cobalt Marine Ltd", text=["GB-0012345", "1 Dock Road, Hull"]))
    assert ids(index, "0012345") == ["c1"]
    assert ids(index, "dock road") == ["c1"]


# -- ranking ----------------------------------------------------------------


def test_exact_match_outranks_fuzzy(index: TantivyIndex) -> None:
    load(index, person("fuzzy", "Ivan Petrova"), person("exact", "Ivan Petrov"))
    assert ids(index, "Ivan Petrov") == ["exact", "fuzzy"]


def test_name_match_outranks_text_only_match(index: TantivyIndex) -> None:
    load(
        index,
        IndexDoc("note", "Note", ["Note", "Thing"], "Minutes", ["ds"], text=["Cobalt Marine"]),
        company("c1", "Cobalt Marine"),
    )
    assert ids(index, "Cobalt Marine") == ["c1", "note"]


def test_matching_all_tokens_outranks_matching_some(index: TantivyIndex) -> None:
    # "Cobalt" alone is shorter, so BM25 alone would prefer it.
    load(index, company("short", "Cobalt"), company("full", "Cobalt Marine Ltd"))
    assert ids(index, "Cobalt Marien") == ["full", "short"]


def test_coverage_outranks_match_quality(index: TantivyIndex) -> None:
    # Two exact name tokens lose to three tokens matched fuzzily or in text.
    load(
        index,
        person("two", "Ivan Petrov"),
        person("three", "Ivan Petrova", text=["Moscow"]),
    )
    assert ids(index, "Ivan Petrov Moscow") == ["three", "two"]


def test_hits_carry_display_fields_and_sorted_scores(index: TantivyIndex) -> None:
    load(
        index,
        company("c1", "Cobalt Marine Ltd", datasets=["a", "b"], countries=["gb", "cy"]),
        company("c2", "Cobalt Mining"),
    )
    hits = index.search(SearchQuery("cobalt marine"))
    assert hits[0] == SearchHit(
        entity_id="c1",
        score=hits[0].score,
        schema="Company",
        caption="Cobalt Marine Ltd",
        datasets=["a", "b"],
        countries=["gb", "cy"],
    )
    assert hits[0].score > hits[1].score > 0
    assert hits[0].score == pytest.approx(1.0, abs=0.01)


def test_limit(index: TantivyIndex) -> None:
    load(index, *(person(f"p{i}", f"Ivan Petrov {i}") for i in range(30)))
    assert len(index.search(SearchQuery("ivan"))) == 20
    assert len(index.search(SearchQuery("ivan", limit=5))) == 5


# -- filters ----------------------------------------------------------------


def test_schema_filter_matches_ancestors(index: TantivyIndex) -> None:
    load(index, company("c1", "Cobalt Marine"), person("p1", "Cobalt Marine"))
    assert ids(index, "cobalt", schema="Company") == ["c1"]
    assert sorted(ids(index, "cobalt", schema="LegalEntity")) == ["c1", "p1"]
    assert ids(index, "cobalt", schema="Vessel") == []


def test_dataset_and_country_filters(index: TantivyIndex) -> None:
    load(
        index,
        company("c1", "Cobalt Marine", datasets=["uk_psc"], countries=["gb"]),
        company("c2", "Cobalt Marine", datasets=["cy_reg"], countries=["cy"]),
    )
    assert ids(index, "cobalt", dataset="uk_psc") == ["c1"]
    assert ids(index, "cobalt", country="cy") == ["c2"]
    assert ids(index, "cobalt", country="CY") == ["c2"]
    assert ids(index, "cobalt", dataset="uk_psc", country="cy") == []


def test_filters_do_not_change_scores(index: TantivyIndex) -> None:
    load(index, company("c1", "Cobalt Marine", countries=["gb"]))
    [plain] = index.search(SearchQuery("cobalt"))
    [filtered] = index.search(SearchQuery("cobalt", country="gb", schema="Company"))
    assert filtered.score == plain.score


# -- bad queries ------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_blank_query_is_an_error(index: TantivyIndex, text: str) -> None:
    with pytest.raises(SearchError, match="Search query is empty"):
        index.search(SearchQuery(text))


def test_query_without_words_is_an_error(index: TantivyIndex) -> None:
    with pytest.raises(SearchError, match="has no letters or digits"):
        index.search(SearchQuery("-- / --"))


def test_bad_limit_is_an_error(index: TantivyIndex) -> None:
    with pytest.raises(SearchError, match="limit must be at least 1"):
        index.search(SearchQuery("ivan", limit=0))


# -- writing ----------------------------------------------------------------


def test_upsert_replaces_by_entity_id(index: TantivyIndex) -> None:
    load(index, person("p1", "Ivan Petrov"))
    assert index.upsert([person("p1", "Olga Sidorova")]) == 1
    index.commit(2)
    assert index.count() == 1
    assert ids(index, "petrov") == []
    assert ids(index, "sidorova") == ["p1"]


def test_upsert_twice_in_one_batch_keeps_the_last(index: TantivyIndex) -> None:
    load(index, person("p1", "Ivan Petrov"), person("p1", "Olga Sidorova"))
    assert index.count() == 1
    assert ids(index, "sidorova") == ["p1"]


def test_changes_are_invisible_until_commit(index: TantivyIndex) -> None:
    index.upsert([person("p1", "Ivan Petrov")])
    assert index.count() == 0
    index.commit(1)
    assert index.count() == 1


def test_delete_removes(index: TantivyIndex) -> None:
    load(index, person("p1", "Ivan Petrov"), person("p2", "Ivan Sidorov"))
    index.delete(["p1", "missing"])
    index.commit(2)
    assert index.count() == 1
    assert ids(index, "ivan") == ["p2"]


def test_clear_deletes_everything(index: TantivyIndex) -> None:
    load(index, person("p1", "Ivan Petrov"), person("p2", "Ivan Sidorov"))
    index.clear()
    index.upsert([person("p3", "Olga Sidorova")])
    index.commit(2)
    assert index.count() == 1
    assert ids(index, "ivan") == []


def test_generation_persists_across_reopen(tmp_path: Path) -> None:
    first = TantivyIndex(tmp_path / "index")
    assert first.generation == 0
    load(first, person("p1", "Ivan Petrov"), generation=7)
    assert first.generation == 7
    first.close()

    second = TantivyIndex(tmp_path / "index")
    assert second.generation == 7
    assert second.count() == 1
    assert ids(second, "Иван Петров") == ["p1"]
    second.close()


def test_commit_without_changes_records_generation(tmp_path: Path) -> None:
    index = TantivyIndex(tmp_path / "index")
    index.commit(3)
    assert TantivyIndex(tmp_path / "index").generation == 3


def test_uncommitted_changes_are_lost_on_close(tmp_path: Path) -> None:
    index = TantivyIndex(tmp_path / "index")
    load(index, person("p1", "Ivan Petrov"))
    index.upsert([person("p2", "Olga Sidorova")])
    index.close()
    reopened = TantivyIndex(tmp_path / "index")
    assert (reopened.count(), reopened.generation) == (1, 1)


def test_second_writer_is_a_search_error(tmp_path: Path) -> None:
    first = TantivyIndex(tmp_path / "index")
    first.upsert([person("p1", "Ivan Petrov")])
    second = TantivyIndex(tmp_path / "index")
    with pytest.raises(SearchError, match="another Threadline process"):
        second.upsert([person("p2", "Olga Sidorova")])
    first.close()


def test_damaged_generation_file_is_a_search_error(tmp_path: Path) -> None:
    TantivyIndex(tmp_path / "index").commit(1)
    (tmp_path / "index" / "threadline-generation.json").write_text("{not json")
    with pytest.raises(SearchError, match="damaged"):
        TantivyIndex(tmp_path / "index")


def test_facets_count_every_match_not_just_the_best(index: TantivyIndex) -> None:
    load(
        index,
        *[
            person(f"p{i}", f"Ivan Petrov {i}", datasets=["leak"], countries=["RU"])
            for i in range(30)
        ],
        person("p-ua", "Ivan Petrenko", datasets=["registry", "leak"], countries=["UA"]),
        company("c1", "Petrov Trading", datasets=["registry"]),
        person("other", "Anna Smith", datasets=["registry"]),
    )
    total, facets = index.facets(SearchQuery("Ivan Petrov", limit=5))
    hits = index.search(SearchQuery("Ivan Petrov", limit=1000))
    assert total == len(hits) >= 32  # the limit does not cut the count
    assert facets["schema"] == {"Person": total - 1, "Company": 1}
    assert facets["dataset"]["leak"] == sum("leak" in h.datasets for h in hits)
    assert facets["dataset"]["registry"] == sum("registry" in h.datasets for h in hits)
    assert facets["country"]["ru"] == 30 and facets["country"]["ua"] == 1
    # filters narrow the counts like the hits
    total, facets = index.facets(SearchQuery("Ivan Petrov", dataset="registry"))
    assert total == len(index.search(SearchQuery("Ivan Petrov", dataset="registry")))
    assert set(facets["dataset"]) == {"registry", "leak"} and facets["dataset"]["registry"] == total
    # nothing matches: zero, empty facets
    assert index.facets(SearchQuery("Zzyzx")) == (
        0,
        {"schema": {}, "dataset": {}, "country": {}},
    )


def test_an_index_of_an_older_format_is_discarded_and_rebuilt(tmp_path: Path) -> None:
    path = tmp_path / "index"
    index = TantivyIndex(path)
    load(index, person("p1", "Ivan Petrov"), generation=7)
    index.close()
    assert TantivyIndex(path).generation == 7
    # what an index written before formats were recorded holds
    (path / "threadline-generation.json").write_text('{"generation": 7}')
    reopened = TantivyIndex(path)
    # generation 0 makes the workspace rebuild it from the store
    assert reopened.generation == 0
    assert reopened.count() == 0
    load(reopened, person("p1", "Ivan Petrov"), generation=8)
    assert [h.entity_id for h in reopened.search(SearchQuery("Petrov"))] == ["p1"]
    reopened.close()

"""The embedded search engine: :class:`SearchIndex` over a Tantivy index.

Names and other text are normalised in Python by
:func:`threadline.search.text.name_tokens` and indexed with Tantivy's
whitespace tokenizer, so index and query tokens are exactly the same strings.
That is what makes search transliteration-aware and accent-folded without a
custom Tantivy analyzer. Name words are also indexed by how they sound
(:func:`threadline.model.sounds.phonetic_code`, the code resolution compares
names by), so "Alexander Kovalenko" finds "Aleksandr Kovalenko".

Ranking is built into the query rather than done afterwards in Python. Each
query token contributes the best of:

=====================  ===========================================
exact name match       COVERAGE + NAME_EXACT + a little BM25
fuzzy name match       COVERAGE + NAME_FUZZY
sound-alike name       COVERAGE + NAME_SOUND
prefix name match      COVERAGE + NAME_PREFIX (last token only)
exact text match       COVERAGE + TEXT_EXACT
=====================  ===========================================

COVERAGE dwarfs the rest, so an entity matching more query tokens always
outranks one matching fewer; within that, exact beats fuzzy and names beat
other text; the BM25 share only breaks ties (it prefers shorter names).
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

import tantivy

from threadline.errors import SearchError
from threadline.model.sounds import phonetic_code
from threadline.search.base import IndexDoc, SearchHit, SearchQuery
from threadline.search.text import name_tokens

GENERATION_FILE = "threadline-generation.json"
#: Bumped when the index schema changes; an index of another format is
#: discarded on open and rebuilt from the store (the workspace sees its
#: generation 0 and reindexes).
INDEX_FORMAT = 3
#: Facet name -> indexed field; at most FACET_SIZE values each.
FACET_FIELDS = {"schema": "schema", "dataset": "datasets", "country": "countries"}
FACET_SIZE = 100

COVERAGE = 1000.0
NAME_EXACT = 12.0
NAME_FUZZY = 6.0
NAME_SOUND = 5.5
NAME_PREFIX = 5.0
TEXT_EXACT = 3.0
#: Scales BM25 so that even a very rare term (idf ~ 13 at a million docs,
#: so BM25 < 30) adds less than the gap between exact and fuzzy.
BM25_TIEBREAK = 0.1
#: Keeps query cost bounded when someone pastes a paragraph, and keeps
#: COVERAGE dominant (it must exceed the quality share of every other token).
MAX_QUERY_TOKENS = 24
#: Prefix expansion of one- or two-letter tokens matches half the dictionary.
MIN_PREFIX_LENGTH = 3
#: Shorter words sound like too many others ("Li", "Lee", "Le") to be
#: matched by sound alone.
MIN_SOUND_LENGTH = 4

WRITER_HEAP_BYTES = 64_000_000


def fuzzy_distance(token: str) -> int:
    """Edit distance tolerated for a query token: none for short words, where
    one edit makes another common word, and none for tokens with digits,
    because a registration number one digit off is a different company."""
    if any(char.isdigit() for char in token):
        return 0
    if len(token) < 4:
        return 0
    return 1 if len(token) < 8 else 2


def query_tokens(text: str) -> list[str]:
    """The distinct normalised tokens of a query, or SearchError."""
    if not text.strip():
        raise SearchError("Search query is empty: type a name or some words to search for.")
    tokens = list(dict.fromkeys(name_tokens(text)))
    if not tokens:
        raise SearchError(
            f"Search query {text!r} has no letters or digits to search for: "
            "type a name or some words."
        )
    return tokens[:MAX_QUERY_TOKENS]


def _joined_tokens(values: Sequence[str]) -> str:
    # Tokens are de-duplicated across all values, so an entity with many
    # aliases sharing a surname is not boosted (nor length-penalised) for it.
    if len(values) == 1:  # the common case, worth a shortcut when bulk indexing
        return " ".join(dict.fromkeys(name_tokens(values[0])))
    return " ".join(dict.fromkeys(token for value in values for token in name_tokens(value)))


def sound_codes(tokens: Iterable[str]) -> list[str]:
    """The distinct phonetic codes of the name tokens long enough and free of
    digits (identifiers never match by sound)."""
    return list(
        dict.fromkeys(
            phonetic_code(token)
            for token in tokens
            if len(token) >= MIN_SOUND_LENGTH and token.isalpha()
        )
    )


def _build_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("entity_id", stored=True, tokenizer_name="raw", index_option="basic")
    # Facet fields are fast (columnar) too, so facets are counted by Tantivy
    # over every match, without loading a stored document.
    builder.add_text_field(
        "schema", stored=True, fast=True, tokenizer_name="raw", index_option="basic"
    )
    builder.add_text_field("schemata", tokenizer_name="raw", index_option="basic")
    builder.add_text_field(
        "datasets", stored=True, fast=True, tokenizer_name="raw", index_option="basic"
    )
    builder.add_text_field(
        "countries", stored=True, fast=True, tokenizer_name="raw", index_option="basic"
    )
    # No positions: there are no phrase queries, and word order must not matter.
    builder.add_text_field("names", tokenizer_name="whitespace", index_option="freq")
    builder.add_text_field("sounds", tokenizer_name="whitespace", index_option="basic")
    builder.add_text_field("text", tokenizer_name="whitespace", index_option="freq")
    builder.add_text_field("caption", stored=True, tokenizer_name="raw", index_option="basic")
    return builder.build()


class TantivyIndex:
    """A :class:`~threadline.search.base.SearchIndex` stored in a directory.

    Writes go through one lazily created writer (Tantivy allows one per
    directory, across processes); searches may run concurrently with writes
    and see the last commit.
    """

    def __init__(
        self,
        path: Path,
        *,
        writer_heap_bytes: int = WRITER_HEAP_BYTES,
        writer_threads: int = 1,
    ) -> None:
        self.path = path
        self._writer_heap_bytes = writer_heap_bytes
        self._writer_threads = writer_threads
        self._schema = _build_schema()
        try:
            path.mkdir(parents=True, exist_ok=True)
            if self._stored_format() != INDEX_FORMAT:
                self._discard_files()
            self._index = tantivy.Index(self._schema, path=str(path), reuse=True)
        except (OSError, ValueError) as exc:
            raise SearchError(
                f"Cannot open the search index at {path}: {exc} "
                "(delete that folder and rebuild the index)"
            ) from exc
        self._writer: tantivy.IndexWriter | None = None
        self._write_lock = threading.Lock()
        self._generation = self._read_generation()

    # -- the SearchIndex protocol ------------------------------------------

    @property
    def generation(self) -> int:
        return self._generation

    def upsert(self, docs: Iterable[IndexDoc]) -> int:
        count = 0
        with self._write_lock:
            writer = self._get_writer()
            for doc in docs:
                # Delete-then-add within one commit replaces the old version:
                # Tantivy applies a delete only to documents added before it.
                writer.delete_documents_by_term("entity_id", doc.entity_id)
                writer.add_document(self._to_document(doc))
                count += 1
        return count

    def delete(self, entity_ids: Iterable[str]) -> None:
        with self._write_lock:
            writer = self._get_writer()
            for entity_id in entity_ids:
                writer.delete_documents_by_term("entity_id", entity_id)

    def clear(self) -> None:
        with self._write_lock:
            self._get_writer().delete_all_documents()

    def commit(self, generation: int) -> None:
        with self._write_lock:
            if self._writer is not None:
                try:
                    self._writer.commit()
                except ValueError as exc:
                    raise SearchError(
                        f"Cannot commit the search index at {self.path}: {exc}"
                    ) from exc
                self._index.reload()
            # Written only after Tantivy's commit: a crash in between leaves
            # the old generation, which the workspace detects and rebuilds.
            self._write_generation(generation)
            self._generation = generation

    def search(self, query: SearchQuery) -> list[SearchHit]:
        if query.limit < 1:
            raise SearchError(f"Search limit must be at least 1, not {query.limit}.")
        tokens = query_tokens(query.text)
        searcher = self._index.searcher()
        try:
            result = searcher.search(
                self._build_query(tokens, query), limit=query.limit, count=False
            )
        except ValueError as exc:
            raise SearchError(f"Search failed in the index at {self.path}: {exc}") from exc
        # Scores are reported so that 1.0 means every token matched a name
        # exactly; the raw scale (COVERAGE per token) means nothing to callers.
        scale = len(tokens) * (COVERAGE + NAME_EXACT)
        hits = []
        for score, address in result.hits:
            doc = searcher.doc(address)
            hits.append(
                SearchHit(
                    entity_id=str(doc.get_first("entity_id")),
                    score=float(score) / scale,
                    schema=str(doc.get_first("schema")),
                    caption=str(doc.get_first("caption") or ""),
                    datasets=[str(value) for value in doc.get_all("datasets")],
                    countries=[str(value) for value in doc.get_all("countries")],
                )
            )
        return hits

    def facets(self, query: SearchQuery) -> tuple[int, dict[str, dict[str, int]]]:
        """How many documents match, and per facet the count of each value
        among all of them (not just the best hits)."""
        tokens = query_tokens(query.text)
        searcher = self._index.searcher()
        built = self._build_query(tokens, query)
        aggs = {
            name: {"terms": {"field": field, "size": FACET_SIZE}}
            for name, field in FACET_FIELDS.items()
        }
        try:
            result = searcher.aggregate(built, aggs)
        except ValueError as exc:
            raise SearchError(f"Search failed in the index at {self.path}: {exc}") from exc
        counts: dict[str, dict[str, int]] = {}
        for name in FACET_FIELDS:
            buckets = result.get(name, {}).get("buckets", [])
            counts[name] = {str(b["key"]): int(b["doc_count"]) for b in buckets}
        # Every document has exactly one schema, so the schema buckets (and
        # what did not fit in them) count the matches: no second query.
        schema = result.get("schema", {})
        total = sum(counts["schema"].values()) + int(schema.get("sum_other_doc_count", 0))
        return total, counts

    def count(self) -> int:
        return self._index.searcher().num_docs

    # -- beyond the protocol -----------------------------------------------

    def close(self) -> None:
        """Drop the writer, discarding uncommitted changes, and release the
        directory lock so another process (or TantivyIndex) can write."""
        with self._write_lock:
            if self._writer is not None:
                self._writer.rollback()
                self._writer.wait_merging_threads()
                self._writer = None

    # -- internals ---------------------------------------------------------

    def _get_writer(self) -> tantivy.IndexWriter:
        if self._writer is None:
            try:
                self._writer = self._index.writer(
                    heap_size=self._writer_heap_bytes, num_threads=self._writer_threads
                )
            except ValueError as exc:
                raise SearchError(
                    f"Cannot write to the search index at {self.path}: {exc} "
                    "(is another Threadline process using this workspace?)"
                ) from exc
        return self._writer

    def _to_document(self, doc: IndexDoc) -> tantivy.Document:
        names = _joined_tokens(doc.names)
        return tantivy.Document(
            entity_id=doc.entity_id,
            schema=doc.schema,
            schemata=list(doc.schemata),
            datasets=list(doc.datasets),
            countries=[country.lower() for country in doc.countries],
            names=names,
            sounds=" ".join(sound_codes(names.split())),
            text=_joined_tokens(doc.text),
            caption=doc.caption,
        )

    def _build_query(self, tokens: Sequence[str], query: SearchQuery) -> tantivy.Query:
        Occur, Query, schema = tantivy.Occur, tantivy.Query, self._schema
        should: list[tuple[tantivy.Occur, tantivy.Query]] = []
        for position, token in enumerate(tokens):
            name_term = Query.term_query(schema, "names", token)
            exact_name = Query.boolean_query(
                [
                    (Occur.Should, Query.const_score_query(name_term, COVERAGE + NAME_EXACT)),
                    (Occur.Should, Query.boost_query(name_term, BM25_TIEBREAK)),
                ]
            )
            text_term = Query.term_query(schema, "text", token)
            forms = [exact_name, Query.const_score_query(text_term, COVERAGE + TEXT_EXACT)]
            distance = fuzzy_distance(token)
            if distance:
                fuzzy = Query.fuzzy_term_query(schema, "names", token, distance, True)
                forms.append(Query.const_score_query(fuzzy, COVERAGE + NAME_FUZZY))
            for code in sound_codes([token]):
                sound = Query.term_query(schema, "sounds", code)
                forms.append(Query.const_score_query(sound, COVERAGE + NAME_SOUND))
            if position == len(tokens) - 1 and len(token) >= MIN_PREFIX_LENGTH:
                # Typeahead: "Ivan Pet" should find Ivan Petrov.
                prefix = Query.fuzzy_term_query(schema, "names", token, 0, True, prefix=True)
                forms.append(Query.const_score_query(prefix, COVERAGE + NAME_PREFIX))
            # The best form counts, not their sum: an exact match also
            # matches the fuzzy and prefix forms and must not score thrice.
            should.append((Occur.Should, Query.disjunction_max_query(forms)))

        matching = Query.boolean_query(should)
        filters = [
            ("schemata", query.schema),
            ("datasets", query.dataset),
            ("countries", query.country.lower() if query.country else None),
        ]
        must = [
            # Zero score: filters decide what matches, never the ranking.
            (Occur.Must, Query.const_score_query(Query.term_query(schema, field, value), 0.0))
            for field, value in filters
            if value
        ]
        if not must:
            return matching
        return Query.boolean_query([(Occur.Must, matching), *must])

    def _generation_path(self) -> Path:
        return self.path / GENERATION_FILE

    def _stored_format(self) -> int | None:
        """The format a committed index was written in (None: before formats
        were recorded). A folder never committed to, or a generation file
        that cannot be read, counts as current: the first is rebuilt anyway
        (generation 0) and the second is reported as damaged; neither may be
        emptied here, as another writer may be at work in it."""
        try:
            data = json.loads(self._generation_path().read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return INDEX_FORMAT
        if not isinstance(data, dict):
            return INDEX_FORMAT
        value = data.get("format")
        return value if isinstance(value, int) else None

    def _discard_files(self) -> None:
        """Empty the folder of an index written in another format: it is only
        a cache of the store, rebuilt from it."""
        for child in self.path.iterdir():
            if child.is_dir():
                shutil.rmtree(child)
            else:
                child.unlink()

    def _read_generation(self) -> int:
        path = self._generation_path()
        if not path.exists():
            return 0
        try:
            generation = json.loads(path.read_text(encoding="utf-8"))["generation"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise SearchError(
                f"The search index generation file {path} is damaged: {exc} "
                f"(delete the folder {self.path} and rebuild the index)"
            ) from exc
        if not isinstance(generation, int):
            raise SearchError(f"The search index generation file {path} is damaged.")
        return generation

    def _write_generation(self, generation: int) -> None:
        path = self._generation_path()
        temp = path.with_name(path.name + ".tmp")
        with temp.open("w", encoding="utf-8") as handle:
            json.dump({"generation": generation, "format": INDEX_FORMAT}, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)

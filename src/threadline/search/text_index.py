"""Full-text search of document text (Tantivy), beside the entity index.

One index document per unit of text: a Page of a PDF or office file, or the
body of a plain-text, HTML or e-mail document, or an image's OCR text. The
body is indexed with positions (for phrases) and stored (for snippets); a
transliterated copy (``body_latin``, Latin letters) lets ``Ivan Petrov``
find ``Иван Петров``. Filters: schema, dataset, MIME type and a date range.

Like the entity index it records the store generation it reflects; a
mismatch (a crash between the two) means a rebuild from the store."""

from __future__ import annotations

import contextlib
import html
import os
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import tantivy

from threadline.errors import SearchError
from threadline.search.highlight import latin, search_terms, snippet_html

FORMAT = 1
WRITER_HEAP = 64 << 20
_DATE = re.compile(r"(\d{4})-?(\d{2})?-?(\d{2})?")


@dataclass(frozen=True)
class TextUnit:
    unit_id: str
    document_id: str
    schema: str
    datasets: list[str]
    body: str
    page: int | None = None
    file_name: str = ""
    mime_type: str = ""
    #: ISO date (the document's date, or when it was written)
    date: str | None = None


@dataclass(frozen=True)
class TextQuery:
    text: str
    schema: str | None = None
    dataset: str | None = None
    mime_type: str | None = None
    #: ISO dates, inclusive
    date_from: str | None = None
    date_to: str | None = None
    limit: int = 20


@dataclass(frozen=True)
class TextHit:
    unit_id: str
    document_id: str
    schema: str
    file_name: str
    page: int | None
    score: float
    #: the best passage, with matches between ``<b>`` and ``</b>``
    snippet: str
    datasets: list[str] = field(default_factory=list)
    mime_type: str = ""


_APOSTROPHES = re.compile(r"['’`]")
#: everything but letters, digits and spaces: what the query syntax reads
_SYNTAX = re.compile(r"[^\w\s]|_")


def date_number(text: str | None, end: bool = False) -> int | None:
    """``2024-03`` -> 20240300 (or 20240399 as the end of a range)."""
    if not text:
        return None
    match = _DATE.match(text)
    if match is None:
        raise SearchError(f"{text!r} is not a date (use YYYY, YYYY-MM or YYYY-MM-DD)")
    year, month, day = match.group(1), match.group(2), match.group(3)
    filler = "99" if end else "00"
    return int(year + (month or filler) + (day or filler))


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("unit_id", stored=True, tokenizer_name="raw")
    builder.add_text_field("document_id", stored=True, tokenizer_name="raw")
    builder.add_text_field("schema", stored=True, tokenizer_name="raw")
    builder.add_text_field("datasets", stored=True, tokenizer_name="raw")
    builder.add_text_field("mime_type", stored=True, tokenizer_name="raw")
    builder.add_text_field("file_name", stored=True, tokenizer_name="raw")
    builder.add_integer_field("page", stored=True, indexed=True)
    builder.add_integer_field("date", stored=False, indexed=True, fast=True)
    builder.add_text_field("body", stored=True, tokenizer_name="default", index_option="position")
    builder.add_text_field("body_latin", tokenizer_name="default", index_option="position")
    return builder.build()


class TextIndex:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        marker = path / "format"
        if marker.exists() and marker.read_text().strip() != str(FORMAT):
            shutil.rmtree(path)
            path.mkdir(parents=True)
        marker.write_text(str(FORMAT))
        self._schema = _schema()
        try:
            self._index = tantivy.Index(self._schema, path=str(path), reuse=True)
        except (OSError, ValueError) as exc:
            raise SearchError(f"Cannot open the text index at {path}: {exc}") from exc
        self._writer: tantivy.IndexWriter | None = None

    @property
    def generation(self) -> int:
        try:
            return int((self.path / "generation").read_text())
        except (OSError, ValueError):
            return -1

    def _get_writer(self) -> tantivy.IndexWriter:
        if self._writer is None:
            self._writer = self._index.writer(heap_size=WRITER_HEAP, num_threads=1)
        return self._writer

    def clear(self) -> None:
        self._get_writer().delete_all_documents()

    def delete_documents(self, document_ids: Iterable[str]) -> None:
        writer = self._get_writer()
        for document_id in document_ids:
            writer.delete_documents_by_term("document_id", document_id)

    def delete_units(self, unit_ids: Iterable[str]) -> None:
        writer = self._get_writer()
        for unit_id in unit_ids:
            writer.delete_documents_by_term("unit_id", unit_id)

    def add(self, units: Iterable[TextUnit], replace: bool = False) -> int:
        """Index ``units``; with ``replace``, each replaces the entry of the
        same unit (a page or a body) that was there."""
        writer = self._get_writer()
        count = 0
        for unit in units:
            if replace:
                # deletes apply to what was added before them: an upsert
                writer.delete_documents_by_term("unit_id", unit.unit_id)
            doc = tantivy.Document()
            doc.add_text("unit_id", unit.unit_id)
            doc.add_text("document_id", unit.document_id)
            doc.add_text("schema", unit.schema)
            for dataset in unit.datasets:
                doc.add_text("datasets", dataset)
            doc.add_text("mime_type", unit.mime_type)
            doc.add_text("file_name", unit.file_name)
            doc.add_integer("page", unit.page or 0)
            date = date_number(unit.date) if unit.date else None
            if date is not None:
                doc.add_integer("date", date)
            doc.add_text("body", unit.body)
            doc.add_text("body_latin", latin(unit.body))
            writer.add_document(doc)
            count += 1
        return count

    def commit(self, generation: int) -> None:
        if self._writer is not None:
            self._writer.commit()
            self._writer.wait_merging_threads()
            self._writer = None
            self._index.reload()
        tmp = self.path / "generation.tmp"
        tmp.write_text(str(generation))
        os.replace(tmp, self.path / "generation")

    def close(self) -> None:
        if self._writer is not None:
            with contextlib.suppress(ValueError):
                self._writer.rollback()
            self._writer = None

    def count(self) -> int:
        return int(self._index.searcher().num_docs)

    def _parse(self, text: str, field: str) -> tantivy.Query:
        """The query in Tantivy's syntax (phrases in double quotes, ...);
        text that is not valid syntax (an apostrophe in O'Brien, a stray
        bracket) is searched as its words."""
        try:
            return self._index.parse_query(text, [field])
        except ValueError:
            words = _SYNTAX.sub(" ", text)
            if not words.strip():
                raise
            return self._index.parse_query(words, [field])

    def search(self, query: TextQuery) -> list[TextHit]:
        if query.limit < 1:
            raise SearchError(f"Search limit must be at least 1, not {query.limit}.")
        if not query.text.strip():
            raise SearchError("Search for some text: words, or a phrase in double quotes.")
        try:
            parsed = self._parse(query.text, "body")
            # transliteration writes soft signs as apostrophes ("Igor'"),
            # which the query syntax would read as quotes
            parsed_latin = self._parse(_APOSTROPHES.sub("", latin(query.text)), "body_latin")
        except ValueError as exc:
            raise SearchError(
                f"Cannot read the query {query.text!r} ({exc}); put phrases in double quotes"
            ) from exc
        text = tantivy.Query.boolean_query(
            [(tantivy.Occur.Should, parsed), (tantivy.Occur.Should, parsed_latin)]
        )
        clauses = [(tantivy.Occur.Must, text)]
        for name, value in (
            ("schema", query.schema),
            ("datasets", query.dataset),
            ("mime_type", query.mime_type),
        ):
            if value:
                clauses.append(
                    (tantivy.Occur.Must, tantivy.Query.term_query(self._schema, name, value))
                )
        low = date_number(query.date_from)
        high = date_number(query.date_to, end=True)
        if low is not None or high is not None:
            clauses.append(
                (
                    tantivy.Occur.Must,
                    tantivy.Query.range_query(
                        self._schema,
                        "date",
                        tantivy.FieldType.Integer,
                        low if low is not None else 0,
                        high if high is not None else 99999999,
                    ),
                )
            )
        built = tantivy.Query.boolean_query(clauses)
        searcher = self._index.searcher()
        try:
            result = searcher.search(built, limit=query.limit)
        except ValueError as exc:
            raise SearchError(f"Search failed in the text index at {self.path}: {exc}") from exc
        snippets = tantivy.SnippetGenerator.create(searcher, parsed, self._schema, "body")
        snippets.set_max_num_chars(240)
        terms = search_terms(query.text)
        hits = []
        for score, address in result.hits:
            doc = searcher.doc(address)
            body = str(doc.get_first("body") or "")
            snippet = snippets.snippet_from_doc(doc).to_html()
            if "<b>" not in snippet:
                # matched through the transliterated copy only (``Ivan`` for
                # ``Иван``): Tantivy marks nothing in the text as written
                snippet = snippet_html(body, terms) or snippet or html.escape(body[:240])
            page = int(doc.get_first("page") or 0)
            hits.append(
                TextHit(
                    unit_id=str(doc.get_first("unit_id")),
                    document_id=str(doc.get_first("document_id")),
                    schema=str(doc.get_first("schema")),
                    file_name=str(doc.get_first("file_name") or ""),
                    page=page or None,
                    score=float(score),
                    snippet=snippet,
                    datasets=[str(v) for v in doc.get_all("datasets")],
                    mime_type=str(doc.get_first("mime_type") or ""),
                )
            )
        return hits

"""Which words of a text a search matched, for highlighting: the words as
typed (in any case) and the words that match only once both sides are
transliterated, as the text index matches them (its ``body_latin`` field):
a search for ``Ivan Petrov`` marks ``Иван Петров``, and ``Igor`` marks
``Игорь``. Spelling variants beyond transliteration (phonetic, typos) are
not matched by the text index, so they are not marked either."""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Sequence

#: a search's words: letters, digits, apostrophes and hyphens (``O'Brien``)
_QUERY_WORD = re.compile(r"[\w'-]{2,}")
#: a text's words as the index's tokenizer cuts them: runs of letters and digits
_TOKEN = re.compile(r"[^\W_]+")
_OPERATORS = frozenset({"and", "or", "not"})
#: characters of text shown around the first match in a built snippet
SNIPPET_CHARS = 240


def latin(text: str) -> str:
    """``text`` in Latin letters, as the text index's ``body_latin`` holds it."""
    from normality import ascii_text

    return ascii_text(text) or ""


def search_terms(query: str | None) -> list[str]:
    """The words of a search to highlight (operators and ``-excluded`` words left out)."""
    if not query:
        return []
    words = []
    for found in _QUERY_WORD.finditer(query):
        word = found.group(0)
        # "-word" excludes it (the hyphen is read with the word: O'Brien-Smith)
        excluded = word.startswith("-") or (found.start() > 0 and query[found.start() - 1] == "-")
        word = word.strip("-'")
        if len(word) < 2 or excluded:
            continue
        if word.lower() not in _OPERATORS and word not in words:
            words.append(word)
    return words[:20]


@functools.lru_cache(maxsize=65_536)
def _latin_tokens(word: str) -> frozenset[str]:
    """The index tokens of ``word`` transliterated (two letters or more)."""
    folded = word.lower() if word.isascii() else latin(word).lower()
    return frozenset(t for t in _TOKEN.findall(folded) if len(t) > 1)


def exact_spans(text: str, terms: Sequence[str]) -> list[tuple[int, int]]:
    """Where each term is written as typed (any case, whole words)."""
    if not terms:
        return []
    pattern = re.compile(
        r"(?<!\w)(?:" + "|".join(re.escape(t) for t in terms) + r")(?!\w)", re.IGNORECASE
    )
    return [(m.start(), m.end()) for m in pattern.finditer(text)]


def variant_spans(text: str, terms: Sequence[str]) -> list[tuple[int, int]]:
    """Words of ``text`` that match a term once both are transliterated
    (``Петров`` for ``Petrov``, ``Игорь`` for ``Igor``)."""
    wanted: set[str] = set()
    for term in terms:
        wanted |= _latin_tokens(term)
    if not wanted:
        return []
    return [
        (m.start(), m.end())
        for m in _TOKEN.finditer(text)
        if not _latin_tokens(m.group(0)).isdisjoint(wanted)
    ]


def term_spans(text: str, terms: Sequence[str]) -> list[tuple[int, int]]:
    """Every match of ``terms`` in ``text``, as written or transliterated,
    in order and not overlapping (the longer of two that overlap)."""
    spans = sorted(
        {*exact_spans(text, terms), *variant_spans(text, terms)}, key=lambda s: (s[0], -s[1])
    )
    kept: list[tuple[int, int]] = []
    for start, end in spans:
        if not kept or start >= kept[-1][1]:
            kept.append((start, end))
    return kept


def snippet_html(text: str, terms: Sequence[str], size: int = SNIPPET_CHARS) -> str:
    """A passage of ``text`` around its first match, as the text index's
    snippets are: HTML-escaped, matches in ``<b>``; empty when nothing matches."""
    spans = term_spans(text, terms)
    if not spans:
        return ""
    first = spans[0][0]
    start = max(0, first - size // 4)
    if start:
        # begin at a word, not inside one
        space = text.rfind(" ", 0, start + 1)
        start = space + 1 if space >= 0 and first - space <= size // 2 else start
    end = min(len(text), start + size)
    out: list[str] = []
    at = start
    for span_start, span_end in spans:
        if span_start < start or span_end > end:
            continue
        out.append(html.escape(text[at:span_start], quote=False))
        out.append("<b>" + html.escape(text[span_start:span_end], quote=False) + "</b>")
        at = span_end
    out.append(html.escape(text[at:end], quote=False))
    return "".join(out).strip()

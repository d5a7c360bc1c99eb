"""Name keys for matching: transliterated, order-insensitive, typo- and
initial-aware.

Every name becomes a handful of keys that compare with plain equality or set
intersection, so both the blocking join and the Splink comparisons stay simple
SQL that DuckDB and Spark run alike:

- ``key``: the name's words, ASCII, sorted ("Петров Иван" -> "ivan petrov");
- ``tokens``: its words (two letters or more);
- ``phonetic``: its words' Metaphone codes, sorted and joined (catches typos
  and transliteration variants: Petrov / Petrof);
- ``pairs``: every two words, sorted ("ivan petrov", "ivan sergeevich", ...),
  so a short form of a name shares a key with the long form;
- ``initials``: for people, each word's initial with another full word
  ("i:petrov"), so "I. Petrov" meets "Ivan Petrov".

Company names lose their legal form and leading article first (rigour's
lists: Ltd/Limited, LLC, S.A., GmbH, OOO, ...), so "The Cobalt Marine Ltd"
and "COBALT MARINE LIMITED" share the key "cobalt marine".
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from itertools import combinations

from rigour.names import (
    normalize_name,
    remove_org_prefixes,
    remove_org_types,
    remove_person_prefixes,
    tokenize_name,
)
from rigour.text.phonetics import metaphone
from rigour.text.translit import ascii_text

PERSON = "person"
ORGANIZATION = "organization"
OBJECT = "object"


@dataclass(slots=True)
class NameKeys:
    keys: set[str] = field(default_factory=set)
    tokens: set[str] = field(default_factory=set)
    phonetic: set[str] = field(default_factory=set)
    pairs: set[str] = field(default_factory=set)
    initials: set[str] = field(default_factory=set)
    #: the longest key, for string-similarity comparison
    best: str | None = None

    def add(self, name: str, kind: str) -> None:
        words = name_words(name, kind)
        if not words:
            return
        key = " ".join(sorted(words))
        self.keys.add(key)
        if self.best is None or (len(key), key) > (len(self.best), self.best):
            self.best = key
        full = [w for w in words if len(w) > 1]
        self.tokens.update(full)
        codes = sorted(_phonetic(w) for w in full)
        if codes:
            self.phonetic.add(" ".join(codes))
        if len(full) == 1 and len(words) == 1:
            self.pairs.add(full[0])
        for a, b in combinations(sorted(set(full)), 2):
            self.pairs.add(f"{a} {b}")
        if kind == PERSON:
            for w in words:
                for other in full:
                    if other != w:
                        self.initials.add(f"{w[0]}:{other}")


@functools.lru_cache(maxsize=200_000)
def name_words(name: str, kind: str) -> tuple[str, ...]:
    """The comparable words of a name: normalised, prefixes and (for
    organisations) legal forms removed, transliterated to ASCII."""
    text = normalize_name(name)
    if not text:
        return ()
    if kind == ORGANIZATION:
        # rigour's legal-form lists match some forms before normalisation
        # ("Sp. z o.o.") and others after it ("ООО", "OÜ"): strip both ways.
        stripped = normalize_name(remove_org_types(remove_org_prefixes(name))) or ""
        stripped = remove_org_types(remove_org_prefixes(stripped))
        if stripped.strip():  # a name that is only a legal form keeps it
            text = stripped
    elif kind == PERSON:
        text = remove_person_prefixes(text)
    words = tokenize_name(ascii_text(text).lower())
    return tuple(w for w in words if w.isalnum())


@functools.lru_cache(maxsize=200_000)
def _phonetic(word: str) -> str:
    if word.isdigit():
        return word
    return metaphone(word) or word

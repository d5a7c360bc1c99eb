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
from itertools import combinations, product

from rigour.names import (
    NameTypeTag,
    SymbolCategory,
    analyze_names,
    normalize_name,
    remove_org_prefixes,
    remove_org_types,
    remove_person_prefixes,
    tokenize_name,
)
from rigour.text.translit import ascii_text

from threadline.model.sounds import phonetic_code

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
        self.phonetic.update(phonetic_keys(full, kind))
        if kind == ORGANIZATION:
            # A short last word is most often a legal form rigour does not
            # know in this spelling ("OU" for Estonian "OÜ", "AS", "OY"):
            # the name also sounds like itself without it.
            core = list(full)
            while len(core) > 1 and len(core[-1]) <= 3:
                core.pop()
            if len(core) != len(full):
                self.phonetic.update(phonetic_keys(core, kind))
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


#: At most this many sound-alike keys per name: each word may have several
#: name-data alternatives, and their product grows fast.
MAX_PHONETIC_KEYS = 64


def phonetic_keys(words: list[str], kind: str) -> set[str]:
    """Keys under which two names sound alike: per word its phonetic code
    and, for people, the given-name and nickname groups rigour's name data
    puts it in (Oleksandr / Олександр / Aleksandr / Alexander, Yuriy /
    Yury / Jurij, Mohammed / Muhammad, Bill / William); every combination,
    sorted, so word order does not matter."""
    if not words:
        return set()
    options = [_alternatives(w, kind) for w in words]
    count = 1
    for alternatives in options:
        count *= len(alternatives)
    if count > MAX_PHONETIC_KEYS:
        options = [(phonetic_code(w),) for w in words]
    return {" ".join(sorted(combo)) for combo in product(*options)}


@functools.lru_cache(maxsize=200_000)
def _alternatives(word: str, kind: str) -> tuple[str, ...]:
    code = phonetic_code(word)
    if kind != PERSON or word.isdigit():
        return (code,)
    return (code, *_name_symbols(word))


@functools.lru_cache(maxsize=200_000)
def _name_symbols(word: str) -> tuple[str, ...]:
    """rigour's name-data groups (Wikidata given and family names,
    nicknames) that ``word`` alone belongs to."""
    found: set[str] = set()
    for name in analyze_names(NameTypeTag.PER, [word]):
        for span in name.spans:
            symbol = span.symbol
            if len(span.parts) == 1 and symbol.category in _NAME_CATEGORIES:
                found.add(str(symbol))
    return tuple(sorted(found))


_NAME_CATEGORIES = (SymbolCategory.NAME, SymbolCategory.NICK)

"""Mentions of known entities in document text: every name and alias of the
workspace's people and organisations, matched at once with an Aho-Corasick
automaton (pyahocorasick) over normalised text, so the cost grows with the
text, not with the number of names.

Normalised: transliterated to Latin, lower case, everything that is not a
letter or digit a single space, so ``Иван  Петров`` matches ``Ivan Petrov``
and the match maps back to the characters as written. A name must have at
least two words (of which at least two of three letters or more): a lone
surname or a common word is never tagged on its own. Two-word names also
match in the other order (``Petrov Ivan``), and company names without their
legal form (``Acme Holdings`` for ``Acme Holdings Ltd``). Punctuation
folds to spaces, but a match never spans a clause break (``;``, ``:``,
brackets, a blank line), and the other order only reads across a space or
a comma (``Petrov, Ivan``), so ``J. Smith; Anna`` is not ``Smith Anna``."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

#: what a name written in a text never spans
_BREAK = re.compile(r"[;:!?()\[\]{}<>|]|\n\s*\n")
#: how the other order (surname first) is written: a space or a comma between
_SWAPPED = re.compile(r"\w+\s*,?\s*\w+")

LEGAL_FORMS = frozenset(
    [
        "ltd",
        "limited",
        "llc",
        "inc",
        "corp",
        "co",
        "plc",
        "gmbh",
        "ag",
        "sa",
        "sarl",
        "bv",
        "nv",
        "oy",
        "ab",
        "as",
        "spa",
        "srl",
        "ooo",
        "oao",
        "zao",
        "pao",
        "tov",
        "pat",
        "llp",
        "lp",
    ]
)


@dataclass(frozen=True)
class Hit:
    entity_id: str
    #: the name as written in the text
    written: str
    #: character offsets in the text (start inclusive, end exclusive)
    start: int
    end: int


@functools.lru_cache(maxsize=65536)
def _fold(char: str) -> str:
    from normality import ascii_text

    if char.isascii():
        return char.lower() if char.isalnum() else " "
    folded = (ascii_text(char) or "").lower()
    return "".join(c if c.isalnum() else " " for c in folded) or " "


def normalise(text: str) -> tuple[str, list[int]]:
    """(`` tokens separated by single spaces ``, the index in ``text`` of each
    character); padded with a space at both ends so names match whole words."""
    out = [" "]
    where = [0]
    for index, char in enumerate(text):
        for c in _fold(char):
            if c == " " and out[-1] == " ":
                continue
            out.append(c)
            where.append(index)
    if out[-1] != " ":
        out.append(" ")
        where.append(len(text))
    return "".join(out), where


def name_keys(name: str) -> list[str]:
    """The normalised forms a name is matched by; none for a name that could
    be a lone surname or a common word. A two-word name's second key is the
    other order."""
    tokens = normalise(name)[0].split()
    while len(tokens) > 2 and tokens[-1] in LEGAL_FORMS:
        tokens = tokens[:-1]
    if len(tokens) < 2 or sum(len(t) >= 3 for t in tokens) < 2:
        return []
    keys = [" " + " ".join(tokens) + " "]
    if len(tokens) == 2:
        keys.append(f" {tokens[1]} {tokens[0]} ")
    return keys


class MentionMatcher:
    def __init__(self, names: Iterable[tuple[str, str]]) -> None:
        """``names``: (entity id, name) pairs, every name and alias."""
        import ahocorasick

        #: key -> {(entity id, whether the key is the name's other order)}
        table: dict[str, set[tuple[str, bool]]] = {}
        for entity_id, name in names:
            for n, key in enumerate(name_keys(name)):
                table.setdefault(key, set()).add((entity_id, n == 1))
        self.automaton = ahocorasick.Automaton()
        for key, ids in table.items():
            # one hit per entity: written in order wins over the other order
            best: dict[str, bool] = {}
            for entity_id, swapped in sorted(ids):
                best[entity_id] = best.get(entity_id, True) and swapped
            self.automaton.add_word(key, (len(key), tuple(sorted(best.items()))))
        self.size = len(table)
        if self.size:
            self.automaton.make_automaton()

    def find(self, text: str) -> Iterator[Hit]:
        if not self.size:
            return
        normal, where = normalise(text)
        for end, (length, ids) in self.automaton.iter(normal):
            # the key is padded with spaces: the name is inside them
            first, last = end - length + 2, end - 1
            start, stop = where[first], where[last] + 1
            written = text[start:stop]
            if _BREAK.search(written):
                continue
            for entity_id, swapped in ids:
                if swapped and not _SWAPPED.fullmatch(written):
                    continue
                yield Hit(entity_id, written, start, stop)

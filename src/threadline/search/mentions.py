"""Mentions of known entities in document text: every name and alias of the
workspace's people and organisations, matched at once with an Aho-Corasick
automaton (pyahocorasick) over normalised text, so the cost grows with the
text, not with the number of names.

Normalised: transliterated to Latin, lower case, every run of characters
that are not letters or digits a single space, so ``Иван  Петров`` matches ``Ivan Petrov``
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
import gc
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

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


#: a word: letters and digits of any script (``\w`` without the underscore)
_WORD = re.compile(r"[^\W_]+")
_ASCII_WORD = re.compile(r"[a-z0-9]+")


@functools.lru_cache(maxsize=1 << 18)
def _fold_word(word: str) -> str:
    """A word of the text as matched: lower-case ASCII, transliterated; a word
    that transliterates to several (a ligature, a symbol) keeps them
    space-separated; one with nothing to match is empty."""
    if word.isascii():
        return word.lower()
    from normality import ascii_text

    return " ".join(_ASCII_WORD.findall((ascii_text(word) or "").lower()))


#: which ASCII characters are word characters
_ASCII_ALNUM = np.array([chr(c).isalnum() for c in range(128)], dtype=bool)


@dataclass(frozen=True)
class Normalised:
    """Text as matched: its words folded, one space between them and one at
    each end (so names match whole words), and the way back to the text."""

    text: str
    #: per token of ``text``, its start there
    token_starts: np.ndarray
    #: per token, the index of the word of the original text it comes from
    token_words: np.ndarray
    #: per word of the original text, its start and end there
    word_starts: np.ndarray
    word_ends: np.ndarray


def normalise(text: str) -> Normalised:
    """Fold the text's words in bulk, with numpy over its code points rather
    than a Python loop per character or word: separators become spaces and
    ASCII letters lower case at once, the words are split by ``str.split``,
    and only words with other letters go through the transliterating fold
    (cached: words repeat). A word is a run of letters and digits of any
    script."""
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    ascii_points = points < 128
    is_word = np.zeros(len(points), dtype=bool)
    is_word[ascii_points] = _ASCII_ALNUM[points[ascii_points]]
    others = np.unique(points[~ascii_points])
    if len(others):
        wordy = [c for c in others.tolist() if chr(c).isalnum()]
        if wordy:
            is_word[~ascii_points] = np.isin(points[~ascii_points], wordy)
    upper = (points >= 65) & (points <= 90)
    separated = np.where(is_word, points + upper * np.uint32(32), np.uint32(32))
    words = separated.astype(np.uint32).tobytes().decode("utf-32-le").split()
    edges = np.diff(np.concatenate(([False], is_word, [False])).astype(np.int8))
    word_starts = np.flatnonzero(edges == 1)
    word_ends = np.flatnonzero(edges == -1)
    # an ASCII word is already folded, one token; a word with other letters
    # folds to one, none or several tokens (only those are handled one by one)
    counts = np.ones(len(words), dtype=np.int64)
    if len(others) and words:
        # the words holding a non-ASCII letter, found from those letters alone
        # (a mostly-ASCII text has few)
        letters = np.flatnonzero(~ascii_points & is_word)
        holders = np.unique(np.searchsorted(word_starts, letters, side="right") - 1)
        for index in holders.tolist():
            fold = _fold_word(words[index])
            words[index] = fold
            counts[index] = fold.count(" ") + 1 if fold else 0
        body = " ".join(filter(None, words))
    else:
        body = " ".join(words)
    normal = f" {body} " if body else " "
    token_words = np.repeat(np.arange(len(words)), counts)
    spaces = np.flatnonzero(np.frombuffer(normal.encode("ascii"), dtype=np.uint8) == 32)
    return Normalised(normal, spaces[:-1] + 1, token_words, word_starts, word_ends)


def name_keys(name: str) -> list[str]:
    """The normalised forms a name is matched by; none for a name that could
    be a lone surname or a common word. A two-word name's last key is the
    other order (:func:`swapped_key`)."""
    # a name is short: word by word, as normalise() folds a text in bulk
    tokens = " ".join(map(_fold_word, _WORD.findall(name))).split()
    core = tokens
    while len(core) > 2 and core[-1] in LEGAL_FORMS:
        core = core[:-1]
    if len(core) < 2 or sum(len(t) >= 3 for t in core) < 2:
        return []
    # the full name too, so a hit covers the legal form where it is written
    keys = list(dict.fromkeys([" " + " ".join(tokens) + " ", " " + " ".join(core) + " "]))
    if len(core) == 2:
        keys.append(f" {core[1]} {core[0]} ")
    return keys


def swapped_key(keys: list[str]) -> str | None:
    """Of a name's keys, the one in the other order (surname first), if any."""
    if len(keys) >= 2:
        words = keys[-1].split()
        if len(words) == 2 and f" {words[1]} {words[0]} " in keys[:-1]:
            return keys[-1]
    return None


class MentionMatcher:
    def __init__(self, names: Iterable[tuple[str, str]]) -> None:
        """``names``: (entity id, name) pairs, every name and alias.

        With a million names the automaton holds millions of values: each is
        a (key length, row) pair of plain integers, the ids in a list beside
        it. The garbage collector is off while they are made: it would walk
        the growing heap again and again and find nothing to free."""
        import ahocorasick

        #: per row, the entities a key names, each with whether the key is
        #: its name in the other order
        self.rows: list[tuple[tuple[str, bool], ...]] = []
        self.automaton = ahocorasick.Automaton()
        collecting = gc.isenabled()
        gc.disable()  # building allocates millions of objects that all live on
        try:
            table: dict[str, dict[str, bool]] = {}
            for entity_id, name in names:
                keys = name_keys(name)
                other = swapped_key(keys)
                for key in keys:
                    ids = table.setdefault(key, {})
                    # in order for one of its names wins over the other order
                    ids[entity_id] = ids.get(entity_id, True) and key == other
            for key, found in table.items():
                self.automaton.add_word(key, (len(key), len(self.rows)))
                self.rows.append(tuple(sorted(found.items())))
            del table
        finally:
            if collecting:
                gc.enable()
        self.size = len(self.rows)
        if self.size:
            self.automaton.make_automaton()

    def find(self, text: str) -> Iterator[Hit]:
        if not self.size:
            return
        normal = normalise(text)
        matches = list(self.automaton.iter(normal.text))
        if not matches:
            return
        ends = np.fromiter((end for end, _ in matches), dtype=np.int64, count=len(matches))
        lengths = np.fromiter((v[0] for _, v in matches), dtype=np.int64, count=len(matches))
        rows = self.rows
        # the key is padded with spaces: the name is inside them; all the
        # hits mapped back to the text at once
        first = np.searchsorted(normal.token_starts, ends - lengths + 2, side="right") - 1
        last = np.searchsorted(normal.token_starts, ends - 1, side="right") - 1
        starts = normal.word_starts[normal.token_words[first]].tolist()
        stops = normal.word_ends[normal.token_words[last]].tolist()
        # per (entity, start) the longest name: "Acme Holdings Ltd" also
        # contains the key "acme holdings"
        best: dict[tuple[str, int], int] = {}
        for (_, (_, row)), start, stop in zip(matches, starts, stops, strict=True):
            written = None
            for entity_id, swapped in rows[row]:
                if best.get((entity_id, start), -1) >= stop:
                    continue
                written = written if written is not None else text[start:stop]
                # never across a clause break; the other order only as
                # "Petrov Ivan" or "Petrov, Ivan"
                if _BREAK.search(written) or (swapped and not _SWAPPED.fullmatch(written)):
                    continue
                best[(entity_id, start)] = stop
        for (entity_id, start), stop in sorted(best.items(), key=lambda item: item[0][1]):
            yield Hit(entity_id, text[start:stop], start, stop)

"""How a word sounds: one phonetic code shared by search and resolution.

Search ranks a query word that sounds like an indexed name word as a fuzzy
match, and resolution compares names by the same codes, so ``search`` and
``match`` agree that "Oleksandr" and "Aleksandr", or "Mohammed" and
"Muhammad", are the same given name written two ways.
"""

from __future__ import annotations

import functools

from rigour.text.phonetics import metaphone


@functools.lru_cache(maxsize=200_000)
def phonetic_code(word: str) -> str:
    """The word's Metaphone code, every leading vowel written "A" (as Double
    Metaphone does): transliterations disagree most on the first vowel
    (Oleksandr / Aleksandr, Yevgeny / Evgeny). Numbers are their own code.

    ``word`` is expected lowercase ASCII (a search token or a resolution
    name word)."""
    if word.isdigit():
        return word
    code = metaphone(word) or word
    if code[0] in "AEIOUY" and len(code) > 1:
        return "A" + code[1:]
    return code

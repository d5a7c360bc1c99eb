"""Text normalisation shared by indexing and querying.

Both sides of the search index go through :func:`name_tokens`, so a query
token and an indexed token match exactly when they denote the same word in
any script or spelling of accents: "Иван Петров", "IVAN PETROV" and
"Ivan Petrov" all become ``["ivan", "petrov"]``.
"""

from __future__ import annotations

import re
from functools import lru_cache

from normality import ascii_text

#: Strings up to this length (names, mostly) are cached whole; longer text is
#: cached word by word, which keeps the cache small for free text.
WHOLE_STRING_CACHE_LENGTH = 100

#: Tokens longer than this are noise for name search (hashes, base64, URLs
#: glued together) and would only bloat the term dictionary.
MAX_TOKEN_LENGTH = 64

# Apostrophes are dropped rather than split on, so "O'Brien" matches
# "OBrien", and a transliterated Cyrillic soft sign ("Ol'ga") matches "Olga".
_APOSTROPHES = re.compile(r"['`]")
_WORD = re.compile(r"[a-z0-9]+")


def name_tokens(text: str) -> list[str]:
    """Transliterate ``text`` to lowercase ASCII and split it into words.

    Any script is transliterated to Latin (via ICU), accents are folded,
    apostrophes are dropped and everything else that is not a letter or a
    digit separates tokens. Empty and over-long tokens are dropped.
    """
    if len(text) <= WHOLE_STRING_CACHE_LENGTH:
        return list(_tokens(text))
    # Words repeat far more than whole paragraphs do.
    return [token for word in text.split() for token in _tokens(word)]


@lru_cache(maxsize=2**17)
def _tokens(text: str) -> tuple[str, ...]:
    folded = ascii_text(text).lower()
    if "'" in folded or "`" in folded:  # the check is much cheaper than the regex
        folded = _APOSTROPHES.sub("", folded)
    tokens = _WORD.findall(folded)
    if max(map(len, tokens), default=0) > MAX_TOKEN_LENGTH:
        tokens = [token for token in tokens if len(token) <= MAX_TOKEN_LENGTH]
    # A tuple, because the cached value is shared between callers.
    return tuple(tokens)

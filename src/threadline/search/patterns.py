"""Pattern mentions in document text: e-mail addresses, phone numbers and
IBANs, each checked by a well-kept validator rather than a bare regex, so
a line of digits or a word with an ``@`` is not tagged.

- e-mail: a candidate by shape, kept when FtM's e-mail type cleans it;
- phone: phonenumbers' own matcher, at its ``VALID`` leniency, for numbers
  written with their country code (``+44 20 7946 0958``); a number without
  one is ambiguous across countries and is tagged only when the workspace
  names a default region (``[documents] phone_region``), is valid there,
  and is written like a phone number: its digits in groups (``020 7946
  0958``, ``(020) 7946-0958``), never a bare run of digits (an order or
  account number), and not glued to a longer code (``INV-2024-000123``);
- IBAN: a candidate by shape (spaces allowed in groups of four), kept when
  rigour's IBAN check (country length and the mod-97 checksum) passes.

Values come back cleaned (``+442079460958``, ``GB82WEST12345698765432``) so
the same number written two ways is one value, with the offsets of the
text as written."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

#: the FtM property of a document that holds each kind (``emailMentioned``)
KIND_PROPS = {"email": "emailMentioned", "phone": "phoneMentioned", "iban": "ibanMentioned"}
#: the FtM property types of each kind's values on people and companies
KIND_TYPES = {"email": "email", "phone": "phone", "iban": "iban"}

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}")
# No leading ``\b``: a pattern that starts with a character class lets
# Python's engine skip ahead to candidates, three times faster over prose;
# the word boundary before it is checked by hand (:func:`_ibans`).
_WORD = re.compile(r"\w")
_IBAN = re.compile(r"[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")


@dataclass(frozen=True)
class PatternHit:
    kind: str
    #: the cleaned value
    value: str
    start: int
    end: int


def find_patterns(text: str, phone_region: str | None = None) -> Iterator[PatternHit]:
    """E-mail addresses, phone numbers and IBANs in ``text``, in order;
    ``phone_region`` (``GB``) also finds that country's numbers written
    without a country code."""
    hits = [*_emails(text), *_phones(text, phone_region), *_ibans(text)]
    hits.sort(key=lambda h: (h.start, -h.end))
    last = -1
    for hit in hits:
        # an IBAN's digits may read as a phone number: the first, longest wins
        if hit.start >= last:
            yield hit
            last = hit.end


def _emails(text: str) -> Iterator[PatternHit]:
    if "@" not in text:
        return
    from followthemoney.types import registry

    for found in _EMAIL.finditer(text):
        clean = registry.email.clean(found.group(0))
        if clean:
            yield PatternHit("email", clean.lower(), found.start(), found.end())


#: what separates the groups of a phone number as written
_GROUPED = re.compile(r"\d[\s().-]+\d|\(\d")
#: a letter or digit joined to the number by a hyphen, slash or dot: the
#: number is the tail or head of a longer code (``INV-2024-000123``)
_GLUED_BEFORE = re.compile(r"[^\W_][-/.]$")
_GLUED_AFTER = re.compile(r"^[-/.][^\W_]")


def _phones(text: str, region: str | None = None) -> Iterator[PatternHit]:
    if region is None and "+" not in text:
        return
    import phonenumbers

    matcher = phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID)
    for match in matcher:
        written = match.raw_string
        if not written.startswith("+") and not _national_shape(text, match.start, match.end):
            continue
        value = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
        yield PatternHit("phone", value, match.start, match.end)


def _national_shape(text: str, start: int, end: int) -> bool:
    """A number without a country code is kept only when written as phone
    numbers are (digits in groups) and standing on its own."""
    if not _GROUPED.search(text[start:end]):
        return False
    before = text[max(0, start - 2) : start]
    after = text[end : end + 2]
    return not (_GLUED_BEFORE.search(before) or _GLUED_AFTER.match(after))


def _ibans(text: str) -> Iterator[PatternHit]:
    from rigour.ids import IBAN

    position = 0
    while (found := _IBAN.search(text, position)) is not None:
        start = found.start()
        if start and _WORD.match(text, start - 1):
            # inside a word: no IBAN starts here, but one may start further on
            position = start + 1
            continue
        position = found.end()
        compact = found.group(0).replace(" ", "")
        if IBAN.is_valid(compact):
            yield PatternHit("iban", compact, start, found.end())

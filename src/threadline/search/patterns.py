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
  rigour's IBAN check (country length and the mod-97 checksum) passes;
- LEI (legal entity identifier): 20 letters and digits standing alone, kept
  when rigour's LEI check (ISO 17442's mod-97 checksum) passes;
- IMO number (a ship): only written after ``IMO`` (its check digit alone
  would pass one random seven-digit number in ten), kept when rigour's IMO
  check passes.

LEIs and IMO numbers have no FtM property on a document; they become
mentions of the companies and vessels that hold the same value.

Values come back cleaned (``+442079460958``, ``GB82WEST12345698765432``) so
the same number written two ways is one value, with the offsets of the
text as written."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

#: the FtM property of a document that holds each kind (``emailMentioned``);
#: LEIs and IMO numbers have none
KIND_PROPS = {"email": "emailMentioned", "phone": "phoneMentioned", "iban": "ibanMentioned"}
#: the FtM property types of each kind's values on people and companies
KIND_TYPES = {"email": "email", "phone": "phone", "iban": "iban"}

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}")
# No leading ``\b`` (see :func:`_word_starts`)
_WORD = re.compile(r"\w")
_IBAN = re.compile(r"[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")
_LEI = re.compile(r"[0-9A-Z]{18}\d{2}\b")
_IMO = re.compile(r"\bIMO(?: ?(?:No\.?|number|#))?[ :.-]{0,3}(\d{7})\b")


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
    hits = [
        *_emails(text),
        *_phones(text, phone_region),
        *_ibans(text),
        *_leis(text),
        *_imos(text),
    ]
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


def _word_starts(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """Matches of ``pattern`` that start at a word boundary. The pattern has
    no leading ``\\b``: one that starts with a character class lets Python's
    engine skip ahead to candidates, three times faster over prose."""
    position = 0
    while (found := pattern.search(text, position)) is not None:
        start = found.start()
        if start and _WORD.match(text, start - 1):
            # inside a word: nothing starts here, but a match may start further on
            position = start + 1
            continue
        position = found.end()
        yield found


def _ibans(text: str) -> Iterator[PatternHit]:
    from rigour.ids import IBAN

    for found in _word_starts(_IBAN, text):
        compact = found.group(0).replace(" ", "")
        if IBAN.is_valid(compact):
            yield PatternHit("iban", compact, found.start(), found.end())


def _leis(text: str) -> Iterator[PatternHit]:
    from rigour.ids import LEI

    for found in _word_starts(_LEI, text):
        value = found.group(0)
        if LEI.is_valid(value):
            yield PatternHit("lei", value, found.start(), found.end())


def _imos(text: str) -> Iterator[PatternHit]:
    if "IMO" not in text:
        return
    from rigour.ids import IMO

    for found in _IMO.finditer(text):
        value = "IMO" + found.group(1)
        if IMO.is_valid(value):
            yield PatternHit("imo", value, found.start(), found.end())

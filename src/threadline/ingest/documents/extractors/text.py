"""Plain text (encoding detected by chardet) and the text
clean-up every extractor shares."""

from __future__ import annotations

import re
import unicodedata

from threadline.ingest.documents.base import Context, Extractor, LimitExceeded

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x20), 0x7F])
# a single space is left alone: matching each one made this the slowest step
_BLANKS = re.compile(r"[ \t\u00a0]{2,}|[\t\u00a0]")
_LINES = re.compile(r"\n{3,}")


def clean_text(text: str) -> str:
    """NFC, one kind of newline, no control characters, runs of blanks and
    blank lines folded: what a reader sees, and what search matches."""
    # Each step runs only when a substring test (memchr speed) says it has
    # work: a regular expression walks every character in Python's engine,
    # and on a born-digital PDF this clean-up cost a quarter of pdftotext's time.
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    # what is removed goes first, so the text left over is what gets composed
    if text.isascii():  # ASCII is already NFC, and has no U+FFFE
        data = text.encode("ascii")
        stripped = data.translate(None, _CONTROL_BYTES)
        if len(stripped) != len(data):
            text = stripped.decode("ascii")
    else:
        text = _CONTROL.sub("", text)
        text = unicodedata.normalize("NFC", text.replace("\ufffe", "").replace("\uffff", ""))
    if "  " in text or "\t" in text or "\u00a0" in text:
        text = _BLANKS.sub(" ", text)
    if "\n\n\n" in text:
        text = _LINES.sub("\n\n", text)
    return text.strip()


def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-8 when it is, else chardet's best guess from the
    first megabytes (Latin-1 when it has none: every byte is a character)."""
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    import chardet

    encoding = chardet.detect(data[: 4 << 20]).get("encoding")
    if not encoding:
        return data.decode("latin-1"), "latin-1"
    try:
        return data.decode(encoding, "replace"), encoding.lower()
    except LookupError:  # a name Python's codecs do not know
        return data.decode("latin-1"), "latin-1"


class TextExtractor(Extractor):
    schema = "PlainText"

    def extract(self, ctx: Context) -> None:
        size = ctx.path.stat().st_size
        if size > ctx.limits.max_text_chars:
            raise LimitExceeded(f"text file of {size:,} bytes is over the text limit")
        text, encoding = decode_text(ctx.path.read_bytes())
        ctx.document.add("encoding", encoding)
        ctx.document.add("bodyText", clean_text(text), 1)
        ctx.result.pages += 1

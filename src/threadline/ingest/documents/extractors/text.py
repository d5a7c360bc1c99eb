"""Plain text (encoding detected by chardet) and the text
clean-up every extractor shares."""

from __future__ import annotations

import re
import unicodedata

from threadline.ingest.documents.base import Context, Extractor, LimitExceeded

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
# a single space is left alone: matching each one made this the slowest step
_BLANKS = re.compile(r"[ \t\u00a0]{2,}|[\t\u00a0]")
_LINES = re.compile(r"\n{3,}")


def clean_text(text: str) -> str:
    """NFC, one kind of newline, no control characters, runs of blanks and
    blank lines folded: what a reader sees, and what search matches."""
    # what is removed goes first, so the text left over is what gets composed
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    if not text.isascii():  # ASCII is already NFC, and has no U+FFFE
        text = unicodedata.normalize("NFC", text.replace("\ufffe", "").replace("\uffff", ""))
    text = _BLANKS.sub(" ", text)
    return _LINES.sub("\n\n", text).strip()


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

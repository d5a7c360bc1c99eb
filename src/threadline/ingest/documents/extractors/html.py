"""HTML: the visible text only. Scripts, styles, navigation, headers and
footers are dropped before the text is taken, so a page's menu does not
match every search."""

from __future__ import annotations

from threadline.ingest.documents.base import Context, ExtractionFailed, Extractor, LimitExceeded
from threadline.ingest.documents.extractors.text import clean_text, decode_text

_HIDDEN = ("script", "style", "noscript", "template", "nav", "header", "footer", "head", "svg")


def visible_text(markup: str) -> tuple[str, str | None]:
    """(visible text, title) of an HTML document."""
    import lxml.html
    from lxml import etree

    if not markup.strip():
        return "", None
    try:
        root = lxml.html.document_fromstring(markup)
    except (etree.ParserError, ValueError) as exc:
        raise ExtractionFailed(f"unreadable HTML ({exc})") from exc
    title_el = root.find(".//title")
    title = title_el.text_content().strip() if title_el is not None else None
    # collected first: dropping while iterating skips siblings
    for element in [*root.iter(*_HIDDEN), *root.iter(etree.Comment)]:
        if element.getparent() is not None:
            element.drop_tree()
    for br in root.iter("br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"):
        br.tail = "\n" + (br.tail or "")
    return clean_text(root.text_content()), title or None


class HTMLExtractor(Extractor):
    schema = "HyperText"

    def extract(self, ctx: Context) -> None:
        size = ctx.path.stat().st_size
        if size > ctx.limits.max_text_chars:
            raise LimitExceeded(f"HTML file of {size:,} bytes is over the text limit")
        markup, encoding = decode_text(ctx.path.read_bytes())
        text, title = visible_text(markup)
        ctx.document.add("encoding", encoding)
        ctx.document.add("title", title)
        ctx.document.add("bodyText", text, 1)
        ctx.result.pages += 1

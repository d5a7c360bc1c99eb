"""E-mail: single messages (EML) and mailboxes (MBOX). Sender and
recipients become LegalEntity entities keyed by address (one per address
in the dataset, so a person's mails meet at one node); a message's id is
derived from its Message-ID, so a reply names its parent (``inReplyToEmail``)
even when the parent arrives in another file. Attachments are children,
parsed as files of their own."""

from __future__ import annotations

import contextlib
import email
import email.policy
import re
from email.message import EmailMessage
from email.utils import getaddresses, parsedate_to_datetime
from typing import IO

from threadline.ingest.documents.base import Context, ExtractionFailed, Extractor, LimitExceeded
from threadline.ingest.documents.extractors.html import visible_text
from threadline.ingest.documents.extractors.text import clean_text
from threadline.ingest.documents.records import EntityOut, make_id

_MSGID = re.compile(r"<[^<>\s]+>")
_MBOX_FROM = b"From "


def message_ids(header: str | None) -> list[str]:
    return _MSGID.findall(header or "")


def email_id(dataset: str, message_id: str) -> str:
    return make_id("Email", dataset, message_id)


def _party(ctx: Context, name: str, address: str) -> EntityOut | None:
    address = address.strip().lower()
    if "@" not in address:
        return None
    entity = ctx.entity("LegalEntity", "email-address", address)
    entity.add("email", address)
    entity.add("name", name.strip() or None)
    return entity


def parse_message(data: bytes) -> EmailMessage:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def fill_email(ctx: Context, entity: EntityOut, message: EmailMessage, inner: str) -> None:
    """Headers, parties, thread and body of ``message`` into ``entity``;
    attachments become children named ``inner/attachment-name``."""

    def header(name: str) -> str | None:
        try:
            value = message.get(name)
        except (ValueError, IndexError, TypeError):  # a malformed header stays out
            return None
        return str(value) if value is not None else None

    entity.add("subject", header("Subject"))
    entity.add("title", header("Subject"))
    date = header("Date")
    if date:
        with contextlib.suppress(TypeError, ValueError):
            entity.add("date", parsedate_to_datetime(date).isoformat()[:19])
    for prop, names in (
        ("from", ("From",)),
        ("sender", ("Sender",)),
        ("to", ("To",)),
        ("cc", ("Cc",)),
        ("bcc", ("Bcc",)),
    ):
        raw = [h for n in names if (h := header(n))]
        for name, address in getaddresses(raw):
            party = _party(ctx, name, address)
            if party is None:
                continue
            entity.add(prop, party.id)
            entity.add("emitters" if prop in ("from", "sender") else "recipients", party.id)
    own = message_ids(header("Message-ID"))
    entity.add("messageId", own[0] if own else None)
    parents = message_ids(header("In-Reply-To"))
    references = message_ids(header("References"))
    for ref in references:
        entity.add("inReplyTo", ref)
    parent = parents[-1] if parents else (references[-1] if references else None)
    if parent:
        entity.add("inReplyTo", parent)
        entity.add("inReplyToEmail", email_id(ctx.dataset, parent))
    body = message.get_body(preferencelist=("plain", "html"))
    if body is not None:
        try:
            content = body.get_content()
        except (LookupError, ValueError, AssertionError):
            content = body.get_payload(decode=True) or b""
            content = content.decode("latin-1") if isinstance(content, bytes) else str(content)
        if body.get_content_subtype() == "html":
            entity.add("bodyHtml", content)
            content, _ = visible_text(content)
        entity.add("bodyText", clean_text(str(content)), 1)
    for number, part in enumerate(message.iter_attachments(), start=1):
        name = part.get_filename() or f"attachment-{number}"
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        import io

        ctx.add_child(io.BytesIO(payload), name, f"{inner}{name}", entity.id)


class EmailExtractor(Extractor):
    schema = "Email"

    def extract(self, ctx: Context) -> None:
        data = ctx.path.read_bytes()
        message = parse_message(data)
        own = message_ids(str(message.get("Message-ID") or ""))
        if own:
            # the message's id comes from its Message-ID, so replies find it
            ctx.document.id = email_id(ctx.dataset, own[0])
        fill_email(ctx, ctx.document, message, "")
        ctx.result.pages += 1


def split_mbox(stream: IO[bytes], max_line: int, max_message: int) -> list[bytes]:
    """Messages of an mbox, read line by line under a cap on line length (an
    endless one-line "mailbox" stops at the cap, it is never read whole)."""
    messages: list[bytes] = []
    current: list[bytes] = []
    size = 0
    previous_blank = True
    while True:
        line = stream.readline(max_line + 1)
        if not line:
            break
        if len(line) > max_line:
            raise LimitExceeded(f"a line longer than {max_line:,} bytes: not a mailbox")
        if line.startswith(_MBOX_FROM) and previous_blank:
            if current:
                messages.append(b"".join(current))
            current, size = [], 0
        else:
            if not current and not messages and not line.strip():
                continue
            current.append(line[1:] if line.startswith(b">From ") else line)
            size += len(line)
            if size > max_message:
                raise LimitExceeded(f"a message larger than {max_message:,} bytes")
        previous_blank = not line.strip()
    if current:
        messages.append(b"".join(current))
    return messages


class MboxExtractor(Extractor):
    schema = "Package"

    def extract(self, ctx: Context) -> None:
        with open(ctx.path, "rb") as fh:
            raw = split_mbox(fh, ctx.limits.max_line_bytes, ctx.limits.max_file_bytes)
        if not raw:
            raise ExtractionFailed("no messages in the mailbox")
        for number, data in enumerate(raw, start=1):
            message = parse_message(data)
            own = message_ids(str(message.get("Message-ID") or ""))
            key = own[0] if own else f"{ctx.source}#{number}"
            entity = EntityOut(email_id(ctx.dataset, key), "Email")
            ctx.result.entities.append(entity)
            entity.add("parent", ctx.document.id)
            entity.add("fileName", f"message-{number}.eml")
            fill_email(ctx, entity, message, f"message-{number}/")
            ctx.result.pages += 1

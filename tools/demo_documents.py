"""The demo's documents: a born-digital PDF, a scanned delivery note (a PNG
to be OCR'd), a small mailbox with a thread, and a ZIP holding a side
letter in text and PDF. They name people and companies of the demo's story
(``src/threadline/demo/README.md``), so mentions tie them to the registry,
the leak and the procurement records. Invented, like the rest.

Deterministic: the PDF is written byte by byte (no dates, no ids), the
image drawn with Pillow's bundled font, the ZIP's members stored with a
fixed date, so ``tests/demo/test_demo_data.py`` can compare the shipped
files with what this writes."""

from __future__ import annotations

import io
import zipfile

from document_corpus import pdf_bytes, text_image

#: the folder under the demo data that ``threadline demo`` ingests as documents
FOLDER = "documents"
#: the dataset the documents load into
DATASET = "documents"

MINUTES = [
    "KELMOUTH HARBOUR AUTHORITY\n"
    "Minutes of the board meeting of 2 June 2021\n"
    "\n"
    "Present: the chair, the harbour master, two members of the board.\n"
    "Item 4: maintenance dredging of the approach channel, 2021-2022.\n"
    "The harbour master reported three bids in the restricted procedure.",
    "Item 4 (continued)\n"
    "The board approved the award to Cobalt Marine Ltd for GBP 3,950,000.\n"
    "Anna Petrova, director of Cobalt Marine, will sign for the supplier.\n"
    "Payments to the supplier's account GB82 WEST 1234 5698 7654 32.\n"
    "Questions to the procurement office: +44 20 7946 0958.",
]

DELIVERY_NOTE = [
    "DELIVERY NOTE 2022/117",
    "From: Tamarind Holdings Ltd, Limassol",
    "To: Cobalt Marine Ltd, Unit 7, Quayside Walk, Hull",
    "Goods: 2 survey launches, as agreed",
    "Received by Ivan Petrov for Larkspur Ventures",
]

MESSAGES = [
    (
        "Anna Petrova <anna.petrova@cobalt-marine.example>",
        "Ivan Petrov <ivan.petrov@larkspur.example>",
        "Dredging award",
        "Mon, 07 Jun 2021 09:12:00 +0000",
        "<award-1@cobalt-marine.example>",
        None,
        "Ivan,\n\nThe Kelmouth board approved our bid on Wednesday. The fee to\n"
        "Tamarind Holdings goes out once the first invoice is paid.\n\nAnna\n",
    ),
    (
        "Ivan Petrov <ivan.petrov@larkspur.example>",
        "Anna Petrova <anna.petrova@cobalt-marine.example>",
        "Re: Dredging award",
        "Mon, 07 Jun 2021 11:40:00 +0000",
        "<award-2@larkspur.example>",
        "<award-1@cobalt-marine.example>",
        "Good. Send it through Larkspur Ventures, not Tamarind this time.\n\nI.\n",
    ),
    (
        "Anna Petrova <anna.petrova@cobalt-marine.example>",
        "Ivan Petrov <ivan.petrov@larkspur.example>",
        "Re: Dredging award",
        "Tue, 08 Jun 2021 08:05:00 +0000",
        "<award-3@cobalt-marine.example>",
        "<award-2@larkspur.example>",
        "Understood. Call me on +44 20 7946 0958 if the bank asks.\n\nAnna\n",
    ),
]

SIDE_LETTER = (
    "SIDE LETTER\n\n"
    "Between Stellan Holdings Ltd (Sliema, Malta) and Oleksandr Hrytsenko.\n"
    "Stellan Holdings holds its shares in Baltic Ferrous for the sole benefit\n"
    "of Oleksandr Hrytsenko, who may call for their transfer at any time.\n\n"
    "Signed in Sliema, 1 October 2018.\n"
)


def mbox() -> bytes:
    out = []
    for sender, to, subject, date, message_id, reply_to, body in MESSAGES:
        address = sender.split("<")[1].rstrip(">")
        out.append(f"From {address} {date[5:]}\n")
        out.append(f"From: {sender}\nTo: {to}\nSubject: {subject}\nDate: {date}\n")
        out.append(f"Message-ID: {message_id}\n")
        if reply_to:
            out.append(f"In-Reply-To: {reply_to}\nReferences: {reply_to}\n")
        out.append("MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n")
        out.append(body.replace("\nFrom ", "\n>From ") + "\n")
    return "".join(out).encode("utf-8")


def scan_png() -> bytes:
    image = text_image(DELIVERY_NOTE, size=32).crop((0, 0, 1300, 400))
    out = io.BytesIO()
    # no timestamps or text chunks: the same pixels give the same bytes
    image.save(out, "PNG", optimize=True, dpi=(200, 200))
    return out.getvalue()


def side_letter_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for name, data in (
            ("side-letter/side-letter.txt", SIDE_LETTER.encode("utf-8")),
            ("side-letter/side-letter.pdf", pdf_bytes(SIDE_LETTER.split("\n\n"))),
        ):
            info = zipfile.ZipInfo(name, date_time=(2018, 10, 1, 12, 0, 0))
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return out.getvalue()


def documents() -> dict[str, bytes]:
    """Path under the demo data folder -> bytes."""
    return {
        f"{FOLDER}/board-minutes-2021-06-02.pdf": pdf_bytes(MINUTES),
        f"{FOLDER}/scans/delivery-note-2022-117.png": scan_png(),
        f"{FOLDER}/mail/cobalt.mbox": mbox(),
        f"{FOLDER}/side-letter.zip": side_letter_zip(),
    }

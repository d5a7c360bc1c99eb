"""The budgets every document obeys. Hostile input (a zip bomb, a
40-deep nest of archives, a decompression-bomb PNG, an endless one-line
mailbox) runs into one of these and is recorded as failed with the limit it
hit, instead of exhausting the machine."""

from __future__ import annotations

from dataclasses import dataclass

MiB = 1 << 20
GiB = 1 << 30


@dataclass(frozen=True)
class DocumentLimits:
    #: address space of one worker process (RLIMIT_AS); with one worker per
    #: core on a 2-core machine, peak stays well under 2 GiB
    worker_memory: int = 768 * MiB
    #: CPU seconds of one worker (RLIMIT_CPU)
    worker_cpu_seconds: int = 300
    #: wall-clock seconds one file may take before its worker is killed
    timeout_seconds: float = 180.0
    #: a single file (or archive member) larger than this is not parsed
    max_file_bytes: int = 2 * GiB
    #: archives: what one archive may expand to, and the compression ratio
    #: (expanded / compressed) past which it is treated as a bomb
    max_expanded_bytes: int = 4 * GiB
    max_ratio: float = 200.0
    max_members: int = 100_000
    #: archives inside archives (and attachments inside e-mails inside archives)
    max_depth: int = 8
    #: every descendant of one top-level input together
    max_total_bytes: int = 16 * GiB
    #: images: width x height, checked from the header before decoding
    max_pixels: int = 90_000_000
    #: text kept per file; the rest is recorded as truncated
    max_text_chars: int = 50_000_000
    #: one line of a mailbox or text file longer than this is not a message
    max_line_bytes: int = 16 * MiB
    #: PDF pages OCR'd per file (scans of whole books are split by pages anyway)
    max_ocr_pages: int = 2_000
    #: OCR resolution for PDF pages without a text layer
    ocr_dpi: int = 200


DEFAULT_LIMITS = DocumentLimits()

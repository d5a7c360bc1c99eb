"""Documents: PDFs, scans, office files, mailboxes and archives become FtM
entities (Pages/Page, Email, PlainText, HyperText, Image, Folder, Package,
Document) whose text is searchable, each value citing its file, page and
character offsets.

The shape follows Aleph's ingest-file (one extractor per family of MIME
types, children keep a reference to their parent) with two differences: each
file is parsed in a sandboxed worker process with memory, CPU and time
limits (:mod:`.sandbox`), and archives are unpacked under explicit budgets
(:mod:`.limits`). See ``docs/documents.md``.
"""

"""The bundled demo: where its files are and how to load them.

Every file of the demo, in load order, with the dataset it belongs to and the
FtM mapping that turns it into entities (``None`` for a file that already is
FtM entity JSON). The data is fictional; see ``README.md`` in this package for
the story it tells and ``tools/generate_demo.py`` in the source repository
for how it is made.

A mapping's ``csv_url`` is the bare file name, relative to :data:`DEMO_DIR`:
run ``ftm map`` from that directory. Threadline itself ignores ``csv_url`` and
reads :attr:`DemoSource.path`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

_HERE = Path(__file__).resolve().parent

#: The demo data files.
DEMO_DIR: Path = _HERE / "data"
#: The FtM mapping files, one per CSV source.
MAPPINGS_DIR: Path = _HERE / "mappings"
#: Ground truth for entity resolution, for the demo only (not a source).
TRUTH_FILE: Path = DEMO_DIR / "truth.csv"
#: The demo's documents (a PDF, a scan, a mailbox, a ZIP), loaded as one
#: folder into :data:`DOCUMENTS_DATASET` after the tables, so their text
#: mentions the people and companies those hold.
DEMO_DOCUMENTS: Path = DEMO_DIR / "documents"
DOCUMENTS_DATASET = "documents"


@dataclass(frozen=True, slots=True)
class DemoSource:
    """One demo file, the dataset it loads into and its mapping, if any."""

    path: Path
    dataset: str
    mapping: Path | None


DEMO_SOURCES: list[DemoSource] = [
    DemoSource(
        DEMO_DIR / "company_registry.csv", "registry", MAPPINGS_DIR / "company_registry.yml"
    ),
    DemoSource(
        DEMO_DIR / "registry_officers.csv", "registry", MAPPINGS_DIR / "registry_officers.yml"
    ),
    DemoSource(
        DEMO_DIR / "registry_shareholders.csv",
        "registry",
        MAPPINGS_DIR / "registry_shareholders.yml",
    ),
    DemoSource(
        DEMO_DIR / "procurement_awards.csv", "procurement", MAPPINGS_DIR / "procurement_awards.yml"
    ),
    DemoSource(
        DEMO_DIR / "leaked_shareholders.csv", "leak", MAPPINGS_DIR / "leaked_shareholders.yml"
    ),
    DemoSource(DEMO_DIR / "sanctions.ftm.json", "sanctions", None),
]

__all__ = [
    "DEMO_DIR",
    "DEMO_DOCUMENTS",
    "DEMO_SOURCES",
    "DOCUMENTS_DATASET",
    "MAPPINGS_DIR",
    "TRUTH_FILE",
    "DemoSource",
]

"""The reader registry: every format resolves to a reader, extensions map to
the formats they always did, errors read as before, and a registered reader's
library is imported only when a file of that format is opened."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
import textwrap
from pathlib import Path, PurePath

import pytest

from threadline.errors import InputError
from threadline.ingest.readers import READERS, RecordReader, detect_format, open_records
from threadline.ingest.registry import Registry

# What format each extension meant before the registry existed.
EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".json": "json",
    ".ndjson": "ndjson",
    ".jsonl": "ndjson",
    ".parquet": "parquet",
    ".pq": "parquet",
}


@pytest.mark.parametrize("name", READERS.names())
def test_every_handler_resolves_to_a_concrete_reader(name: str) -> None:
    cls = READERS.load(name)
    assert issubclass(cls, RecordReader)
    assert not inspect.isabstract(cls)


def test_the_formats_are_the_old_ones() -> None:
    assert READERS.names() == ["csv", "tsv", "xlsx", "json", "ndjson", "parquet"]
    registered = {ext: h.name for h in READERS for ext in h.extensions}
    assert registered == EXTENSIONS


@pytest.mark.parametrize(("suffix", "fmt"), sorted(EXTENSIONS.items()))
def test_detect_format(suffix: str, fmt: str) -> None:
    assert detect_format(Path(f"people{suffix}")) == fmt
    assert detect_format(Path(f"PEOPLE{suffix.upper()}")) == fmt
    # The last known suffix decides, as it always did.
    assert detect_format(Path(f"people.2024{suffix}")) == fmt
    assert detect_format(Path(f"people{suffix}.bak")) == fmt


def test_unknown_extension_is_the_same_clear_error() -> None:
    with pytest.raises(InputError) as info:
        detect_format(Path("/data/people.docx"))
    error = info.value
    assert error.problem == "cannot tell the format of 'people.docx' from its extension"
    assert error.hint == (
        "use .csv, .tsv, .xlsx, .json, .ndjson/.jsonl or .parquet, or pass --format"
    )
    assert error.location is not None and error.location.path == "/data/people.docx"


def test_every_extension_in_the_hint_is_detected() -> None:
    with pytest.raises(InputError) as info:
        detect_format(Path("x.unknown"))
    hint = info.value.hint or ""
    listed = hint.removeprefix("use ").removesuffix(", or pass --format")
    for ext in listed.replace(" or ", ", ").replace("/", ", ").split(", "):
        assert READERS.for_path(PurePath(f"x{ext}")) is not None, ext


def test_unknown_format_is_the_same_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("name\nAna\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        open_records(path, "dbf")
    error = info.value
    assert error.problem == "unknown format 'dbf'"
    assert error.hint == "use csv, tsv, xlsx, json, ndjson or parquet"
    assert error.location is not None and error.location.path == str(path)


def test_missing_file_is_reported_before_the_format(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        open_records(tmp_path / "gone.docx")
    assert info.value.problem == "file not found"


def _write(path: Path, fmt: str) -> None:
    rows = [{"name": "Ana Silva", "country": "pt"}, {"name": "Li Wang", "country": "cn"}]
    if fmt in ("csv", "tsv"):
        sep = "\t" if fmt == "tsv" else ","
        lines = [sep.join(rows[0])] + [sep.join(r.values()) for r in rows]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    elif fmt == "json":
        path.write_text(json.dumps(rows), encoding="utf-8")
    elif fmt == "ndjson":
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    elif fmt == "xlsx":
        import openpyxl

        book = openpyxl.Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.append(list(rows[0]))
        for row in rows:
            sheet.append(list(row.values()))
        book.save(path)
    elif fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.Table.from_pylist(rows), path)
    else:
        raise AssertionError(fmt)


@pytest.mark.parametrize("fmt", READERS.names())
def test_each_format_opens_with_its_options(tmp_path: Path, fmt: str) -> None:
    handler = READERS.get(fmt)
    assert handler is not None
    path = tmp_path / f"people{handler.extensions[0]}"
    _write(path, fmt)
    reader = open_records(path)
    assert type(reader) is READERS.load(fmt)
    assert [r.data for r in reader] == [
        {"name": "Ana Silva", "country": "pt"},
        {"name": "Li Wang", "country": "cn"},
    ]


def test_registering_imports_nothing_until_used() -> None:
    lazy = [
        "openpyxl",
        "pyarrow.parquet",
        "threadline.ingest.readers.xlsx_reader",
        "threadline.ingest.readers.parquet_reader",
        "threadline.ingest.readers.json_reader",
    ]
    script = textwrap.dedent(
        f"""
        import sys
        from threadline.ingest.readers.formats import READERS

        lazy = {lazy!r}
        print(sorted(m for m in lazy if m in sys.modules))
        READERS.load("xlsx")
        print("threadline.ingest.readers.xlsx_reader" in sys.modules)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.splitlines() == ["[]", "True"]


class _Base:
    pass


def test_registry_rejects_ambiguous_handlers() -> None:
    registry: Registry[_Base] = Registry("thing", _Base)
    registry.register("a", "some.module:A", extensions=(".A",), mime_types=("text/a",))
    assert registry.for_path(PurePath("x.a")) is registry.get("a")
    assert registry.for_mime("text/a; charset=utf-8") is registry.get("a")
    with pytest.raises(ValueError, match="already registered"):
        registry.register("a", "some.module:B")
    with pytest.raises(ValueError, match=r"\.a is already 'a'"):
        registry.register("b", "some.module:B", extensions=(".a",))
    with pytest.raises(ValueError, match="text/a is already 'a'"):
        registry.register("c", "some.module:C", mime_types=("text/a",))
    with pytest.raises(ValueError, match="module:Attr"):
        registry.register("d", "some.module.D")
    with pytest.raises(ValueError, match="must start with"):
        registry.register("e", "some.module:E", extensions=("e",))
    assert registry.names() == ["a"]


def test_a_target_is_imported_only_when_loaded() -> None:
    registry: Registry[_Base] = Registry("thing", _Base)
    registry.register("missing", "threadline_no_such_module:Thing")
    registry.register("wrong", "json:JSONDecoder")
    registry.register("typo", f"{__name__}:_Bsae")
    registry.register("good", f"{__name__}:_Base")
    assert "threadline_no_such_module" not in sys.modules
    with pytest.raises(ModuleNotFoundError):
        registry.load("missing")
    with pytest.raises(TypeError, match="is not a"):
        registry.load("wrong")
    with pytest.raises(ImportError, match="has no '_Bsae'"):
        registry.load("typo")
    with pytest.raises(KeyError):
        registry.load("nothing")
    assert registry.load("good") is _Base

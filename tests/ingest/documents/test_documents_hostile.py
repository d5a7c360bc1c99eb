"""A generated hostile corpus: each file must end as a record with the limit
or reason it hit, without crashing the run, exhausting memory or writing
outside the workspace; the good files beside it are still read."""

from __future__ import annotations

import dataclasses
import io
import shutil
import struct
import subprocess
import tarfile
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest

from threadline.workspace import Workspace


def _errors(ws: Workspace, dataset: str) -> dict[str, list[str]]:
    """fileName -> processingError of every entity that failed."""
    found: dict[str, list[str]] = {}
    for entity in ws.entities(dataset):
        if entity.proxy.get("processingStatus") == ["failure"]:
            name = (entity.proxy.get("fileName") or ["?"])[0]
            found.setdefault(name, []).extend(entity.proxy.get("processingError"))
    return found


def zip_bomb(path: Path, megabytes: int) -> Path:
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("zeros.bin", "w", force_zip64=True) as member,
    ):
        block = b"\0" * (1 << 20)
        for _ in range(megabytes):
            member.write(block)
    return path


def nested_zip(path: Path, depth: int) -> Path:
    data = b"the innermost file"
    name = "core.txt"
    for level in range(depth):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr(name, data)
        data, name = buffer.getvalue(), f"level-{depth - level}.zip"
    path.write_bytes(data)
    return path


def png_bomb(path: Path, side: int) -> Path:
    """A valid PNG of side x side 1-bit pixels, a few hundred kB on disk."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    compressor = zlib.compressobj(9)
    row = b"\0" * (1 + (side + 7) // 8)
    idat = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )
    return path


def test_zip_bomb_is_refused(workspace: Workspace, tmp_path: Path, docs: Any) -> None:
    root = tmp_path / "in"
    root.mkdir()
    zip_bomb(root / "bomb.zip", 100)  # 100 MiB of zeros, ~100 kB compressed
    (root / "fine.txt").write_text("an ordinary file")
    report = workspace.ingest_documents(root, "bomb", limits=docs.limits, workers=2)
    assert [(s, st) for s, st, _ in report.failed] == [("in/bomb.zip", "limits")]
    assert "zip bomb" in report.failed[0][2]
    assert "in/fine.txt" not in {s for s, _, _ in report.failed}
    # nothing of the bomb was kept: the blob store holds the zip and the text file
    blobs = [p for p in (workspace.path / "blobs").rglob("*") if p.is_file()]
    assert sum(p.stat().st_size for p in blobs) < 2 << 20


def test_archives_nested_40_deep_stop_at_the_depth_limit(
    workspace: Workspace, tmp_path: Path, docs: Any
) -> None:
    nested_zip(tmp_path / "deep.zip", 40)
    report = workspace.ingest_documents(tmp_path / "deep.zip", "deep", limits=docs.limits)
    limit = docs.limits.max_depth
    assert len(report.failed) == 1
    source, stage, reason = report.failed[0]
    assert stage == "limits" and f"nested more than {limit}" in reason
    assert source.count("!/") == limit + 1
    packages = [e for e in workspace.entities("deep") if e.schema.name == "Package"]
    assert len(packages) == limit + 1


def test_traversal_absolute_paths_and_links_are_recorded_not_followed(
    workspace: Workspace, tmp_path: Path, docs: Any
) -> None:
    root = tmp_path / "in"
    root.mkdir()
    with zipfile.ZipFile(root / "evil.zip", "w") as archive:
        archive.writestr("../../escaped.txt", "climbs out")
        archive.writestr("/tmp/absolute.txt", "absolute")
        archive.writestr("ok/good.txt", "a good member")
    with tarfile.open(root / "links.tar", "w") as tar:
        for name, kind, target in (
            ("sym", tarfile.SYMTYPE, "/etc/passwd"),
            ("hard", tarfile.LNKTYPE, "/etc/shadow"),
        ):
            info = tarfile.TarInfo(name)
            info.type, info.linkname = kind, target
            tar.addfile(info)
        body = b"plain member"
        info = tarfile.TarInfo("plain.txt")
        info.size = len(body)
        tar.addfile(info, io.BytesIO(body))
    workspace.ingest_documents(root, "evil", limits=docs.limits, workers=2)
    errors = _errors(workspace, "evil")
    assert "climbs out" in errors["escaped.txt"][0]
    assert "absolute path" in errors["absolute.txt"][0]
    assert "symbolic link" in errors["sym"][0] and "/etc/passwd" in errors["sym"][0]
    assert "hard link" in errors["hard"][0]
    texts = {t for e in workspace.entities("evil") for t in e.proxy.get("bodyText") if e.proxy}
    assert {"a good member", "plain member"} <= texts
    assert "climbs out" not in texts
    assert not list(tmp_path.parent.rglob("escaped.txt"))
    assert not Path("/tmp/absolute.txt").exists()


def test_decompression_bomb_png_is_refused_from_its_header(
    workspace: Workspace, tmp_path: Path, docs: Any
) -> None:
    png_bomb(tmp_path / "bomb.png", 30_000)  # 900 million pixels
    report = workspace.ingest_documents(tmp_path / "bomb.png", "png", limits=docs.limits)
    assert len(report.failed) == 1
    assert report.failed[0][1] == "limits" and "pixel" in report.failed[0][2]


def test_truncated_and_disguised_pdfs(workspace: Workspace, tmp_path: Path, docs: Any) -> None:
    root = tmp_path / "in"
    root.mkdir()
    good = docs.pdf_bytes(["Page with text"])
    (root / "truncated.pdf").write_bytes(good[:60])
    (root / "garbage.pdf").write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 40)
    (root / "really-text.pdf").write_text("I am plain text wearing a PDF name")
    with zipfile.ZipFile(root / "really-zip.pdf", "w") as archive:
        archive.writestr("inside.txt", "inside a disguised zip")
    report = workspace.ingest_documents(root, "pdfs", limits=docs.limits, workers=2)
    failed = {s: st for s, st, _ in report.failed}
    assert failed == {"in/garbage.pdf": "parse", "in/truncated.pdf": "parse"}
    schemata = {
        (e.proxy.get("fileName") or [""])[0]: e.schema.name for e in workspace.entities("pdfs")
    }
    assert schemata["really-text.pdf"] == "PlainText"
    assert schemata["really-zip.pdf"] == "Package"
    assert schemata["inside.txt"] == "PlainText"


def test_endless_one_line_mailbox(workspace: Workspace, tmp_path: Path, docs: Any) -> None:
    path = tmp_path / "endless.mbox"
    with open(path, "wb") as fh:
        fh.write(b"From someone@example.org Mon Jan  1 00:00:00 2024\nSubject: x\n\n")
        for _ in range(8):
            fh.write(b"a" * (1 << 20))  # 8 MiB, no newline
    report = workspace.ingest_documents(path, "mbox", limits=docs.limits)
    assert len(report.failed) == 1
    assert report.failed[0][1] == "limits" and "line longer than" in report.failed[0][2]


@pytest.mark.skipif(shutil.which("7z") is None, reason="needs 7z (make doc-tools)")
def test_encrypted_archives_are_recorded_as_encrypted(
    workspace: Workspace, tmp_path: Path, docs: Any
) -> None:
    root = tmp_path / "in"
    root.mkdir()
    (tmp_path / "secret.txt").write_text("secret")
    subprocess.run(
        ["7z", "a", "-psecret", "-mhe=on", str(root / "locked.7z"), str(tmp_path / "secret.txt")],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        ["7z", "a", "-psecret", "-tzip", str(root / "locked.zip"), str(tmp_path / "secret.txt")],
        check=True,
        capture_output=True,
    )
    report = workspace.ingest_documents(root, "enc", limits=docs.limits, workers=2)
    assert report.encrypted == ["in/locked.7z"]
    errors = _errors(workspace, "enc")
    assert "encrypted" in errors["secret.txt"][0]  # the zip's member


def test_a_worker_over_its_memory_or_time_is_killed_and_recorded(
    workspace: Workspace, tmp_path: Path, docs: Any
) -> None:
    docs.scanned_pdf(tmp_path / "scan.pdf", [["SLOW TO READ"]] * 3)
    slow = dataclasses.replace(docs.limits, timeout_seconds=0.5)
    report = workspace.ingest_documents(tmp_path / "scan.pdf", "slow", limits=slow)
    assert report.failed[0][1] == "sandbox" and "longer than" in report.failed[0][2]
    # a 6000-dpi render of a page needs more than the worker may have
    tight = dataclasses.replace(
        docs.limits, worker_memory=256 << 20, ocr_dpi=6000, max_pixels=10**10
    )
    report = workspace.ingest_documents(
        tmp_path / "scan.pdf", "tight", limits=tight, retry_failed=True
    )
    assert report.failed[0][1] in ("sandbox", "limits", "parse"), report.failed
    assert "memory" in report.failed[0][2] or "killed" in report.failed[0][2], report.failed


def test_an_archive_with_two_members_of_one_name(
    workspace: Workspace, tmp_path: Path, docs: Any
) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate name
        with zipfile.ZipFile(tmp_path / "dup.zip", "w") as archive:
            archive.writestr("same.txt", "first body")
            archive.writestr("same.txt", "second body")
    report = workspace.ingest_documents(tmp_path / "dup.zip", "dup", limits=docs.limits)
    assert report.failed == [] and report.processed == 3


def test_files_after_a_killed_worker_are_read_by_a_fresh_one(
    workspace: Workspace, tmp_path: Path, docs: Any
) -> None:
    """Workers read many files each: one killed by a file must not take the
    files queued after it down with it, nor leave them to a broken worker."""
    folder = tmp_path / "mixed"
    folder.mkdir()
    for n in range(3):
        (folder / f"a{n}.txt").write_text(f"before the scan, note {n}")
    docs.scanned_pdf(folder / "b-scan.pdf", [["RENDERED TOO LARGE"]])
    for n in range(3):
        (folder / f"c{n}.txt").write_text(f"after the scan, note {n}")
    tight = dataclasses.replace(
        docs.limits, worker_memory=256 << 20, ocr_dpi=6000, max_pixels=10**10
    )
    report = workspace.ingest_documents(folder, "mixed", limits=tight, workers=1)
    assert [source for source, *_ in report.failed] == ["mixed/b-scan.pdf"], report.failed
    texts = {
        e.proxy.get("fileName")[0]: e.proxy.get("bodyText")
        for e in workspace.entities("mixed")
        if e.schema.name == "PlainText"
    }
    assert sorted(texts) == [f"{p}{n}.txt" for p in "ac" for n in range(3)]
    assert texts["c2.txt"] == ["after the scan, note 2"]


def test_a_file_queued_behind_one_that_times_out_is_still_read(
    workspace: Workspace, tmp_path: Path, docs: Any
) -> None:
    """A worker holds the next file while it reads one: when it is killed for
    the first one's time, the second was never started and goes to another
    worker, not into the failures."""
    folder = tmp_path / "queue"
    folder.mkdir()
    # forty pages of OCR at 300 dpi take far longer than 3 s (each takes
    # about half a second on a quiet machine); a fresh worker reads a line
    # of text well within them, even on a busy one
    docs.scanned_pdf(folder / "a-scan.pdf", [["SLOW TO READ"]] * 40)
    (folder / "b.txt").write_text("queued behind the slow scan")
    slow = dataclasses.replace(docs.limits, timeout_seconds=3.0, ocr_dpi=300)
    report = workspace.ingest_documents(folder, "queue", limits=slow, workers=1)
    failed = [(s, st) for s, st, _ in report.failed]
    assert failed == [("queue/a-scan.pdf", "sandbox")], report.failed
    texts = [
        e.proxy.get("bodyText") for e in workspace.entities("queue") if e.schema.name == "PlainText"
    ]
    assert texts == [["queued behind the slow scan"]]

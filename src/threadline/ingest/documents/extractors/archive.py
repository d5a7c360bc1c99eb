"""Archives: ZIP, TAR (plain, gz, bz2, xz) and 7z. Members are copied to the
blob store and parsed later as files of their own, one level deeper.

Checked before and while unpacking: the member count, the expanded size and
the compression ratio (declared sizes can lie, so bytes are also counted as
they stream), names that are absolute or climb out with ``..``, and links
(symbolic and hard), devices and FIFOs, which are recorded and skipped.
Nothing is ever extracted to a path taken from the archive."""

from __future__ import annotations

import posixpath
import shutil
import subprocess
import tarfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

from threadline.ingest.documents.base import (
    Context,
    Encrypted,
    ExtractionFailed,
    Extractor,
    LimitExceeded,
)


def unsafe_name(name: str) -> str | None:
    """Why a member's name is refused, or None when it is a plain relative path."""
    if "\x00" in name:
        return "a NUL byte in the member's name"
    normal = name.replace("\\", "/")
    if normal.startswith("/") or (len(normal) > 1 and normal[1] == ":"):
        return "an absolute path"
    if ".." in normal.split("/"):
        return "a path that climbs out of the archive (..)"
    return None


class _Budget:
    """Counts members and expanded bytes of one archive against the limits."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.limits = ctx.limits
        self.compressed = max(ctx.path.stat().st_size, 1)
        self.members = 0
        self.expanded = 0

    def declare(self, size: int) -> None:
        self.members += 1
        if self.members > self.limits.max_members:
            raise LimitExceeded(f"more than {self.limits.max_members:,} members")
        self.expanded += size
        self._check()

    def _check(self) -> None:
        if self.expanded > self.limits.max_expanded_bytes:
            raise LimitExceeded(
                f"expands to more than {self.limits.max_expanded_bytes:,} bytes (zip bomb?)"
            )
        # A small archive may compress well; a ratio matters once it is big.
        if self.expanded > 16 << 20 and self.expanded / self.compressed > self.limits.max_ratio:
            raise LimitExceeded(f"compression ratio over {self.limits.max_ratio:.0f}:1 (zip bomb?)")

    def stream(self, raw: IO[bytes]) -> _Counted:
        return _Counted(raw, self)


class _Counted:
    """A reader that charges every byte to the budget: a member that lies
    about its size is stopped when its real bytes pass the limit."""

    def __init__(self, raw: IO[bytes], budget: _Budget) -> None:
        self.raw = raw
        self.budget = budget
        self.declared = 0

    def read(self, size: int = -1) -> bytes:
        chunk = self.raw.read(size)
        self.budget.expanded += len(chunk)
        self.budget._check()
        return chunk


def _add(ctx: Context, budget: _Budget, raw: IO[bytes], inner: str) -> None:
    name = posixpath.basename(inner.rstrip("/")) or inner
    ctx.add_child(budget.stream(raw), name, inner, ctx.document.id)


class ZipExtractor(Extractor):
    schema = "Package"

    def extract(self, ctx: Context) -> None:
        budget = _Budget(ctx)
        try:
            archive = zipfile.ZipFile(ctx.path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise ExtractionFailed(f"not a readable ZIP ({exc})", "unpack") from exc
        with archive:
            infos = archive.infolist()
            if len(infos) > ctx.limits.max_members:
                raise LimitExceeded(f"{len(infos):,} members, over {ctx.limits.max_members:,}")
            for info in infos:
                if info.is_dir():
                    continue
                inner = info.filename
                reason = unsafe_name(inner)
                mode = info.external_attr >> 16
                if reason is None and (mode & 0o170000) == 0o120000:
                    reason = "a symbolic link"
                if reason is None and info.flag_bits & 0x1:
                    reason = "encrypted"
                if reason is not None:
                    ctx.failed_member(inner, reason)
                    continue
                # declared sizes first: a bomb is refused before a byte is inflated
                budget.declare(info.file_size)
                budget.expanded -= info.file_size
                try:
                    with archive.open(info) as raw:
                        _add(ctx, budget, raw, inner)
                except (zipfile.BadZipFile, OSError, EOFError) as exc:
                    ctx.failed_member(inner, f"unreadable ({exc})")


class TarExtractor(Extractor):
    schema = "Package"

    def extract(self, ctx: Context) -> None:
        budget = _Budget(ctx)
        try:
            archive = tarfile.open(ctx.path, mode="r:*")  # noqa: SIM115 - closed below
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise ExtractionFailed(f"not a readable TAR ({exc})", "unpack") from exc
        try:
            with archive:
                # stream member by member: a TAR has no index to trust
                for info in archive:
                    inner = info.name
                    reason = unsafe_name(inner)
                    if reason is None and info.issym():
                        reason = f"a symbolic link (to {info.linkname!r})"
                    elif reason is None and info.islnk():
                        reason = f"a hard link (to {info.linkname!r})"
                    elif reason is None and not (info.isfile() or info.isdir()):
                        reason = "a device, FIFO or other special file"
                    if reason is not None:
                        ctx.failed_member(inner, reason)
                        continue
                    if info.isdir():
                        continue
                    budget.declare(0)
                    raw = archive.extractfile(info)
                    if raw is not None:
                        _add(ctx, budget, raw, inner)
        except (tarfile.TarError, EOFError, OSError) as exc:
            raise ExtractionFailed(f"a damaged TAR ({exc})", "unpack") from exc


def _seven_zip() -> str:
    found = shutil.which("7z") or shutil.which("7za")
    if found is None:
        raise ExtractionFailed("7z is not installed (run `make doc-tools`)", "unpack")
    return found


@contextmanager
def _seven_zip_member(path: str, member: str) -> Iterator[IO[bytes]]:
    # -p with no password: an encrypted archive fails instead of prompting
    proc = subprocess.Popen(
        [_seven_zip(), "x", "-so", "-p", "-bd", "--", path, member],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    try:
        assert proc.stdout is not None
        yield proc.stdout
    finally:
        proc.kill()
        proc.wait()


class SevenZipExtractor(Extractor):
    schema = "Package"

    def extract(self, ctx: Context) -> None:
        listing = subprocess.run(
            [_seven_zip(), "l", "-slt", "-p", "-ba", "--", str(ctx.path)],
            capture_output=True,
            stdin=subprocess.DEVNULL,
            timeout=ctx.limits.timeout_seconds,
            check=False,
        )
        text = listing.stdout.decode("utf-8", "replace")
        if listing.returncode != 0:
            error = listing.stderr.decode("utf-8", "replace")
            if "password" in (text + error).lower() or "encrypted" in (text + error).lower():
                raise Encrypted("the 7z archive is encrypted")
            raise ExtractionFailed(f"not a readable 7z archive ({error.strip()[:200]})", "unpack")
        budget = _Budget(ctx)
        for block in text.split("\n\n"):
            fields = dict(line.split(" = ", 1) for line in block.splitlines() if " = " in line)
            inner = fields.get("Path")
            if not inner or fields.get("Folder") == "+":
                continue
            reason = unsafe_name(inner)
            attributes = fields.get("Attributes", "")
            if reason is None and (" l" in attributes.lower() or "-l" in attributes):
                reason = "a symbolic link"
            if reason is None and fields.get("Encrypted") == "+":
                reason = "encrypted"
            if reason is not None:
                ctx.failed_member(inner, reason)
                continue
            budget.declare(int(fields.get("Size") or 0))
            budget.expanded -= int(fields.get("Size") or 0)
            with _seven_zip_member(str(ctx.path), inner) as raw:
                _add(ctx, budget, raw, inner)

"""Signed checkpoints of the audit chain's head: an anchor outside the database.

The hash chain catches a changed, removed or reordered entry, unless someone
with full control of the database rewrites the whole chain from that point
on and moves the head to match. A checkpoint closes that gap: the head's
sequence number and hash, signed with an Ed25519 key kept in the workspace
(not in the database), written on a schedule by the server and on demand by
``threadline audit checkpoint``. Copied somewhere else (a ticket, a mail to
the editor), it lets ``audit verify --checkpoint FILE`` prove later that
the log still holds, unchanged, every entry it held then: truncation,
reordering, edits and deletions before the checkpoint all show.

A checkpoint proves nothing about entries after it; the next one covers
them. The key signs; whoever holds the workspace folder can sign too, which
is why the copies that matter are the ones kept elsewhere.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from threadline.access.audit import AuditLog, VerifyReport, canonical_json
from threadline.errors import InputError

FORMAT = "threadline-audit-checkpoint/1"
KEY_FILE = "audit-signing-key.pem"
FOLDER = "audit-checkpoints"


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    written_at: str
    public_key: str  # raw Ed25519 public key, hex
    signature: str = ""  # hex, over the canonical JSON of the fields above

    def signed_part(self) -> bytes:
        return canonical_json(
            {
                "format": FORMAT,
                "seq": self.seq,
                "hash": self.hash,
                "written_at": self.written_at,
                "public_key": self.public_key,
            }
        ).encode("utf-8")

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "seq": self.seq,
            "hash": self.hash,
            "written_at": self.written_at,
            "public_key": self.public_key,
            "signature": self.signature,
        }

    @classmethod
    def read(cls, path: Path) -> Checkpoint:
        try:
            data = json.loads(path.read_text("utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(f"{path}: not a readable checkpoint ({exc})") from exc
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise InputError(f"{path}: not a Threadline audit checkpoint (format {FORMAT!r})")
        try:
            return cls(
                seq=int(data["seq"]),
                hash=str(data["hash"]),
                written_at=str(data["written_at"]),
                public_key=str(data["public_key"]),
                signature=str(data["signature"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"{path}: checkpoint field missing or malformed ({exc})") from exc


class Checkpoints:
    """Writing and checking checkpoints for one workspace's audit log."""

    def __init__(self, log: AuditLog, home: Path) -> None:
        self.log = log
        self.home = home

    @property
    def folder(self) -> Path:
        return self.home / FOLDER

    def _key(self) -> Ed25519PrivateKey:
        """The workspace's signing key, made (owner-only) on first use."""
        path = self.home / KEY_FILE
        if path.exists():
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
            if not isinstance(key, Ed25519PrivateKey):
                raise InputError(f"{path} is not an Ed25519 key")
            return key
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
        return key

    def public_key(self) -> str:
        return _raw_public(self._key().public_key())

    def write(self) -> tuple[Checkpoint, Path]:
        """Sign the current head into ``audit-checkpoints/``; the file and
        the checkpoint. The chain is verified first: signing a broken chain
        would vouch for the break."""
        report = self.log.verify()
        report.raise_if_broken()
        key = self._key()
        unsigned = Checkpoint(
            seq=report.head_seq,
            hash=report.head_hash,
            written_at=self.log.clock().isoformat(timespec="seconds"),
            public_key=_raw_public(key.public_key()),
        )
        checkpoint = replace(unsigned, signature=key.sign(unsigned.signed_part()).hex())
        self.folder.mkdir(exist_ok=True)
        path = self.folder / f"{checkpoint.seq:012d}.json"
        # a temporary file of its own: the schedule and a shutdown (or the
        # command line) may sign the same head at the same moment
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=path.stem, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(checkpoint.to_dict(), indent=2) + "\n")
        os.replace(tmp, path)
        return checkpoint, path

    def latest_seq(self) -> int:
        """The head sequence number the newest checkpoint covers (0: none)."""
        if not self.folder.is_dir():
            return 0
        seqs = [int(p.stem) for p in self.folder.glob("*.json") if p.stem.isdigit()]
        return max(seqs, default=0)

    def verify(self, checkpoint: Checkpoint, trust_own_key: bool = True) -> VerifyReport:
        """The chain verified and checked against ``checkpoint``.

        Raises ``InputError`` for a checkpoint whose signature does not hold
        (or, with ``trust_own_key``, that another key signed); returns a
        report whose ``first_bad_seq`` names what no longer matches."""
        _check_signature(checkpoint)
        if trust_own_key:
            if not (self.home / KEY_FILE).exists():
                raise InputError(
                    f"this workspace has no audit signing key ({KEY_FILE}): the checkpoint "
                    "was signed with another key than this workspace's"
                )
            if checkpoint.public_key != self.public_key():
                raise InputError(
                    "the checkpoint was signed with another key than this workspace's",
                    hint="check it against the workspace it was written for",
                )
        report = self.log.verify()
        if not report.ok:
            return report
        return _against(report, checkpoint, self.log)


def _against(report: VerifyReport, checkpoint: Checkpoint, log: AuditLog) -> VerifyReport:
    def broken(seq: int, reason: str) -> VerifyReport:
        return VerifyReport(False, report.entries, report.head_seq, report.head_hash, seq, reason)

    if report.head_seq < checkpoint.seq:
        return broken(
            report.head_seq + 1,
            f"the log ends at entry {report.head_seq}, but the checkpoint of "
            f"{checkpoint.written_at} saw entry {checkpoint.seq} (entries deleted, "
            "the chain rewritten)",
        )
    entry = log.entry(checkpoint.seq)
    if entry is None or entry.hash != checkpoint.hash:
        return broken(
            checkpoint.seq,
            f"entry {checkpoint.seq} is not the one the checkpoint of "
            f"{checkpoint.written_at} signed (the chain up to it was rewritten, "
            "reordered or had entries removed)",
        )
    return report


def _check_signature(checkpoint: Checkpoint) -> None:
    try:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(checkpoint.public_key))
        key.verify(bytes.fromhex(checkpoint.signature), checkpoint.signed_part())
    except (ValueError, InvalidSignature) as exc:
        raise InputError(
            "the checkpoint's signature does not hold: the file was changed after it "
            "was signed, or it is not a checkpoint"
        ) from exc


def _raw_public(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return raw.hex()

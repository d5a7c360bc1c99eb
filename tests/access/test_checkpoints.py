"""Signed checkpoints of the audit chain's head catch what the chain alone
cannot: someone with full control of the database who rewrites the chain
consistently (every hash recomputed, the head moved to match). Each
tampering below passes a plain ``verify`` and is caught by the checkpoint."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.helpers.access import raw_sql
from threadline.access import AccessControl, AccessSettings, Action, Principal
from threadline.access.audit import AuditEntry
from threadline.access.checkpoints import Checkpoint, Checkpoints
from threadline.access.tables import GENESIS_HASH
from threadline.errors import InputError


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "ws"


@pytest.fixture
def signed(db_url: str, settings: AccessSettings, home: Path) -> Iterator[AccessControl]:
    home.mkdir()
    with AccessControl(db_url, settings, home=home) as access:
        for number in range(8):
            access.audit.log.append("someone", Action.SEARCH, purpose="test", target=f"q{number}")
        yield access


def checkpoints(access: AccessControl) -> Checkpoints:
    assert access.checkpoints is not None
    return access.checkpoints


def rechain(access: AccessControl, change: Callable[[list[AuditEntry]], list[AuditEntry]]) -> None:
    """Rewrite the whole log as ``change`` says, every entry renumbered,
    re-linked and re-hashed, the head moved to match: a forgery the hash chain
    itself cannot see."""
    entries = change(sorted(access.audit.log.entries(1000), key=lambda e: e.seq))
    if access.db.is_sqlite:  # PostgreSQL's guards are off inside raw_sql already
        raw_sql(access, "DROP TRIGGER IF EXISTS audit_log_in_order")
    raw_sql(access, "DELETE FROM audit_log")
    prev = GENESIS_HASH
    for seq, entry in enumerate(entries, start=1):
        linked = AuditEntry(**{**entry.to_dict(), "seq": seq, "prev_hash": prev, "hash": ""})
        linked = AuditEntry(**{**linked.to_dict(), "hash": linked.compute_hash()})
        row = {**linked.to_dict(), "details": json.dumps(linked.details)}
        raw_sql(
            access,
            "INSERT INTO audit_log (seq, ts, actor, action, case_id, purpose, target, details, "
            "prev_hash, hash) VALUES (:seq, :ts, :actor, :action, :case_id, :purpose, "
            ":target, :details, :prev_hash, :hash)",
            **row,
        )
        prev = linked.hash
    raw_sql(access, "UPDATE audit_head SET seq = :seq, hash = :hash", seq=len(entries), hash=prev)


def edited(entries: list[AuditEntry]) -> list[AuditEntry]:
    entries[1] = AuditEntry(**{**entries[1].to_dict(), "target": "something innocent"})
    return entries


def reordered(entries: list[AuditEntry]) -> list[AuditEntry]:
    entries[2], entries[3] = entries[3], entries[2]
    return entries


def deleted(entries: list[AuditEntry]) -> list[AuditEntry]:
    return entries[:2] + entries[3:]


def truncated(entries: list[AuditEntry]) -> list[AuditEntry]:
    return entries[:-3]


@pytest.mark.parametrize(
    ("tamper", "first_bad"),
    [(edited, 8), (reordered, 8), (deleted, 8), (truncated, 6)],
    ids=["edit", "reorder", "delete", "truncate"],
)
def test_a_consistent_rewrite_passes_the_chain_but_not_the_checkpoint(
    signed: AccessControl,
    operator: Principal,
    tamper: Callable[[list[AuditEntry]], list[AuditEntry]],
    first_bad: int,
) -> None:
    checkpoint, path = checkpoints(signed).write()
    assert checkpoint.seq == 8 and path.exists()
    rechain(signed, tamper)
    assert signed.audit.verify(operator).ok  # the chain alone is fooled
    report = checkpoints(signed).verify(Checkpoint.read(path))
    assert not report.ok
    assert report.first_bad_seq == first_bad
    assert report.reason is not None and checkpoint.written_at in report.reason


def test_entries_after_the_checkpoint_keep_it_valid(signed: AccessControl) -> None:
    _, path = checkpoints(signed).write()
    signed.audit.log.append("someone", Action.SEARCH, purpose="test", target="later")
    report = checkpoints(signed).verify(Checkpoint.read(path))
    assert report.ok and report.head_seq == 9
    assert checkpoints(signed).latest_seq() == 8


def test_an_edited_checkpoint_is_refused(signed: AccessControl) -> None:
    _, path = checkpoints(signed).write()
    data = json.loads(path.read_text())
    data["seq"] = 3  # an attacker who truncated to 3 entries would like this
    path.write_text(json.dumps(data))
    with pytest.raises(InputError, match="signature does not hold"):
        checkpoints(signed).verify(Checkpoint.read(path))


def test_a_checkpoint_from_another_key_is_refused(
    signed: AccessControl, db_url: str, settings: AccessSettings, tmp_path: Path
) -> None:
    other_home = tmp_path / "other"
    other_home.mkdir()
    other = Checkpoints(signed.audit.log, other_home)  # same log, another key
    _, path = other.write()
    with pytest.raises(InputError, match="another key"):
        checkpoints(signed).verify(Checkpoint.read(path))


def test_the_signing_key_is_owner_only(signed: AccessControl, home: Path) -> None:
    checkpoints(signed).write()
    assert (home / "audit-signing-key.pem").stat().st_mode & 0o777 == 0o600


def test_a_broken_chain_is_never_signed(signed: AccessControl) -> None:
    raw_sql(signed, "UPDATE audit_log SET target = 'x' WHERE seq = 2")
    with pytest.raises(Exception, match="audit log broken at entry 2"):
        checkpoints(signed).write()

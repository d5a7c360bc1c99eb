"""The audit log: hash chain, append-only triggers, tamper detection,
concurrent appends, and the rule that a search needs a case or a purpose."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.helpers.access import PASSWORD, People, raw_sql
from threadline.access import AccessControl, AccessSettings, Action, Principal, Role
from threadline.access.audit import AuditEntry
from threadline.access.tables import GENESIS_HASH
from threadline.errors import (
    AuditChainBroken,
    CaseNotFound,
    InputError,
    PermissionDenied,
    PurposeRequired,
)

AddUser = Callable[[str, Role], Principal]


def fill(access: AccessControl, count: int = 6) -> None:
    for i in range(count):
        access.audit.log.append("someone", Action.SEARCH, purpose="test", target=f"query {i}")


def test_chain_links_and_verifies(
    access: AccessControl, people: People, operator: Principal
) -> None:
    entry = access.audit.search(
        people.member, "Иван Петров", case_id=people.case_id, filters={"schema": "Person"}
    )
    assert (entry.actor, entry.action, entry.case_id, entry.target) == (
        "mark",
        "search",
        people.case_id,
        "Иван Петров",
    )
    assert entry.details == {"filters": {"schema": "Person"}}
    assert entry.ts.endswith("+00:00") and entry.hash == entry.compute_hash()
    entries = access.audit.entries(operator, limit=1000)
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    assert entries[0].prev_hash == GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))
    report = access.audit.verify(operator)
    assert report.ok and report.first_bad_seq is None
    assert report.entries == report.head_seq == len(entries)
    report.raise_if_broken()


def test_every_change_is_audited(
    access: AccessControl, people: People, operator: Principal
) -> None:
    actions = [(e.actor, e.action) for e in access.audit.entries(operator, limit=100)]
    assert actions[:6] == [("local:tester", "user.create")] * 6
    assert actions[6:9] == [
        ("olga", "case.create"),
        ("olga", "case.member_add"),
        ("olga", "case.member_add"),
    ]
    assert actions[-1] == ("local:tester", "audit.read")  # reading the log is recorded


@pytest.mark.parametrize(
    "sql",
    ["UPDATE audit_log SET actor = 'nobody' WHERE seq = 1", "DELETE FROM audit_log WHERE seq = 1"],
)
def test_database_refuses_to_change_the_log(access: AccessControl, sql: str) -> None:
    fill(access)
    with pytest.raises(DBAPIError, match="append-only"), access.db.write() as conn:
        conn.execute(text(sql))


def test_database_refuses_out_of_order_entries_and_head_moves(access: AccessControl) -> None:
    fill(access, 2)
    with pytest.raises(DBAPIError, match="appended in order"), access.db.write() as conn:
        conn.execute(
            text(
                "INSERT INTO audit_log (seq, ts, actor, action, details, prev_hash, hash) "
                "VALUES (7, 'x', 'x', 'x', '{}', 'x', 'x')"
            )
        )
    with pytest.raises(DBAPIError, match="audit_head"), access.db.write() as conn:
        conn.execute(text("UPDATE audit_head SET seq = 1"))


def test_truncate_is_refused_in_postgresql(access: AccessControl) -> None:
    if access.db.is_sqlite:
        pytest.skip("SQLite has no TRUNCATE")
    with pytest.raises(DBAPIError, match="TRUNCATE is not allowed"), access.db.write() as conn:
        conn.execute(text("TRUNCATE audit_log"))


def broken_at(access: AccessControl, operator: Principal) -> tuple[int | None, str | None]:
    report = access.audit.verify(operator)
    assert not report.ok
    return report.first_bad_seq, report.reason


def test_tampered_value_is_detected(access: AccessControl, operator: Principal) -> None:
    fill(access)
    raw_sql(access, "UPDATE audit_log SET target = 'something innocent' WHERE seq = 4")
    assert broken_at(access, operator) == (
        4,
        "its contents do not match its hash (changed after it was written)",
    )
    with pytest.raises(AuditChainBroken) as exc:
        access.audit.verify(operator).raise_if_broken()
    assert exc.value.seq == 4
    assert str(exc.value).startswith("audit log broken at entry 4: its contents")


def test_rehashed_forgery_is_caught_by_the_next_link(
    access: AccessControl, operator: Principal
) -> None:
    fill(access)
    forged = next(e for e in access.audit.log.entries(100) if e.seq == 3)
    forged = AuditEntry(**{**forged.to_dict(), "target": "forged", "hash": ""})
    raw_sql(
        access,
        "UPDATE audit_log SET target = 'forged', hash = :hash WHERE seq = 3",
        hash=forged.compute_hash(),
    )
    seq, reason = broken_at(access, operator)
    assert seq == 4 and reason is not None and "prev_hash does not match entry 3" in reason


def test_deleted_rows_are_detected(access: AccessControl, operator: Principal) -> None:
    fill(access)
    raw_sql(access, "DELETE FROM audit_log WHERE seq IN (3, 4)")
    assert broken_at(access, operator) == (
        3,
        "entry 3 to 4 missing (deleted): the log jumps to entry 5",
    )


def test_deleted_tail_is_detected(access: AccessControl, operator: Principal) -> None:
    fill(access)
    raw_sql(access, "DELETE FROM audit_log WHERE seq = 6")
    assert broken_at(access, operator) == (6, "entry 6 missing from the end (deleted)")


def _forge_after(access: AccessControl, last: AuditEntry, target: str) -> AuditEntry:
    """The entry that would follow ``last``, correctly chained and hashed."""
    forged = AuditEntry(
        seq=last.seq + 1,
        ts=last.ts,
        actor="intruder",
        action=last.action,
        case_id=None,
        purpose="test",
        target=target,
        prev_hash=last.hash,
    )
    return AuditEntry(**{**forged.to_dict(), "hash": forged.compute_hash()})


def test_an_entry_written_around_threadline_is_detected(
    access: AccessControl, operator: Principal
) -> None:
    """A well-chained entry added with SQL: every link checks out, only the
    chain head (which Threadline alone moves) shows the log grew behind it."""
    fill(access)
    last = max(access.audit.log.entries(100), key=lambda e: e.seq)
    forged = _forge_after(access, last, "planted")
    raw_sql(
        access,
        "INSERT INTO audit_log (seq, ts, actor, action, case_id, purpose, target, details, "
        "prev_hash, hash) VALUES (:seq, :ts, :actor, :action, :case_id, :purpose, :target, "
        "'{}', :prev_hash, :hash)",
        **{k: v for k, v in forged.to_dict().items() if k != "details"},
    )
    assert broken_at(access, operator) == (
        forged.seq,
        "written around Threadline: the chain head is behind it",
    )


def test_a_rewritten_last_entry_is_detected(access: AccessControl, operator: Principal) -> None:
    """The last entry replaced by a well-chained forgery: no later link can
    catch it, only the hash the chain head keeps."""
    fill(access)
    entries = sorted(access.audit.log.entries(100), key=lambda e: e.seq)
    before_last, last = entries[-2], entries[-1]
    forged = _forge_after(access, before_last, "rewritten")
    raw_sql(
        access,
        "UPDATE audit_log SET actor = :actor, target = :target, purpose = :purpose, "
        "case_id = NULL, details = '{}', hash = :hash WHERE seq = :seq",
        actor=forged.actor,
        target=forged.target,
        purpose=forged.purpose,
        hash=forged.hash,
        seq=last.seq,
    )
    assert broken_at(access, operator) == (
        last.seq,
        "the chain head holds another hash for it (rewritten)",
    )


def test_reordered_rows_are_detected(access: AccessControl, operator: Principal) -> None:
    fill(access)
    # swap the contents of entries 2 and 3, keeping their places
    raw_sql(
        access,
        "UPDATE audit_log SET seq = CASE seq WHEN 2 THEN -3 ELSE -2 END WHERE seq IN (2, 3)",
    )
    raw_sql(access, "UPDATE audit_log SET seq = -seq WHERE seq < 0")
    seq, reason = broken_at(access, operator)
    assert seq == 2 and reason is not None and "do not match its hash" in reason


def test_concurrent_appends_keep_one_chain(
    access: AccessControl, add_user: AddUser, db_url: str, settings: AccessSettings
) -> None:
    """Each thread opens its own AccessControl (its own engine and connections,
    as separate processes would), so only the database's lock keeps order."""
    for i in range(6):
        add_user(f"analyst{i}", Role.ANALYST)
    before = access.audit.log.count()
    errors: list[BaseException] = []
    start = threading.Barrier(6, timeout=60)

    def work(name: str) -> None:
        try:
            with AccessControl(db_url, settings) as own:
                who = own.login(name, PASSWORD).principal
                start.wait()
                for i in range(15):
                    own.audit.search(who, f"query {i}", purpose="load test")
        except BaseException as exc:  # noqa: BLE001 (reported by the main thread)
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(f"analyst{i}",)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert access.audit.log.count() == before + 6 * 16  # a login and 15 searches each
    report = access.audit.log.verify()
    assert report.ok and report.head_seq == before + 6 * 16


def test_search_needs_a_case_or_a_purpose(access: AccessControl, people: People) -> None:
    for purpose in (None, "", "   "):
        with pytest.raises(PurposeRequired) as exc:
            access.audit.search(people.member, "Petrov", purpose=purpose)
    assert str(exc.value) == (
        "a search needs a case or a stated purpose: name a case you are a member of, or say "
        "why you are looking (for example 'due diligence on supplier X')"
    )
    with pytest.raises(PurposeRequired):
        access.audit.require_purpose(people.member, None, None)
    access.audit.require_purpose(people.member, people.case_id, None)
    entry = access.audit.search(people.outsider, "Petrov", purpose="  sanctions screening ")
    assert (entry.case_id, entry.purpose) == (None, "sanctions screening")
    # a case the user is not in does not count, even with a purpose
    with pytest.raises(PermissionDenied, match=r"nina .* is not a member"):
        access.audit.search(people.outsider, "Petrov", case_id=people.case_id, purpose="x")
    with pytest.raises(CaseNotFound):
        access.audit.search(people.member, "Petrov", case_id="nope")
    with pytest.raises(InputError, match="purpose too long"):
        access.audit.search(people.member, "Petrov", purpose="x" * 1001)


def test_data_actions_follow_the_roles(access: AccessControl, people: People) -> None:
    why = "supplier checks"
    with pytest.raises(PermissionDenied, match=r"ada \(admin\) may not search"):
        access.audit.search(people.admin, "Petrov", purpose=why)
    access.audit.view(people.viewer, "company-0", purpose=why)
    records: list[Callable[[], object]] = [
        lambda: access.audit.export(people.viewer, "entities", purpose=why),
        lambda: access.audit.merge(people.viewer, ["a", "b"], purpose=why),
        lambda: access.audit.judgement(people.viewer, "a", "b", "same", purpose=why),
    ]
    for record in records:
        with pytest.raises(PermissionDenied, match=r"vera \(viewer\) may not"):
            record()
    entry = access.audit.judgement(people.member, "a", "b", "same", purpose=why)
    assert (entry.action, entry.target, entry.details) == (
        "judgement",
        "a,b",
        {"judgement": "same"},
    )


def test_only_admins_read_the_log(access: AccessControl, people: People) -> None:
    with pytest.raises(PermissionDenied, match="may not read and verify the audit log"):
        access.audit.entries(people.owner)
    with pytest.raises(PermissionDenied):
        access.audit.verify(people.member)
    assert access.audit.entries(people.admin, limit=2)[-1].action == "audit.read"


def test_filters_and_limit(access: AccessControl, people: People, operator: Principal) -> None:
    fill(access, 5)
    entries = access.audit.entries(operator, limit=3, action="search")
    assert [e.target for e in entries] == ["query 2", "query 3", "query 4"]
    in_case = access.audit.entries(operator, case_id=people.case_id)
    assert {e.action for e in in_case} == {"case.create", "case.member_add"}
    assert {e.actor for e in access.audit.entries(operator, user="olga")} == {"olga"}

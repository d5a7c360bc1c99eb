"""The judgements the app database keeps: who, when, why, checked like the
audit trail, append-only, an older database upgraded to have them, and which
of them a workspace lacks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from access_helpers import Clock, People
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from threadline.access import AccessControl, AccessSettings, Principal
from threadline.access import tables as t
from threadline.access.judgements import missing_from
from threadline.errors import (
    AuthenticationFailed,
    JudgementError,
    PermissionDenied,
    PurposeRequired,
)
from threadline.resolve.judgements import Judgement, JudgementRecord

T0 = datetime(2025, 3, 1, 9, 0)  # the test clock's start, naive UTC


def proposed(left: str = "b-id", right: str = "a-id", judgement: str = "same") -> JudgementRecord:
    """A record as the workspace prepares it: its user and time are replaced."""
    return JudgementRecord(left, right, Judgement.parse(judgement), None, datetime(2000, 1, 1))


def test_record_keeps_who_when_and_why(access: AccessControl, people: People, clock: Clock) -> None:
    first = access.judgements.record(people.member, proposed(), case_id=people.case_id)
    assert first.record == JudgementRecord("a-id", "b-id", Judgement.POSITIVE, "mark", T0)
    assert (first.case_id, first.purpose) == (people.case_id, None)
    clock.advance(minutes=1, microseconds=7)
    second = access.judgements.record(
        people.owner, proposed("c-id", "a-id", "not-same"), purpose="  due diligence  "
    )
    assert second.record == JudgementRecord(
        "a-id", "c-id", Judgement.NEGATIVE, "olga", T0 + timedelta(minutes=1, microseconds=7)
    )
    assert (second.case_id, second.purpose) == (None, "due diligence")
    assert second.seq > first.seq

    assert access.judgements.since() == [first, second]
    assert access.judgements.since(first.seq) == [second]
    assert access.judgements.since(limit=1) == [first]
    assert access.judgements.all() == [first.record, second.record]
    assert access.judgements.count() == 2
    assert second.to_dict()["purpose"] == "due diligence"
    # the database holds the instant in UTC and the account behind the name
    with access.db.read() as conn:
        row = conn.execute(select(t.judgements).where(t.judgements.c.seq == first.seq)).one()
    assert row.created_at == T0.replace(tzinfo=UTC)
    assert row.user_id == people.member.user_id


def test_record_is_checked_like_the_audit_trail(
    access: AccessControl, people: People, operator: Principal
) -> None:
    case = {"case_id": people.case_id}
    with pytest.raises(PermissionDenied):
        access.judgements.record(people.viewer, proposed(), **case)  # viewers judge nothing
    with pytest.raises(PermissionDenied):
        access.judgements.record(people.admin, proposed(), purpose="admin")
    with pytest.raises(PermissionDenied):
        access.judgements.record(people.outsider, proposed(), **case)  # not a member
    with pytest.raises(PurposeRequired):
        access.judgements.record(people.member, proposed())
    with pytest.raises(JudgementError, match="two different ids"):
        access.judgements.record(people.member, proposed("a-id", "a-id"), **case)
    access.accounts.disable(operator, "mark")
    with pytest.raises(AuthenticationFailed):
        access.judgements.record(people.member, proposed(), **case)
    assert access.judgements.count() == 0


@pytest.mark.parametrize(
    "sql",
    ["UPDATE judgements SET judgement = 'negative'", "DELETE FROM judgements"],
)
def test_database_refuses_to_change_judgements(
    access: AccessControl, people: People, sql: str
) -> None:
    access.judgements.record(people.member, proposed(), case_id=people.case_id)
    with pytest.raises(DBAPIError, match="append-only"), access.db.write() as conn:
        conn.execute(text(sql))
    assert access.judgements.count() == 1


def test_truncating_judgements_is_refused_in_postgresql(access: AccessControl) -> None:
    if access.db.is_sqlite:
        pytest.skip("SQLite has no TRUNCATE")
    with pytest.raises(DBAPIError, match="TRUNCATE is not allowed"), access.db.write() as conn:
        conn.execute(text("TRUNCATE judgements"))


def test_a_version_1_database_is_upgraded(
    access: AccessControl, people: People, db_url: str, settings: AccessSettings
) -> None:
    # as version 1 left it: no judgements table
    with access.db.write() as conn:
        conn.execute(text("DROP TABLE judgements"))
        conn.execute(text("UPDATE app_meta SET value = '1' WHERE key = 'schema_version'"))
    access.close()
    with AccessControl(db_url, settings) as upgraded:
        with upgraded.db.read() as conn:
            version = conn.execute(text("SELECT value FROM app_meta")).scalar()
        assert version == str(t.SCHEMA_VERSION) == "2"
        upgraded.judgements.record(people.member, proposed(), case_id=people.case_id)
        assert upgraded.judgements.count() == 1
        with pytest.raises(DBAPIError, match="append-only"), upgraded.db.write() as conn:
            conn.execute(text("DELETE FROM judgements"))
        assert upgraded.audit.log.verify().ok  # the rest is as it was
    with AccessControl(db_url, settings) as reopened:  # and is not upgraded twice
        assert reopened.judgements.count() == 1


# -- which judgements a workspace lacks ---------------------------------------------


def rec(
    pair: str, judgement: str, minute: int, user: str | None = "mark", aware: bool = False
) -> JudgementRecord:
    left, right = pair.split("~")
    when = T0 + timedelta(minutes=minute)
    return JudgementRecord(
        left, right, Judgement.parse(judgement), user, when.replace(tzinfo=UTC) if aware else when
    )


def test_missing_from_finds_what_the_workspace_lacks_oldest_first() -> None:
    workspace = [rec("a~b", "same", 1), rec("c~d", "unsure", 2)]
    kept = [
        rec("e~f", "same", 5),
        rec("b~a", "same", 1, aware=True),  # the same judgement, in another spelling
        rec("e~g", "not-same", 3),
        rec("c~d", "unsure", 2, user="olga"),  # another user's: lacking
    ]
    assert missing_from(workspace, kept) == [kept[3], kept[2], kept[0]]
    assert missing_from(workspace + kept, kept) == []
    assert missing_from([], []) == []


def test_missing_from_leaves_out_what_a_newer_workspace_judgement_overrules() -> None:
    # decided at the command line after the kept judgements were made
    workspace = [rec("a~b", "not-same", 10, user="cli")]
    kept = [rec("a~b", "same", 5), rec("a~b", "unsure", 12), rec("a~b", "same", 10)]
    # the one at the same time is not older: replayed, it wins (added last)
    assert missing_from(workspace, kept) == [kept[2], kept[1]]

"""Opening an app database of an older schema version upgrades it in place:
what the newer version adds is made, what it retired is left as it was
(append-only rows are never dropped), and the audit chain still verifies."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from threadline.access import AccessControl, AccessSettings, Action
from threadline.access import tables as t

# version 2's judgements table, as it was made (trimmed to what the test needs)
_V2_JUDGEMENTS = (
    "CREATE TABLE judgements (seq INTEGER PRIMARY KEY, left_id TEXT NOT NULL, "
    "right_id TEXT NOT NULL, judgement VARCHAR(16) NOT NULL)"
)


def tables(access: AccessControl) -> set[str]:
    with access.db.read() as conn:
        return set(inspect(conn).get_table_names())


def version(access: AccessControl) -> str | None:
    with access.db.read() as conn:
        value = conn.execute(
            text("SELECT value FROM app_meta WHERE key = 'schema_version'")
        ).scalar()
    return None if value is None else str(value)


def test_a_new_database_has_no_second_home_for_judgements(access: AccessControl) -> None:
    assert version(access) == str(t.SCHEMA_VERSION) == "5"
    assert "judgements" not in tables(access)


@pytest.mark.parametrize("old", ["1", "2", "3", "4"])
def test_an_older_database_is_upgraded_and_keeps_what_it_had(
    access: AccessControl, db_url: str, settings: AccessSettings, old: str
) -> None:
    access.audit.log.append("someone", Action.SEARCH, purpose="before", target="query")
    with access.db.write() as conn:
        if old == "2":
            conn.execute(text(_V2_JUDGEMENTS))
            conn.execute(text("INSERT INTO judgements VALUES (1, 'a', 'b', 'positive')"))
        # versions before 4 were made without case_policies, all before 5
        # without the jobs and their log
        conn.execute(text("DROP TABLE job_log"))
        conn.execute(text("DROP TABLE jobs"))
        if old != "4":
            conn.execute(text("DROP TABLE case_policies"))
        upgrade_from = text("UPDATE app_meta SET value = :v WHERE key = 'schema_version'")
        conn.execute(upgrade_from, {"v": old})
    access.close()

    with AccessControl(db_url, settings) as upgraded:
        assert version(upgraded) == "5"
        assert "case_policies" in tables(upgraded)  # version 4 added it
        assert {"jobs", "job_log"} <= tables(upgraded)  # version 5 added them
        assert upgraded.audit.log.verify().ok
        assert upgraded.audit.log.count() == 1
        if old == "2":  # retired, not dropped
            with upgraded.db.read() as conn:
                rows = conn.execute(text("SELECT left_id, right_id FROM judgements")).all()
            assert [tuple(r) for r in rows] == [("a", "b")]
        else:
            assert "judgements" not in tables(upgraded)
    with AccessControl(db_url, settings) as reopened:  # and is not upgraded twice
        assert version(reopened) == "5"
        assert reopened.audit.log.verify().ok

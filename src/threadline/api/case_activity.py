"""A case's activity: the audit entries that name the case, for its members.

The access layer lets only admins read the audit log, and admins must not
read cases; members, though, should see what was done in their case (who
searched what, for which purpose). This reads the same log, limited to the
case, with the case's own read rule.
"""

from __future__ import annotations

from sqlalchemy import select

from threadline.access import AccessControl, AuditEntry, Permission, Principal
from threadline.access import tables as t
from threadline.access.cases import relation_of
from threadline.access.policy import require
from threadline.access.users import current
from threadline.errors import CaseNotFound


def case_activity(
    access: AccessControl, principal: Principal, case_id: str, limit: int = 200
) -> list[AuditEntry]:
    """The newest ``limit`` entries of the case, oldest first."""
    with access.db.read() as conn:
        principal = current(conn, principal)
        if conn.scalar(select(t.cases.c.id).where(t.cases.c.id == case_id)) is None:
            raise CaseNotFound(f"no case with id {case_id!r}")
        relation = relation_of(conn, case_id, principal.user_id)
        require(principal, Permission.READ_CASE, relation, case_id)
    return access.audit.log.entries(limit, case_id=case_id)

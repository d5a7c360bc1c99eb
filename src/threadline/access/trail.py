"""The checked front door to the audit log: recording what users do with the
data, and reading the log back.

A look at the data (search, entity view, export) and a change to it (merge,
judgement) is allowed only for a role the policy lets do it, and only with a
reason on record: a case the user belongs to, or a stated purpose. The entry
is written before the caller goes on to do the work, so nothing is seen that
is not on record; if recording fails, the caller must not go on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, delete, select

from threadline.access import tables as t
from threadline.access.audit import Action, AuditEntry, AuditLog, VerifyReport
from threadline.access.cases import relation_of
from threadline.access.db import AppDatabase
from threadline.access.policy import Permission, Principal, require
from threadline.access.users import current
from threadline.errors import CaseNotFound, InputError, PurposeRequired

DATA_ACTIONS: dict[Action, Permission] = {
    Action.SEARCH: Permission.SEARCH,
    Action.VIEW: Permission.VIEW,
    Action.REVEAL: Permission.VIEW,
    Action.EXPORT: Permission.EXPORT,
    Action.MERGE: Permission.MERGE,
    Action.JUDGEMENT: Permission.JUDGE,
}
MAX_PURPOSE = 1000


#: the app_meta key of the command-line purpose policy
CLI_PURPOSE_KEY = "cli_purpose"
#: the purpose recorded for a command-line read where an admin allowed none
UNSTATED = "(not stated: an admin allowed this workspace's command line to skip it)"


class AuditTrail:
    def __init__(self, db: AppDatabase, log: AuditLog) -> None:
        self.db = db
        self.log = log

    def cli_purpose_optional(self) -> bool:
        """Whether command-line reads may go without a case or a purpose (a
        single-user workspace, by an admin's recorded choice)."""
        with self.db.read() as conn:
            value = conn.scalar(
                select(t.app_meta.c.value).where(t.app_meta.c.key == CLI_PURPOSE_KEY)
            )
        return value == "optional"

    def set_cli_purpose_optional(self, actor: Principal, optional: bool) -> AuditEntry:
        """Let command-line reads skip the purpose, or require it again; admins
        only, and the choice is itself recorded."""
        value = "optional" if optional else "required"
        with self.db.write() as conn:
            actor = current(conn, actor)
            require(actor, Permission.MANAGE_USERS)
            conn.execute(delete(t.app_meta).where(t.app_meta.c.key == CLI_PURPOSE_KEY))
            conn.execute(t.app_meta.insert().values(key=CLI_PURPOSE_KEY, value=value))
            return self.log.append(
                actor.name, Action.POLICY_CHANGE, target=CLI_PURPOSE_KEY,
                details={"value": value}, conn=conn,
            )  # fmt: skip

    def cli_purpose(self, case_id: str | None, purpose: str | None) -> str | None:
        """The purpose a command-line read is recorded with: as stated; or,
        with neither case nor purpose where an admin made it optional, a note
        that it was not stated (``record()`` refuses a read with neither)."""
        if case_id is None and not (purpose or "").strip() and self.cli_purpose_optional():
            return UNSTATED
        return purpose

    def require_purpose(
        self,
        principal: Principal,
        case_id: str | None,
        purpose: str | None,
        action: Action = Action.SEARCH,
    ) -> None:
        """Raise unless ``principal`` may do ``action`` here: a case they are a
        member of, or a non-empty stated purpose. ``record()`` checks the same
        against the database, before anything done is returned; so without a
        case this early check needs no read (it is on every search's path)."""
        if case_id is None:
            _check_purpose(principal, action, purpose)
            return
        with self.db.read() as conn:
            self._check(conn, principal, action, case_id, purpose)

    def _check(
        self,
        conn: Connection,
        principal: Principal,
        action: Action,
        case_id: str | None,
        purpose: str | None,
    ) -> tuple[Principal, str | None]:
        principal = current(conn, principal)
        if case_id is None:
            return principal, _check_purpose(principal, action, purpose)
        clean = _check_purpose(principal, action, purpose, case_given=True)
        if conn.scalar(select(t.cases.c.id).where(t.cases.c.id == case_id)) is None:
            raise CaseNotFound(f"no case with id {case_id!r}")
        relation = relation_of(conn, case_id, principal.user_id)
        require(principal, Permission.READ_CASE, relation, case_id)
        return principal, clean

    def record(
        self,
        principal: Principal,
        action: Action,
        *,
        case_id: str | None = None,
        purpose: str | None = None,
        target: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> AuditEntry:
        """Check and record one data action; call it before doing the work."""
        with self.db.write() as conn:
            principal, clean = self._check(conn, principal, action, case_id, purpose)
            return self.log.append(
                principal.name, action, case_id, clean, target, details, conn=conn
            )

    def search(
        self,
        principal: Principal,
        query: str,
        *,
        case_id: str | None = None,
        purpose: str | None = None,
        filters: Mapping[str, Any] | None = None,
    ) -> AuditEntry:
        details = {"filters": dict(filters)} if filters else None
        return self.record(
            principal,
            Action.SEARCH,
            case_id=case_id,
            purpose=purpose,
            target=query,
            details=details,
        )

    def view(
        self,
        principal: Principal,
        entity_id: str,
        *,
        case_id: str | None = None,
        purpose: str | None = None,
    ) -> AuditEntry:
        return self.record(
            principal, Action.VIEW, case_id=case_id, purpose=purpose, target=entity_id
        )

    def reveal(
        self,
        principal: Principal,
        entity_id: str,
        prop: str,
        reason: str,
        *,
        case_id: str | None = None,
        purpose: str | None = None,
    ) -> AuditEntry:
        """A masked value shown, recorded with the reader's reason (and the
        property, never the value) before it is returned."""
        why = reason.strip()
        if not why:
            raise InputError("revealing a masked value needs a reason")
        if len(why) > MAX_PURPOSE:
            raise InputError(f"reason too long: {len(why)} characters, at most {MAX_PURPOSE}")
        return self.record(
            principal,
            Action.REVEAL,
            case_id=case_id,
            purpose=purpose,
            target=entity_id,
            details={"property": prop, "reason": why},
        )

    def export(
        self,
        principal: Principal,
        what: str,
        *,
        case_id: str | None = None,
        purpose: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> AuditEntry:
        return self.record(
            principal,
            Action.EXPORT,
            case_id=case_id,
            purpose=purpose,
            target=what,
            details=details,
        )

    def merge(
        self,
        principal: Principal,
        entity_ids: Sequence[str],
        *,
        case_id: str | None = None,
        purpose: str | None = None,
    ) -> AuditEntry:
        return self.record(
            principal,
            Action.MERGE,
            case_id=case_id,
            purpose=purpose,
            target=",".join(entity_ids),
            details={"entity_ids": list(entity_ids)},
        )

    def judgement(
        self,
        principal: Principal,
        left_id: str,
        right_id: str,
        judgement: str,
        *,
        case_id: str | None = None,
        purpose: str | None = None,
    ) -> AuditEntry:
        return self.record(
            principal,
            Action.JUDGEMENT,
            case_id=case_id,
            purpose=purpose,
            target=f"{left_id},{right_id}",
            details={"judgement": judgement},
        )

    def entries(
        self,
        actor: Principal,
        limit: int = 50,
        *,
        user: str | None = None,
        case_id: str | None = None,
        action: str | None = None,
    ) -> list[AuditEntry]:
        """The newest entries, oldest first. Reading the log is recorded too."""
        with self.db.write() as conn:
            actor = current(conn, actor)
            require(actor, Permission.READ_AUDIT)
            filters = {"limit": limit, "user": user, "case_id": case_id, "action": action}
            details = {k: v for k, v in filters.items() if v is not None}
            self.log.append(actor.name, Action.AUDIT_READ, details=details, conn=conn)
        return self.log.entries(limit, actor=user, case_id=case_id, action=action)

    def verify(self, actor: Principal) -> VerifyReport:
        with self.db.read() as conn:
            require(current(conn, actor), Permission.READ_AUDIT)
        return self.log.verify()


def _check_purpose(
    principal: Principal, action: Action, purpose: str | None, *, case_given: bool = False
) -> str | None:
    """The checks that need no database: a data action the role may do, and a
    stated purpose of sensible length (required when no case is given).
    Returns the purpose, stripped, or None."""
    if action not in DATA_ACTIONS:
        raise ValueError(f"{action} is not a data action; use one of {list(DATA_ACTIONS)}")
    require(principal, DATA_ACTIONS[action])
    clean = (purpose or "").strip() or None
    if clean is not None and len(clean) > MAX_PURPOSE:
        raise InputError(f"purpose too long: {len(clean)} characters, at most {MAX_PURPOSE}")
    if clean is None and not case_given:
        raise PurposeRequired(
            f"a {action} needs a case or a stated purpose: name a case you are a member "
            "of, or say why you are looking (for example 'due diligence on supplier X')"
        )
    return clean

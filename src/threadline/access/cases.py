"""Cases: need-to-know compartments. A case has one owner and members; only
they read its notes and entity list, only analysts among them write, and only
the owner decides who else is in. Admins see that a case exists and who is in
it (to manage accounts), never what it holds. The rules are ``policy.RULES``;
this module finds the user's relation to the case and asks.

Every change is audited in the transaction that makes it. Reads of a case are
not: they are already limited to the people the owner chose.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, select, update

from threadline.access import tables as t
from threadline.access.audit import Action, AuditLog
from threadline.access.db import AppDatabase
from threadline.access.policy import Permission, Principal, Relation, Role, require
from threadline.access.settings import AccessSettings
from threadline.access.users import current, user_row
from threadline.errors import CaseNotFound, InputError

_added_by = t.users.alias("added_by")


@dataclass(frozen=True)
class Case:
    id: str
    name: str
    description: str
    owner: str
    created_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "created_at": self.created_at.isoformat()}


@dataclass(frozen=True)
class Member:
    name: str
    role: Role
    relation: Relation
    added_by: str
    added_at: datetime


@dataclass(frozen=True)
class Note:
    id: int
    author: str
    created_at: datetime
    body: str


@dataclass(frozen=True)
class CaseEntity:
    entity_id: str
    added_by: str
    added_at: datetime


def relation_of(conn: Connection, case_id: str, user_id: str | None) -> Relation | None:
    if user_id is None:
        return None
    relation = conn.scalar(
        select(t.case_members.c.relation).where(
            t.case_members.c.case_id == case_id, t.case_members.c.user_id == user_id
        )
    )
    return Relation(relation) if relation else None


def _case_query() -> Any:
    owner = t.case_members.alias("owner")
    return (
        select(t.cases, t.users.c.name.label("owner"))
        .join(owner, (owner.c.case_id == t.cases.c.id) & (owner.c.relation == "owner"))
        .join(t.users, t.users.c.id == owner.c.user_id)
        .order_by(t.cases.c.created_at, t.cases.c.id)
    )


def _case(row: Any) -> Case:
    return Case(row.id, row.name, row.description, row.owner, row.created_at)


def _text(value: str, what: str, limit: int) -> str:
    clean = value.strip()
    if not clean:
        raise InputError(f"{what} is empty")
    if len(clean) > limit:
        raise InputError(f"{what} is too long: {len(clean)} characters, at most {limit}")
    return clean


class Cases:
    def __init__(self, db: AppDatabase, audit: AuditLog, settings: AccessSettings) -> None:
        self.db = db
        self.audit = audit
        self.clock = settings.clock

    def _enter(
        self, conn: Connection, principal: Principal, case_id: str, permission: Permission
    ) -> Principal:
        """Check that the case exists and the principal may do this in it."""
        principal = current(conn, principal)
        if conn.scalar(select(t.cases.c.id).where(t.cases.c.id == case_id)) is None:
            raise CaseNotFound(f"no case with id {case_id!r}")
        require(principal, permission, relation_of(conn, case_id, principal.user_id), case_id)
        return principal

    def create(self, principal: Principal, name: str, description: str = "") -> Case:
        name = _text(name, "case name", 200)
        now = self.clock()
        with self.db.write() as conn:
            principal = current(conn, principal)
            require(principal, Permission.CREATE_CASE)
            case_id = uuid.uuid4().hex
            conn.execute(
                t.cases.insert().values(
                    id=case_id,
                    name=name,
                    description=description.strip(),
                    created_by=principal.user_id,
                    created_at=now,
                )
            )
            self._insert_member(conn, case_id, principal.user_id, Relation.OWNER, principal)
            self.audit.append(
                principal.name, Action.CASE_CREATE, case_id=case_id, target=name, conn=conn
            )
        return Case(case_id, name, description.strip(), principal.name, now)

    def _insert_member(
        self,
        conn: Connection,
        case_id: str,
        user_id: str | None,
        relation: Relation,
        by: Principal,
    ) -> None:
        conn.execute(
            t.case_members.insert().values(
                case_id=case_id,
                user_id=user_id,
                relation=str(relation),
                added_by=by.user_id,
                added_at=self.clock(),
            )
        )

    def list_cases(self, principal: Principal) -> list[Case]:
        """Cases the principal belongs to; for an admin, every case (metadata only)."""
        with self.db.read() as conn:
            principal = current(conn, principal)
            query = _case_query()
            if principal.role is Role.ADMIN:
                require(principal, Permission.LIST_CASES)
            else:
                mine = select(t.case_members.c.case_id).where(
                    t.case_members.c.user_id == principal.user_id
                )
                query = query.where(t.cases.c.id.in_(mine))
            return [_case(row) for row in conn.execute(query)]

    def get(self, principal: Principal, case_id: str) -> Case:
        with self.db.read() as conn:
            self._enter(conn, principal, case_id, Permission.LIST_CASES)
            return _case(conn.execute(_case_query().where(t.cases.c.id == case_id)).one())

    def members(self, principal: Principal, case_id: str) -> list[Member]:
        m = t.case_members
        query = (
            select(m, t.users.c.name, t.users.c.role, _added_by.c.name.label("by"))
            .join(t.users, t.users.c.id == m.c.user_id)
            .outerjoin(_added_by, _added_by.c.id == m.c.added_by)
            .where(m.c.case_id == case_id)
            .order_by(m.c.relation.desc(), t.users.c.name)  # the owner first
        )
        with self.db.read() as conn:
            self._enter(conn, principal, case_id, Permission.LIST_CASES)
            rows = conn.execute(query).all()
        return [
            Member(r.name, Role(r.role), Relation(r.relation), r.by or "", r.added_at) for r in rows
        ]

    def add_member(self, principal: Principal, case_id: str, user_name: str) -> None:
        with self.db.write() as conn:
            principal = self._enter(conn, principal, case_id, Permission.MANAGE_MEMBERS)
            user = user_row(conn, user_name)
            if relation_of(conn, case_id, user.id) is not None:
                raise InputError(f"{user.name} is already a member of case {case_id}")
            if user.role == Role.ADMIN:
                raise InputError(
                    f"{user.name} is an admin; admins manage accounts and cannot read cases"
                )
            self._insert_member(conn, case_id, user.id, Relation.MEMBER, principal)
            self.audit.append(
                principal.name,
                Action.CASE_MEMBER_ADD,
                case_id=case_id,
                target=user.name,
                conn=conn,
            )

    def remove_member(self, principal: Principal, case_id: str, user_name: str) -> None:
        with self.db.write() as conn:
            principal = self._enter(conn, principal, case_id, Permission.MANAGE_MEMBERS)
            user = user_row(conn, user_name)
            relation = relation_of(conn, case_id, user.id)
            if relation is None:
                raise InputError(f"{user.name} is not a member of case {case_id}")
            if relation is Relation.OWNER:
                raise InputError(
                    "the owner cannot leave their case; hand it over first (transfer_ownership)"
                )
            conn.execute(
                delete(t.case_members).where(
                    t.case_members.c.case_id == case_id, t.case_members.c.user_id == user.id
                )
            )
            self.audit.append(
                principal.name,
                Action.CASE_MEMBER_REMOVE,
                case_id=case_id,
                target=user.name,
                conn=conn,
            )

    def transfer_ownership(self, principal: Principal, case_id: str, user_name: str) -> None:
        """Hand the case to another member who is an analyst; the old owner stays a member."""
        with self.db.write() as conn:
            principal = self._enter(conn, principal, case_id, Permission.MANAGE_MEMBERS)
            user = user_row(conn, user_name)
            if relation_of(conn, case_id, user.id) is not Relation.MEMBER:
                raise InputError(f"{user.name} must be a member of case {case_id} first")
            if user.role != Role.ANALYST:
                raise InputError(f"{user.name} is a {user.role}; only an analyst can own a case")
            for user_id, relation in ((principal.user_id, "member"), (user.id, "owner")):
                conn.execute(
                    update(t.case_members)
                    .where(t.case_members.c.case_id == case_id, t.case_members.c.user_id == user_id)
                    .values(relation=relation)
                )
            self.audit.append(
                principal.name, Action.CASE_OWNER, case_id=case_id, target=user.name, conn=conn
            )

    def notes(self, principal: Principal, case_id: str) -> list[Note]:
        n = t.case_notes
        query = (
            select(n, t.users.c.name)
            .join(t.users, t.users.c.id == n.c.author_id)
            .where(n.c.case_id == case_id)
            .order_by(n.c.id)
        )
        with self.db.read() as conn:
            self._enter(conn, principal, case_id, Permission.READ_CASE)
            return [Note(r.id, r.name, r.created_at, r.body) for r in conn.execute(query)]

    def add_note(self, principal: Principal, case_id: str, body: str) -> Note:
        body = _text(body, "note", 100_000)
        now = self.clock()
        with self.db.write() as conn:
            principal = self._enter(conn, principal, case_id, Permission.WRITE_CASE)
            result = conn.execute(
                t.case_notes.insert().values(
                    case_id=case_id, author_id=principal.user_id, created_at=now, body=body
                )
            )
            key = result.inserted_primary_key
            assert key is not None
            note_id = int(key[0])
            # the note's text stays in the case: the audit log is read by admins
            self.audit.append(
                principal.name,
                Action.CASE_NOTE_ADD,
                case_id=case_id,
                target=str(note_id),
                conn=conn,
            )
        return Note(note_id, principal.name, now, body)

    def set_masking(self, principal: Principal, case_id: str, mask_sensitive: bool) -> None:
        """The owner's choice: mask personal details for everyone reading
        entities in this case (see ``threadline.access.masking``)."""
        p = t.case_policies
        now = self.clock()
        with self.db.write() as conn:
            principal = self._enter(conn, principal, case_id, Permission.MANAGE_MEMBERS)
            values = {"mask_sensitive": mask_sensitive, "set_by": principal.user_id, "set_at": now}
            done = conn.execute(update(p).where(p.c.case_id == case_id).values(**values))
            if done.rowcount == 0:
                conn.execute(p.insert().values(case_id=case_id, **values))
            self.audit.append(
                principal.name,
                Action.CASE_POLICY,
                case_id=case_id,
                details={"mask_sensitive": mask_sensitive},
                conn=conn,
            )

    def masks(self, case_id: str) -> bool:
        """Whether the case masks personal details (no permission check: the
        answer only ever takes data away)."""
        p = t.case_policies
        with self.db.read() as conn:
            value = conn.scalar(select(p.c.mask_sensitive).where(p.c.case_id == case_id))
        return bool(value)

    def entities(self, principal: Principal, case_id: str) -> list[CaseEntity]:
        e = t.case_entities
        query = (
            select(e, t.users.c.name)
            .join(t.users, t.users.c.id == e.c.added_by)
            .where(e.c.case_id == case_id)
            .order_by(e.c.added_at, e.c.entity_id)
        )
        with self.db.read() as conn:
            self._enter(conn, principal, case_id, Permission.READ_CASE)
            return [CaseEntity(r.entity_id, r.name, r.added_at) for r in conn.execute(query)]

    def add_entity(self, principal: Principal, case_id: str, entity_id: str) -> None:
        entity_id = _text(entity_id, "entity id", 200)
        with self.db.write() as conn:
            principal = self._enter(conn, principal, case_id, Permission.WRITE_CASE)
            exists = conn.scalar(
                select(t.case_entities.c.entity_id).where(
                    t.case_entities.c.case_id == case_id, t.case_entities.c.entity_id == entity_id
                )
            )
            if exists is not None:
                return
            conn.execute(
                t.case_entities.insert().values(
                    case_id=case_id,
                    entity_id=entity_id,
                    added_by=principal.user_id,
                    added_at=self.clock(),
                )
            )
            self.audit.append(
                principal.name,
                Action.CASE_ENTITY_ADD,
                case_id=case_id,
                target=entity_id,
                conn=conn,
            )

    def remove_entity(self, principal: Principal, case_id: str, entity_id: str) -> None:
        with self.db.write() as conn:
            principal = self._enter(conn, principal, case_id, Permission.WRITE_CASE)
            result = conn.execute(
                delete(t.case_entities).where(
                    t.case_entities.c.case_id == case_id, t.case_entities.c.entity_id == entity_id
                )
            )
            if result.rowcount:
                self.audit.append(
                    principal.name,
                    Action.CASE_ENTITY_REMOVE,
                    case_id=case_id,
                    target=entity_id,
                    conn=conn,
                )

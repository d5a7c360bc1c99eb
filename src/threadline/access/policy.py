"""Who may do what: roles, case relations and one table of rules.

The whole policy is ``RULES``: for each permission, the scope each role has.
``ANY`` means the role may act anywhere, ``MEMBER`` only in cases the user
belongs to, ``OWNER`` only in cases the user owns; a role that is missing may
not act at all. The library, the CLI and the HTTP API all ask ``require()``,
so there is one place to read and change the policy, and docs/access.md shows
the same table (a test keeps them equal).

Need-to-know shapes the table: admins manage accounts and see that cases
exist, but cannot read what is in them; viewers read and never write;
only a case's owner decides who else may see it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, StrEnum

from threadline.errors import PermissionDenied


class Role(StrEnum):
    ADMIN = "admin"
    ANALYST = "analyst"
    VIEWER = "viewer"


class Relation(StrEnum):
    """A user's place in a case."""

    OWNER = "owner"
    MEMBER = "member"


class Scope(Enum):
    ANY = "yes"
    MEMBER = "member"
    OWNER = "owner"


class Permission(StrEnum):
    MANAGE_USERS = "manage_users"
    READ_AUDIT = "read_audit"
    CREATE_CASE = "create_case"
    LIST_CASES = "list_cases"
    READ_CASE = "read_case"
    WRITE_CASE = "write_case"
    MANAGE_MEMBERS = "manage_members"
    SEARCH = "search"
    VIEW = "view"
    EXPORT = "export"
    MERGE = "merge"
    JUDGE = "judge"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Permission.MANAGE_USERS: "manage user accounts and sessions",
    Permission.READ_AUDIT: "read and verify the audit log",
    Permission.CREATE_CASE: "create cases",
    Permission.LIST_CASES: "see case names, descriptions and members",
    Permission.READ_CASE: "read case notes and entity lists",
    Permission.WRITE_CASE: "write case notes and entity lists",
    Permission.MANAGE_MEMBERS: "add and remove case members",
    Permission.SEARCH: "search",
    Permission.VIEW: "view entities",
    Permission.EXPORT: "export",
    Permission.MERGE: "merge entities",
    Permission.JUDGE: "record judgements",
}

_A, _N, _V = Role.ADMIN, Role.ANALYST, Role.VIEWER

RULES: dict[Permission, dict[Role, Scope]] = {
    Permission.MANAGE_USERS: {_A: Scope.ANY},
    Permission.READ_AUDIT: {_A: Scope.ANY},
    Permission.CREATE_CASE: {_N: Scope.ANY},
    Permission.LIST_CASES: {_A: Scope.ANY, _N: Scope.MEMBER, _V: Scope.MEMBER},
    Permission.READ_CASE: {_N: Scope.MEMBER, _V: Scope.MEMBER},
    Permission.WRITE_CASE: {_N: Scope.MEMBER},
    Permission.MANAGE_MEMBERS: {_N: Scope.OWNER},
    # data actions: in a case the user belongs to, or with a stated purpose
    Permission.SEARCH: {_N: Scope.ANY, _V: Scope.ANY},
    Permission.VIEW: {_N: Scope.ANY, _V: Scope.ANY},
    Permission.EXPORT: {_N: Scope.ANY},
    Permission.MERGE: {_N: Scope.ANY},
    Permission.JUDGE: {_N: Scope.ANY},
}

#: the permissions whose use is a look at (or a change to) the data, always audited
DATA_PERMISSIONS = (
    Permission.SEARCH,
    Permission.VIEW,
    Permission.EXPORT,
    Permission.MERGE,
    Permission.JUDGE,
)


@dataclass(frozen=True)
class Principal:
    """Who is acting. ``local`` marks the operator at the command line, who
    holds the database itself and acts as an admin (needed to create the
    first account); ``user_id`` is None for them."""

    user_id: str | None
    name: str
    role: Role
    local: bool = False

    @classmethod
    def local_operator(cls, login: str) -> Principal:
        return cls(user_id=None, name=f"local:{login}", role=Role.ADMIN, local=True)

    @classmethod
    def local_reader(cls, login: str) -> Principal:
        """The person at the command line reading data: an analyst's rights
        (admins administer; they do not read entities), no case membership."""
        return cls(user_id=None, name=f"local:{login}", role=Role.ANALYST, local=True)


def allowed(role: Role, permission: Permission, relation: Relation | None = None) -> bool:
    scope = RULES[permission].get(role)
    if scope is None:
        return False
    if scope is Scope.MEMBER:
        return relation is not None
    if scope is Scope.OWNER:
        return relation is Relation.OWNER
    return True


def require(
    principal: Principal,
    permission: Permission,
    relation: Relation | None = None,
    case_id: str | None = None,
) -> None:
    """Raise ``PermissionDenied`` unless the table allows it; the message says
    who would be allowed, so the user knows whom to ask."""
    if allowed(principal.role, permission, relation):
        return
    who = f"{principal.name} ({principal.role})"
    scope = RULES[permission].get(principal.role)
    if scope is None:
        roles = [str(role) for role in Role if role in RULES[permission]]
        may = " and ".join(f"{r}s" for r in roles) if roles else "nobody"
        raise PermissionDenied(f"{who} may not {permission.label}; only {may} may")
    where = f"case {case_id}" if case_id else "this case"
    if scope is Scope.OWNER:
        raise PermissionDenied(f"{who} may not {permission.label}: only the owner of {where} may")
    raise PermissionDenied(
        f"{who} is not a member of {where}, so may not {permission.label}; its owner can add them"
    )


def matrix_markdown() -> str:
    """The rules as the Markdown table docs/access.md shows."""
    roles = list(Role)
    lines = [
        "| permission | " + " | ".join(str(r) for r in roles) + " |",
        "|---|" + "---|" * len(roles),
    ]
    for permission, scopes in RULES.items():
        cells = [scopes[r].value if r in scopes else "no" for r in roles]
        lines.append(f"| {permission.label} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"

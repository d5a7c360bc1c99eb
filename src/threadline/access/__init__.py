"""Access control and audit: users and sessions, roles, cases as need-to-know
compartments, and an append-only, hash-chained audit log. See docs/access.md.

::

    with AccessControl.for_workspace("case-files") as access:
        login = access.login("alice", password)
        alice = access.authenticate(login.token)  # on every request
        access.audit.search(alice, "Ivan Petrov", purpose="due diligence on Acme")

The names are imported on first use (``threadline.lazy``): reading ``Role``
for a command's options must not import SQLAlchemy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from threadline.lazy import lazy_exports

if TYPE_CHECKING:
    from threadline.access.audit import Action, AuditEntry, VerifyReport
    from threadline.access.cases import Case, CaseEntity, Member, Note
    from threadline.access.db import APP_DB_FILE
    from threadline.access.policy import RULES, Permission, Principal, Relation, Role, Scope
    from threadline.access.service import AccessControl
    from threadline.access.sessions import Login
    from threadline.access.settings import AccessSettings
    from threadline.access.users import User

__all__ = [
    "APP_DB_FILE",
    "RULES",
    "AccessControl",
    "AccessSettings",
    "Action",
    "AuditEntry",
    "Case",
    "CaseEntity",
    "Login",
    "Member",
    "Note",
    "Permission",
    "Principal",
    "Relation",
    "Role",
    "Scope",
    "User",
    "VerifyReport",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "Action": "threadline.access.audit",
        "AuditEntry": "threadline.access.audit",
        "VerifyReport": "threadline.access.audit",
        "Case": "threadline.access.cases",
        "CaseEntity": "threadline.access.cases",
        "Member": "threadline.access.cases",
        "Note": "threadline.access.cases",
        "APP_DB_FILE": "threadline.access.db",
        "RULES": "threadline.access.policy",
        "Permission": "threadline.access.policy",
        "Principal": "threadline.access.policy",
        "Relation": "threadline.access.policy",
        "Role": "threadline.access.policy",
        "Scope": "threadline.access.policy",
        "AccessControl": "threadline.access.service",
        "Login": "threadline.access.sessions",
        "AccessSettings": "threadline.access.settings",
        "User": "threadline.access.users",
    },
)

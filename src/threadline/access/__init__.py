"""Access control and audit: users and sessions, roles, cases as need-to-know
compartments, and an append-only, hash-chained audit log. See docs/access.md.

::

    with AccessControl.for_workspace("case-files") as access:
        login = access.login("alice", password)
        alice = access.authenticate(login.token)  # on every request
        access.audit.search(alice, "Ivan Petrov", purpose="due diligence on Acme")
"""

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

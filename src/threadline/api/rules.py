"""Permission checks the HTTP API needs beyond the data actions the access
layer records. Each maps an API area onto ``threadline.access.policy`` so
the one rules table still decides; only loading data has no permission of
its own there yet, and is kept to analysts here (the role that writes).
"""

from __future__ import annotations

from threadline.access import Permission, Principal, Role
from threadline.access.policy import require
from threadline.errors import PermissionDenied


def require_view(principal: Principal) -> None:
    """Graph reads show entities and their links: the same as viewing them."""
    require(principal, Permission.VIEW)


def require_judge(principal: Principal) -> None:
    """The review queue serves the people who judge its pairs."""
    require(principal, Permission.JUDGE)


def require_ingest(principal: Principal) -> None:
    if principal.role is not Role.ANALYST:
        raise PermissionDenied(
            f"{principal.name} ({principal.role}) may not load data; only analysts may"
        )

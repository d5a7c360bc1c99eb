"""``AccessControl``: the one object the CLI and the HTTP API hold. It opens
the app database and wires its parts together:

- ``sessions``: login, ``authenticate(token)`` on every request, logout;
- ``accounts``: user administration (admins);
- ``cases``: need-to-know compartments, their members, notes and entities;
- ``masking``: who sees personal details masked, and references to reveal
  them by;
- ``jobs``: long work (ingest, resolve, ...) and its progress, log and cancel;
- ``audit``: recording searches, views, exports, merges and judgements (with
  a case or a stated purpose), reading and verifying the log. Judgements
  themselves live in the workspace store (``threadline.resolve.judgements``).

Every method that acts for someone takes the ``Principal`` that
``authenticate()`` returned and re-reads that user first, so the checks hold
for any caller, not only for the HTTP layer.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import TracebackType

from threadline.access.audit import AuditLog
from threadline.access.cases import Cases
from threadline.access.checkpoints import Checkpoints
from threadline.access.db import AppDatabase, embedded_url
from threadline.access.jobs import JobBook
from threadline.access.masking import Masking
from threadline.access.policy import Principal
from threadline.access.sessions import Login, Sessions
from threadline.access.settings import AccessSettings
from threadline.access.trail import AuditTrail
from threadline.access.users import Accounts


class AccessControl:
    def __init__(
        self, url: str, settings: AccessSettings | None = None, home: Path | None = None
    ) -> None:
        """``home``: the workspace folder, where the audit signing key and the
        checkpoints live (``checkpoints`` is None without one)."""
        self.settings = settings or AccessSettings()
        self.db = AppDatabase(url)
        log = AuditLog(self.db, self.settings)
        self.accounts = Accounts(self.db, log, self.settings)
        self.sessions = Sessions(self.db, log, self.settings, self.accounts.passwords)
        self.cases = Cases(self.db, log, self.settings)
        self.audit = AuditTrail(self.db, log)
        self.masking = Masking(self.cases, self.settings)
        self.checkpoints = Checkpoints(log, home) if home is not None else None
        self.jobs = JobBook(self.db)

    @classmethod
    def for_workspace(
        cls,
        workspace: str | os.PathLike[str],
        db: str | None = None,
        settings: AccessSettings | None = None,
    ) -> AccessControl:
        """The workspace's embedded database (``app.sqlite``), or the server
        database at ``db`` (``postgresql://...``) when one is given."""
        return cls(db or embedded_url(Path(workspace)), settings, Path(workspace))

    def login(self, name: str, password: str, address: str | None = None) -> Login:
        return self.sessions.login(name, password, address)

    def authenticate(self, token: str) -> Principal:
        return self.sessions.authenticate(token)

    def logout(self, token: str) -> None:
        self.sessions.logout(token)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> AccessControl:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

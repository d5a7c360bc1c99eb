"""One exception hierarchy for the whole library.

::

    ThreadlineError
     ├── WorkspaceError           workspace missing, locked, or damaged
     │    └── WorkspaceNotFound
     ├── InputError               bad user input (file, line, column known)
     │    ├── MappingError        mapping YAML refers to unknown schema/property
     │    └── RejectedValue       a value FtM cannot clean for its property type
     ├── DatasetNotFound
     ├── EntityNotFound
     ├── SearchError
     ├── ResolveError             resolving failed or cannot start (no model yet)
     │    └── JudgementError      a judgement on an unknown id, or a bad judgements file
     ├── GraphError               a graph operation that cannot run as asked
     ├── ServerBusy               the server is at a limit of its own; retry later (HTTP 503)
 ├── JobError                 a job that cannot be started, found or cancelled as asked
 │    ├── JobNotFound         (exit 4)                                              404
 │    └── JobCancelled        raised inside a job's work when someone cancelled it (exit 12)
     ├── DocumentsFailed          some documents could not be read; each is recorded with its
     │                            stage and reason, the rest are stored (exit 11)
     ├── AppDatabaseError         the app database (users, cases, audit) is unusable: a bad
     │                            or unreachable --db URL, an unknown schema version (exit 10)
     └── AccessError              access control refused (exit 8; HTTP status on the right)
          ├── AuthenticationFailed   wrong password, disabled account, ended session   401
          │    └── LoginThrottled    too many failed logins: wait (Retry-After)         429
          ├── PermissionDenied       the role or the case compartment forbids it       403
          ├── PurposeRequired        a data action with neither a case nor a purpose   400
          ├── UserNotFound           (exit 4)                                          404
          ├── CaseNotFound           (exit 4)                                          404
          └── AuditChainBroken       `audit verify` found a changed or missing entry (exit 9)

The CLI maps each class to an exit code (see ``threadline.cli.app``); the
HTTP layer will map them to statuses. Messages say what failed, where, and how
to fix it, because analysts read them, not developers.
"""

from __future__ import annotations

from dataclasses import dataclass


class ThreadlineError(Exception):
    """Base class of every error Threadline raises on purpose."""

    exit_code = 1


class WorkspaceError(ThreadlineError):
    exit_code = 3


class WorkspaceNotFound(WorkspaceError):
    pass


@dataclass
class Location:
    """Where in an input file a problem sits. ``line`` is 1-based (a CSV row's
    physical line, a JSON line's number, a spreadsheet row)."""

    path: str
    line: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        text = self.path
        if self.line is not None:
            text += f", line {self.line}"
        if self.column is not None:
            text += f", column {self.column!r}"
        return text


class InputError(ThreadlineError):
    """Bad input. ``location`` names file, line and column when known; ``hint``
    tells the analyst what to do about it."""

    exit_code = 2

    def __init__(self, problem: str, location: Location | None = None, hint: str | None = None):
        self.problem = problem
        self.location = location
        self.hint = hint
        super().__init__(self.message)

    @property
    def message(self) -> str:
        text = f"{self.location}: {self.problem}" if self.location else self.problem
        if self.hint:
            text += f" ({self.hint})"
        return text


class MappingError(InputError):
    pass


class RejectedValue(InputError):
    pass


class DatasetNotFound(ThreadlineError):
    exit_code = 4


class EntityNotFound(ThreadlineError):
    exit_code = 4


class SearchError(ThreadlineError):
    exit_code = 5


class ResolveError(ThreadlineError):
    exit_code = 6


class JudgementError(ResolveError):
    pass


class GraphError(ThreadlineError):
    exit_code = 7


class ServerBusy(ThreadlineError):
    """A bounded part of the server (the login pool) is full; ``retry_after``
    says when to try again."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class JobError(ThreadlineError):
    """A job (``threadline.access.jobs``) cannot be started, found or
    cancelled as asked: an unknown kind, bad parameters, a finished job."""

    exit_code = 12


class JobNotFound(JobError):
    exit_code = 4


class JobCancelled(JobError):
    """Raised at a progress point of a job someone cancelled: the work stops
    there and rolls back what it had not committed."""


class DocumentsFailed(ThreadlineError):
    """A document ingest finished, but some files could not be read: they
    are recorded (``processingStatus`` failure, with stage and reason) and
    the rest are stored; ``--retry-failed`` tries them again."""

    exit_code = 11


class AppDatabaseError(ThreadlineError):
    exit_code = 10


class AccessError(ThreadlineError):
    """Access control refused. Messages name the user, role or case and what
    would allow it, never the data being protected."""

    exit_code = 8


class AuthenticationFailed(AccessError):
    pass


class LoginThrottled(AuthenticationFailed):
    """Too many failed logins for an account or from an address."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermissionDenied(AccessError):
    pass


class PurposeRequired(AccessError):
    pass


class UserNotFound(AccessError):
    exit_code = 4


class CaseNotFound(AccessError):
    exit_code = 4


class AuditChainBroken(AccessError):
    """The audit log's hash chain does not verify; ``seq`` is the first bad entry."""

    exit_code = 9

    def __init__(self, seq: int, reason: str):
        self.seq = seq
        self.reason = reason
        super().__init__(f"audit log broken at entry {seq}: {reason}")

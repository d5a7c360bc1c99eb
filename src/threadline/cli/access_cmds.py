"""Access commands: ``threadline users ...`` to administer accounts and
``threadline audit ...`` to read and verify the audit log.

Whoever runs these holds the app database itself (the workspace's file, or
the server URL and its credentials), so they act as the local operator, an
admin recorded in the audit log as ``local:LOGIN``. That is also how the
first admin account gets made.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from threadline.access import Role
from threadline.cli.common import emit_json, err, local_operator, out, workspace_path
from threadline.cli.options import DbOpt, JsonOpt, PasswordStdinOpt, UserNameArg

if TYPE_CHECKING:
    from threadline.access import AccessControl, Principal


@contextmanager
def _access(db: str | None) -> Iterator[AccessControl]:
    from threadline.access import AccessControl
    from threadline.access.db import embedded_url, parse_url
    from threadline.errors import WorkspaceNotFound

    home: Path | None
    if db is None:
        home = workspace_path()
        db = embedded_url(home)
    else:
        # A shared app database (team mode) does not need a workspace here:
        # check the URL first, and sign audit checkpoints only when one is found.
        parse_url(db)
        try:
            home = workspace_path()
        except WorkspaceNotFound:
            home = None
    with AccessControl(db, home=home) as access:
        yield access


def _operator() -> Principal:
    return local_operator()


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


def users_add(
    name: Annotated[str, typer.Argument(help="User name (letters, digits, . _ @ -).")],
    role: Annotated[Role, typer.Option(help="admin, analyst or viewer.")] = Role.ANALYST,
    password_stdin: PasswordStdinOpt = False,
    db: DbOpt = None,
) -> None:
    """Create an account. The password is asked for (hidden), or read with --password-stdin."""
    password = _password(password_stdin)
    with _access(db) as access:
        user = access.accounts.create(_operator(), name, password, role)
    err.print(f"Created user [bold]{escape(user.name)}[/bold] ({user.role})")


def users_list(as_json: JsonOpt = False, db: DbOpt = None) -> None:
    """List accounts with their role and state."""
    with _access(db) as access:
        users = access.accounts.list_users(_operator())
    if as_json:
        emit_json([user.to_dict() for user in users])
        return
    table = Table("name", "role", "active", "created", "last login")
    for user in users:
        last = user.last_login_at.isoformat(timespec="seconds") if user.last_login_at else ""
        table.add_row(
            escape(user.name),
            str(user.role),
            "yes" if user.active else "no",
            user.created_at.isoformat(timespec="seconds"),
            last,
        )
    out.print(table)


def users_set_role(
    name: UserNameArg,
    role: Annotated[Role, typer.Argument(help="admin, analyst or viewer.")],
    db: DbOpt = None,
) -> None:
    """Change a user's role; it applies from their next request."""
    with _access(db) as access:
        user = access.accounts.set_role(_operator(), name, role)
    err.print(f"[bold]{escape(user.name)}[/bold] is now {user.role}")


def users_disable(name: UserNameArg, db: DbOpt = None) -> None:
    """Disable an account and end its sessions (their next request is refused)."""
    with _access(db) as access:
        user = access.accounts.disable(_operator(), name)
    err.print(f"Disabled [bold]{escape(user.name)}[/bold]; their sessions have ended")


def users_enable(name: UserNameArg, db: DbOpt = None) -> None:
    """Enable a disabled account again."""
    with _access(db) as access:
        user = access.accounts.enable(_operator(), name)
    err.print(f"Enabled [bold]{escape(user.name)}[/bold]")


def users_revoke(name: UserNameArg, db: DbOpt = None) -> None:
    """End all of a user's sessions; they must log in again."""
    with _access(db) as access:
        count = access.accounts.revoke_sessions(_operator(), name)
    err.print(f"Ended {count} session{'s' if count != 1 else ''} of [bold]{escape(name)}[/bold]")


def users_passwd(
    name: UserNameArg,
    password_stdin: PasswordStdinOpt = False,
    db: DbOpt = None,
) -> None:
    """Set a new password for a user; their sessions end."""
    password = _password(password_stdin)
    with _access(db) as access:
        access.accounts.set_password(_operator(), name, password)
    err.print(f"Password changed for [bold]{escape(name)}[/bold]; their sessions have ended")


def audit_verify(
    checkpoint: Annotated[
        Path | None,
        typer.Option(
            "--checkpoint",
            help="Also check the log against this signed checkpoint (from `audit "
            "checkpoint`): catches a rewrite of the whole chain, truncation included.",
        ),
    ] = None,
    as_json: JsonOpt = False,
    db: DbOpt = None,
) -> None:
    """Recompute the audit log's hash chain; exit 9 naming the first bad entry."""
    from threadline.access.checkpoints import Checkpoint

    with _access(db) as access:
        report = access.audit.verify(_operator())
        if checkpoint is not None and report.ok:
            assert access.checkpoints is not None
            report = access.checkpoints.verify(Checkpoint.read(checkpoint))
    if as_json:
        emit_json(report.to_dict())
    elif report.ok:
        entries = f"{report.entries:,} entr{'y' if report.entries == 1 else 'ies'}"
        against = f"; matches the checkpoint {checkpoint}" if checkpoint else ""
        err.print(f"Audit log OK: {entries}, head hash {report.head_hash}{against}", soft_wrap=True)
    report.raise_if_broken()


def audit_checkpoint(
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Also copy the checkpoint here (keep it away)."),
    ] = None,
    as_json: JsonOpt = False,
    db: DbOpt = None,
) -> None:
    """Sign the audit log's head (Ed25519, the workspace's key) into
    audit-checkpoints/; keep a copy outside the workspace to verify against later."""
    import shutil

    with _access(db) as access:
        assert access.checkpoints is not None
        signed, path = access.checkpoints.write()
    if output is not None:
        shutil.copyfile(path, output)
    if as_json:
        emit_json({**signed.to_dict(), "path": str(path)})
        return
    err.print(f"Signed entry {signed.seq:,} ({signed.hash}) into {path}", soft_wrap=True)


class PurposePolicy(StrEnum):
    required = "required"
    optional = "optional"


def audit_policy(
    cli_purpose: Annotated[
        PurposePolicy | None,
        typer.Option(
            "--cli-purpose",
            help="required: command-line reads of entity data need --purpose or --case "
            "(the default); optional: a single-user workspace may skip it (recorded as "
            "not stated). The change is itself recorded.",
        ),
    ] = None,
    db: DbOpt = None,
) -> None:
    """Show or change the audit policy of this workspace's command line."""
    with _access(db) as access:
        if cli_purpose is not None:
            access.audit.set_cli_purpose_optional(
                _operator(), cli_purpose is PurposePolicy.optional
            )
        optional = access.audit.cli_purpose_optional()
    state = "optional (recorded as not stated)" if optional else "required"
    err.print(f"Purpose of command-line reads: {state}")


def audit_show(
    limit: Annotated[int, typer.Option(help="How many entries (the newest).", min=1)] = 50,
    user: Annotated[str | None, typer.Option(help="Only this user's entries.")] = None,
    case: Annotated[str | None, typer.Option(help="Only this case's entries.")] = None,
    action: Annotated[str | None, typer.Option(help="Only this action, e.g. search.")] = None,
    as_json: JsonOpt = False,
    db: DbOpt = None,
) -> None:
    """Show the newest audit entries, oldest first. Reading the log is recorded too."""
    with _access(db) as access:
        entries = access.audit.entries(_operator(), limit, user=user, case_id=case, action=action)
    if as_json:
        emit_json([entry.to_dict() for entry in entries])
        return
    table = Table("seq", "time (UTC)", "actor", "action", "case", "purpose", "target")
    for entry in entries:
        table.add_row(
            str(entry.seq),
            entry.ts[:19].replace("T", " "),
            escape(entry.actor),
            entry.action,
            entry.case_id or "",
            escape(entry.purpose or ""),
            escape(entry.target or ""),
        )
    out.print(table)

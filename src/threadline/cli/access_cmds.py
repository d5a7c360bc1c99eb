"""Access commands: ``threadline users ...`` to administer accounts and
``threadline audit ...`` to read and verify the audit log.

Whoever runs these holds the app database itself (the workspace's file, or
the server URL and its credentials), so they act as the local operator, an
admin recorded in the audit log as ``local:LOGIN``. That is also how the
first admin account gets made.
"""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from threadline.access import AccessControl, Principal, Role
from threadline.access.db import embedded_url
from threadline.cli.app import app, open_workspace
from threadline.cli.output import emit_json, err, out

users_app = typer.Typer(
    help="Manage user accounts: add, list, change roles, disable, end sessions.",
    rich_markup_mode=None,
)
audit_app = typer.Typer(help="Show and verify the audit log.", rich_markup_mode=None)
app.add_typer(users_app, name="users")
app.add_typer(audit_app, name="audit")

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="THREADLINE_DB",
        help="App database URL, e.g. postgresql://USER@HOST:5432/DB. Default: $THREADLINE_DB, "
        "else app.sqlite in the workspace.",
        show_default=False,
    ),
]
PasswordStdin = Annotated[
    bool,
    typer.Option(
        "--password-stdin", help="Read the password from the first line of standard input."
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print as JSON.")]


@contextmanager
def _access(db: str | None) -> Iterator[AccessControl]:
    if db is None:
        with open_workspace() as ws:
            db = embedded_url(ws.path)
    with AccessControl(db) as access:
        yield access


def _operator() -> Principal:
    try:
        login = os.environ.get("THREADLINE_USER") or getpass.getuser()
    except (KeyError, OSError):
        login = "unknown"
    return Principal.local_operator(login)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="User name (letters, digits, . _ @ -).")],
    role: Annotated[Role, typer.Option(help="admin, analyst or viewer.")] = Role.ANALYST,
    password_stdin: PasswordStdin = False,
    db: DbOption = None,
) -> None:
    """Create an account. The password is asked for (hidden), or read with --password-stdin."""
    password = _password(password_stdin)
    with _access(db) as access:
        user = access.accounts.create(_operator(), name, password, role)
    err.print(f"Created user [bold]{escape(user.name)}[/bold] ({user.role})")


@users_app.command("list")
def users_list(as_json: JsonOption = False, db: DbOption = None) -> None:
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


@users_app.command("set-role")
def users_set_role(
    name: Annotated[str, typer.Argument(help="User name.")],
    role: Annotated[Role, typer.Argument(help="admin, analyst or viewer.")],
    db: DbOption = None,
) -> None:
    """Change a user's role; it applies from their next request."""
    with _access(db) as access:
        user = access.accounts.set_role(_operator(), name, role)
    err.print(f"[bold]{escape(user.name)}[/bold] is now {user.role}")


@users_app.command("disable")
def users_disable(
    name: Annotated[str, typer.Argument(help="User name.")], db: DbOption = None
) -> None:
    """Disable an account and end its sessions (their next request is refused)."""
    with _access(db) as access:
        user = access.accounts.disable(_operator(), name)
    err.print(f"Disabled [bold]{escape(user.name)}[/bold]; their sessions have ended")


@users_app.command("enable")
def users_enable(
    name: Annotated[str, typer.Argument(help="User name.")], db: DbOption = None
) -> None:
    """Enable a disabled account again."""
    with _access(db) as access:
        user = access.accounts.enable(_operator(), name)
    err.print(f"Enabled [bold]{escape(user.name)}[/bold]")


@users_app.command("revoke")
def users_revoke(
    name: Annotated[str, typer.Argument(help="User name.")], db: DbOption = None
) -> None:
    """End all of a user's sessions; they must log in again."""
    with _access(db) as access:
        count = access.accounts.revoke_sessions(_operator(), name)
    err.print(f"Ended {count} session{'s' if count != 1 else ''} of [bold]{escape(name)}[/bold]")


@users_app.command("passwd")
def users_passwd(
    name: Annotated[str, typer.Argument(help="User name.")],
    password_stdin: PasswordStdin = False,
    db: DbOption = None,
) -> None:
    """Set a new password for a user; their sessions end."""
    password = _password(password_stdin)
    with _access(db) as access:
        access.accounts.set_password(_operator(), name, password)
    err.print(f"Password changed for [bold]{escape(name)}[/bold]; their sessions have ended")


@audit_app.command("verify")
def audit_verify(as_json: JsonOption = False, db: DbOption = None) -> None:
    """Recompute the audit log's hash chain; exit 9 naming the first bad entry."""
    with _access(db) as access:
        report = access.audit.verify(_operator())
    if as_json:
        emit_json(report.to_dict())
    elif report.ok:
        entries = f"{report.entries:,} entr{'y' if report.entries == 1 else 'ies'}"
        err.print(f"Audit log OK: {entries}, head hash {report.head_hash}", soft_wrap=True)
    report.raise_if_broken()


@audit_app.command("show")
def audit_show(
    limit: Annotated[int, typer.Option(help="How many entries (the newest).", min=1)] = 50,
    user: Annotated[str | None, typer.Option(help="Only this user's entries.")] = None,
    case: Annotated[str | None, typer.Option(help="Only this case's entries.")] = None,
    action: Annotated[str | None, typer.Option(help="Only this action, e.g. search.")] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
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

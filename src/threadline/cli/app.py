"""The ``threadline`` command, assembled here from plain functions.

The command modules (``*_cmds.py``) define functions and know nothing of the
Typer app; this module lists them in ``COMMANDS`` and ``GROUPS`` and builds
the app from the lists, so nothing imports the app back. Each command parses
its options, makes one library call and renders the result; ``main()`` turns
library errors into a one-line message on stderr and the exit code of their
class (see ``threadline.errors``).

The command modules import the library inside their command bodies: building
the app and showing ``--help`` import no engine (``tests/cli/test_startup.py``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from threadline.cli import (
    access_cmds,
    entity_cmds,
    graph_cmds,
    graph_network_cmds,
    job_cmds,
    resolve_cmds,
    retention_cmds,
    serve_cmds,
    workspace_cmds,
)
from threadline.cli.common import State, run
from threadline.cli.control import forward_if_held


@dataclass(frozen=True)
class Command:
    name: str
    function: Callable[..., None]


@dataclass(frozen=True)
class Group:
    """A command with subcommands (``threadline graph ...``)."""

    name: str
    help: str
    commands: Sequence[Command]
    #: runs when the group is called without a subcommand (``threadline datasets``)
    default: Callable[..., None] | None = None
    no_args_is_help: bool = False


# In the order `threadline --help` lists them.
COMMANDS: list[Command] = [
    Command("init", workspace_cmds.init),
    Command("ingest", workspace_cmds.ingest),
    Command("search", entity_cmds.search),
    Command("show", entity_cmds.show),
    Command("export", entity_cmds.export),
    Command("stats", workspace_cmds.stats),
    Command("reindex", workspace_cmds.reindex),
    Command("demo", workspace_cmds.demo),
    Command("resolve", resolve_cmds.resolve),
    Command("review", resolve_cmds.review),
    Command("judge", resolve_cmds.judge),
    Command("match", resolve_cmds.match),
    Command("serve", serve_cmds.serve),
]

GROUPS: list[Group] = [
    Group(
        "datasets",
        "List and drop datasets.",
        [Command("drop", workspace_cmds.datasets_drop)],
        default=workspace_cmds.datasets_list,
    ),
    Group(
        "retention",
        "How long each dataset's loads are kept, and the sweep that removes older ones.",
        [
            Command("show", retention_cmds.retention_show),
            Command("set", retention_cmds.retention_set),
            Command("clear", retention_cmds.retention_clear),
            Command("sweep", retention_cmds.retention_sweep),
        ],
        no_args_is_help=True,
    ),
    Group(
        "jobs",
        "Jobs (ingest, resolve, reindex, ...): list them, start one, show one, cancel one.",
        [
            Command("start", job_cmds.jobs_start),
            Command("show", job_cmds.jobs_show),
            Command("cancel", job_cmds.jobs_cancel),
        ],
        default=job_cmds.jobs_list,
    ),
    Group(
        "users",
        "Manage user accounts: add, list, change roles, disable, end sessions.",
        [
            Command("add", access_cmds.users_add),
            Command("list", access_cmds.users_list),
            Command("set-role", access_cmds.users_set_role),
            Command("disable", access_cmds.users_disable),
            Command("enable", access_cmds.users_enable),
            Command("revoke", access_cmds.users_revoke),
            Command("passwd", access_cmds.users_passwd),
        ],
    ),
    Group(
        "audit",
        "Show and verify the audit log.",
        [
            Command("verify", access_cmds.audit_verify),
            Command("checkpoint", access_cmds.audit_checkpoint),
            Command("policy", access_cmds.audit_policy),
            Command("show", access_cmds.audit_show),
        ],
    ),
    Group(
        "graph",
        "Follow links between resolved entities: neighbours, paths, owners, networks.",
        [
            Command("neighbours", graph_cmds.neighbours_cmd),
            Command("path", graph_cmds.path_cmd),
            Command("owners", graph_cmds.owners_cmd),
            Command("holdings", graph_cmds.holdings_cmd),
            Command("stats", graph_cmds.stats_cmd),
            Command("components", graph_network_cmds.components_cmd),
            Command("centrality", graph_network_cmds.centrality_cmd),
            Command("communities", graph_network_cmds.communities_cmd),
            Command("export", graph_network_cmds.export_cmd),
        ],
        no_args_is_help=True,
    ),
    Group(
        "judgements",
        "Export and import judgements (nomenklatura's resolver format).",
        [
            Command("export", resolve_cmds.judgements_export),
            Command("import", resolve_cmds.judgements_import),
        ],
    ),
]


def root_options(
    workspace: Annotated[
        Path | None,
        typer.Option(
            "--workspace",
            "-w",
            help="Workspace directory. Default: $THREADLINE_WORKSPACE, else the current "
            "directory or its nearest parent that is a workspace.",
            show_default=False,
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False,
) -> None:
    State.workspace = workspace
    State.quiet = quiet


def build_app() -> typer.Typer:
    # Plain help text (rich_markup_mode=None): identical on every terminal,
    # and what docs/cli.md shows.
    plain: dict[str, Any] = {"rich_markup_mode": None}
    root = typer.Typer(
        name="threadline",
        help="Threadline: load messy datasets into one FollowTheMoney model, with the source "
        "of every value, and search across them.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        **plain,
    )
    root.callback()(root_options)
    for command in COMMANDS:
        root.command(command.name)(command.function)
    for group in GROUPS:
        sub = typer.Typer(help=group.help, no_args_is_help=group.no_args_is_help, **plain)
        if group.default is not None:
            sub.callback(invoke_without_command=True)(group.default)
        for command in group.commands:
            sub.command(command.name)(command.function)
        root.add_typer(sub, name=group.name)
    return root


app = build_app()


def main() -> None:
    # beside a server holding the workspace, the command runs there
    code = forward_if_held(sys.argv[1:])
    if code is not None:
        sys.exit(code)
    run(app)


if __name__ == "__main__":
    main()

"""Options that more than one command takes, declared once.

An option used by one command is declared in its signature; one used by
several is an ``Annotated`` alias here, so that its flags and help cannot
drift apart between commands (``tests/cli/test_cli_structure.py`` fails on a
second declaration with the same flags and help).

The graph commands share their filters through :class:`GraphScope`: a
command takes ``scope: GraphScope = EVERYTHING`` and is decorated with
``@graph_scope("types", "datasets", ...)``; the decorator gives it those
options (where ``scope`` stands in its signature) and hands them over as one
``GraphScope``.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from threadline.cli.common import err, record_read

if TYPE_CHECKING:
    from threadline.graph.filters import EdgeFilter
    from threadline.graph.structure import Graph
    from threadline.workspace import Workspace

# -- output -------------------------------------------------------------------

JsonOpt = Annotated[bool, typer.Option("--json", help="Print as JSON.")]
JsonReportOpt = Annotated[bool, typer.Option("--json", help="Print the report as JSON.")]
JsonResultsOpt = Annotated[bool, typer.Option("--json", help="Print results as JSON.")]
JsonResultOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
OutputOpt = Annotated[
    str, typer.Option("--output", "-o", help="Output file, or - for standard output.")
]

# -- who and where ------------------------------------------------------------

DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="THREADLINE_DB",
        help="App database URL, e.g. postgresql://USER@HOST:5432/DB. Default: $THREADLINE_DB, "
        "else app.sqlite in the workspace.",
        show_default=False,
    ),
]
UserOpt = Annotated[
    str | None,
    typer.Option(
        "--user", help="Who judges (recorded). Default: $THREADLINE_USER, else your login."
    ),
]
UserNameArg = Annotated[str, typer.Argument(help="User name.")]
PurposeOpt = Annotated[
    str | None,
    typer.Option(
        "--purpose",
        envvar="THREADLINE_PURPOSE",
        help="Why you look (recorded in the audit log); needed unless --case is given. "
        "Default: $THREADLINE_PURPOSE.",
        show_default=False,
    ),
]
CaseOpt = Annotated[
    str | None,
    typer.Option("--case", help="The case this is for (recorded; you must be its member)."),
]
PasswordStdinOpt = Annotated[
    bool,
    typer.Option(
        "--password-stdin", help="Read the password from the first line of standard input."
    ),
]

# -- graph ----------------------------------------------------------------------


class DirectionChoice(StrEnum):
    both = "both"
    out = "out"
    in_ = "in"


TypeOpt = Annotated[
    list[str] | None,
    typer.Option("--type", "-t", help="Only edges of this type (Ownership, authority, ...)."),
]
SchemaOpt = Annotated[
    list[str] | None, typer.Option("--schema", help="Only reach entities of this schema.")
]
DatasetOpt = Annotated[
    list[str] | None, typer.Option("--dataset", help="Only edges from this dataset.")
]
AsOfOpt = Annotated[
    str | None, typer.Option("--as-of", help="Only edges in force on this date (YYYY[-MM[-DD]]).")
]
DirectionOpt = Annotated[
    DirectionChoice, typer.Option("--direction", help="Follow edges out, in, or both ways.")
]
PivotOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--pivot",
        help="Also link entities sharing a value: phone, email, address, iban, identifier.",
    ),
]
MentionsOpt = Annotated[
    bool,
    typer.Option(
        "--mentions",
        help="Also link documents to the people and companies their text names "
        "(a weaker edge, type mention).",
    ),
]
AroundOpt = Annotated[
    str | None, typer.Option("--around", help="Only the neighbourhood of this entity.")
]
AroundDepthOpt = Annotated[
    int, typer.Option("--depth", help="With --around: how many hops out.", min=1, max=6)
]
ChainDepthOpt = Annotated[int, typer.Option(help="Longest chain followed.", min=1)]


@dataclass(frozen=True)
class GraphScope:
    """The graph filters of one command: which edges to follow, which
    entities to reach, and which pivot values to link on."""

    types: list[str] | None = None
    schemata: list[str] | None = None
    datasets: list[str] | None = None
    as_of: str | None = None
    direction: DirectionChoice = DirectionChoice.both
    pivots: list[str] | None = None
    mentions: bool = False

    def edge_filter(self, *, either_way: bool = False) -> EdgeFilter:
        """The filter for traversals; ``either_way`` ignores --direction
        (neighbourhoods for --around, components)."""
        from threadline.graph.filters import EdgeFilter

        direction = DirectionChoice.both if either_way else self.direction
        return EdgeFilter.of(self.types, self.schemata, self.datasets, self.as_of, direction.value)

    def graph(self, ws: Workspace) -> Graph:
        """The workspace's link graph with these pivots, saying what it does
        when it has to build it."""

        def progress(message: str) -> None:
            err.print(f"[dim]{escape(message)}...[/dim]")

        return ws.graph(self.pivots or (), progress=progress, mentions=self.mentions)


#: No filter at all: the default ``scope`` of a command, before the decorator
#: fills it from the options.
EVERYTHING = GraphScope()

# field -> (annotation with its option, default)
_SCOPE_OPTIONS: dict[str, tuple[Any, Any]] = {
    "types": (TypeOpt, None),
    "schemata": (SchemaOpt, None),
    "datasets": (DatasetOpt, None),
    "as_of": (AsOfOpt, None),
    "direction": (DirectionOpt, DirectionChoice.both),
    "pivots": (PivotOpt, None),
    "mentions": (MentionsOpt, False),
}


def graph_scope(
    *fields: str, audited: bool = True
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Give a command the graph options of ``fields`` (names of
    :class:`GraphScope` fields), in place of its ``scope`` parameter, and
    call it with them gathered into one ``scope``. An ``audited`` command
    (one that shows entities) also takes ``--purpose`` and ``--case`` and is
    recorded in the audit log before it runs."""
    unknown = [name for name in fields if name not in _SCOPE_OPTIONS]
    if unknown:
        raise ValueError(f"not GraphScope fields: {unknown}")

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        signature = inspect.signature(command, eval_str=True)
        if "scope" not in signature.parameters:
            raise TypeError(f"{command.__name__} takes no `scope: GraphScope`")
        parameters: list[inspect.Parameter] = []
        for param in signature.parameters.values():
            if param.name != "scope":
                parameters.append(param)
                continue
            for name in fields:
                annotation, default = _SCOPE_OPTIONS[name]
                parameters.append(
                    inspect.Parameter(name, param.kind, annotation=annotation, default=default)
                )
            if audited:
                for name, annotation in (("purpose", PurposeOpt), ("case", CaseOpt)):
                    parameters.append(
                        inspect.Parameter(name, param.kind, annotation=annotation, default=None)
                    )
        operation = command.__name__.removesuffix("_cmd")

        @functools.wraps(command)
        def with_scope(*args: Any, **kwargs: Any) -> None:
            scope = GraphScope(**{name: kwargs.pop(name) for name in fields})
            if audited:
                purpose, case = kwargs.pop("purpose"), kwargs.pop("case")
                shown = [str(v) for v in (*args, *kwargs.values()) if isinstance(v, str)]
                record_read(
                    "view", " ".join(["graph", operation, *shown]), purpose=purpose, case=case,
                    details={"graph": operation},
                )  # fmt: skip
            command(*args, scope=scope, **kwargs)

        # Typer reads the options from the signature (and hints for the rest)
        with_scope.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
        with_scope.__annotations__ = {p.name: p.annotation for p in parameters}
        return with_scope

    return decorate

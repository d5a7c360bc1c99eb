"""The CLI's shape: commands are plain functions that ``cli/app.py`` lists
and registers (nothing imports the app back), every command says what it
does, and an option shared by several commands is declared once, in
``cli/options.py``."""

from __future__ import annotations

import ast
import inspect
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import typer

from threadline.cli import options
from threadline.cli.app import COMMANDS, GROUPS, app
from threadline.cli.options import EVERYTHING, GraphScope, graph_scope

CLI_DIR = Path(options.__file__).parent
#: modules that use the app rather than make it up
APP_USERS = {"app.py", "docs.py"}


def _modules() -> list[Path]:
    return sorted(p for p in CLI_DIR.glob("*.py") if p.name not in APP_USERS)


def _imports(tree: ast.AST) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


@pytest.mark.parametrize("path", _modules(), ids=lambda p: p.name)
def test_no_command_module_imports_the_app(path: Path) -> None:
    imported = _imports(ast.parse(path.read_text("utf-8")))
    assert "threadline.cli.app" not in imported, f"{path.name} imports threadline.cli.app"


def _walk(command: Any, path: tuple[str, ...]) -> list[tuple[tuple[str, ...], Any]]:
    found = [(path, command)]
    for name, sub in getattr(command, "commands", {}).items():
        found.extend(_walk(sub, (*path, name)))
    return found


def test_every_command_has_help() -> None:
    root = typer.main.get_command(app)
    missing = [
        " ".join(path)
        for path, command in _walk(root, ("threadline",))[1:]
        if not (command.help or "").strip()
    ]
    assert not missing, f"commands without help: {missing}"
    for command in [*COMMANDS, *(c for g in GROUPS for c in g.commands)]:
        assert (command.function.__doc__ or "").strip(), command.name
    for group in GROUPS:
        assert group.help.strip(), group.name


def test_commands_are_listed_once() -> None:
    top = [c.name for c in COMMANDS] + [g.name for g in GROUPS]
    assert len(top) == len(set(top)), Counter(top).most_common(3)
    for group in GROUPS:
        names = [c.name for c in group.commands]
        assert len(names) == len(set(names)), group.name
    functions = [c.function for c in COMMANDS] + [c.function for g in GROUPS for c in g.commands]
    assert len(functions) == len(set(functions))


def _declarations(path: Path) -> list[tuple[str, str, str]]:
    """(flags, help, where) of each typer.Option/Argument declared in a module:
    the flags as written, else the parameter's name."""
    found = []
    tree = ast.parse(path.read_text("utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            params = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
            annotated = [(p.arg, p.annotation) for p in params if p.annotation is not None]
        elif isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            annotated = [(node.targets[0].id, node.value)]
        else:
            continue
        for name, annotation in annotated:
            for call in ast.walk(annotation):
                if not (
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Attribute)
                    and call.func.attr in ("Option", "Argument")
                ):
                    continue
                flags = [a.value for a in call.args if isinstance(a, ast.Constant)]
                helps = [
                    k.value.value
                    for k in call.keywords
                    if k.arg == "help" and isinstance(k.value, ast.Constant)
                ]
                key = " ".join(flags) or f"{call.func.attr}:{name}"
                found.append((key, helps[0] if helps else "", f"{path.name}:{call.lineno}"))
    return found


def test_options_are_declared_once() -> None:
    """An option (or argument) with the same flags and help in two places is
    one option: declare it in cli/options.py and use the alias."""
    seen: dict[tuple[str, str], list[str]] = {}
    for path in sorted(CLI_DIR.glob("*.py")):
        for flags, help_text, where in _declarations(path):
            seen.setdefault((flags, help_text), []).append(where)
    repeated = {key: where for key, where in seen.items() if len(where) > 1}
    assert not repeated, f"declared more than once: {repeated}"


def test_graph_filters_come_from_the_scope() -> None:
    """The graph filters are declared in cli/options.py alone."""
    filter_flags = {"--type -t", "--schema", "--dataset", "--as-of", "--direction", "--pivot"}
    for path in _modules():
        if path.name == "options.py" or not path.name.startswith("graph"):
            continue
        flags = {flags for flags, _, _ in _declarations(path)}
        assert not flags & filter_flags, f"{path.name} declares {flags & filter_flags}"


def test_graph_scope_gathers_its_options() -> None:
    calls: list[GraphScope] = []

    @graph_scope("datasets", "as_of", audited=False)
    def command(entity_id: str, scope: GraphScope = EVERYTHING, as_json: bool = False) -> None:
        calls.append(scope)

    assert list(inspect.signature(command).parameters) == [
        "entity_id",
        "datasets",
        "as_of",
        "as_json",
    ]

    @graph_scope("datasets")
    def shown(entity_id: str, scope: GraphScope = EVERYTHING) -> None:
        """Shows entities: it takes the purpose and case of the audit log."""

    assert list(inspect.signature(shown).parameters) == [
        "entity_id", "datasets", "purpose", "case",
    ]  # fmt: skip
    command(entity_id="x", datasets=["a"], as_of="2020", as_json=False)
    assert calls == [GraphScope(datasets=["a"], as_of="2020")]


def test_graph_scope_refuses_unknown_fields_and_commands_without_scope() -> None:
    with pytest.raises(ValueError, match="not GraphScope fields"):
        graph_scope("colour")

    def no_scope(as_json: bool = False) -> None:
        """Nothing."""

    with pytest.raises(TypeError, match="scope"):
        graph_scope("pivots")(no_scope)

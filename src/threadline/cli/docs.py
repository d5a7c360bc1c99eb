"""Generate the CLI reference (docs/cli.md) from the commands' own help, so
the two cannot drift apart: ``tests/cli/test_docs.py`` fails when they differ.

    python -m threadline.cli.docs > docs/cli.md
"""

from __future__ import annotations

import sys
from typing import Any

import typer

from threadline.cli.app import app


def _walk(command: Any, path: list[str]) -> list[tuple[list[str], Any]]:
    # Typer vendors its own click; duck-type groups rather than import it.
    found = [(path, command)]
    if hasattr(command, "commands"):
        for name in sorted(command.commands):
            found.extend(_walk(command.commands[name], [*path, name]))
    return found


def render() -> str:
    root = typer.main.get_command(app)
    parts = [
        "# CLI reference\n",
        "Generated from the commands' help by `make docs`; do not edit by hand.\n",
    ]
    for path, command in _walk(root, ["threadline"]):
        ctx = command.context_class(command, info_name=" ".join(path), terminal_width=100)
        parts.append(f"\n## `{' '.join(path)}`\n\n```text\n{command.get_help(ctx).rstrip()}\n```\n")
    return "".join(parts)


if __name__ == "__main__":
    sys.stdout.write(render())

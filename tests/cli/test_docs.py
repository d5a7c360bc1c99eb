"""Docs are tested against the code: the CLI reference must be regenerated
when a command or option changes, and the README must mention every command."""

from __future__ import annotations

from pathlib import Path

import typer

from threadline.cli.app import app
from threadline.cli.docs import render

ROOT = Path(__file__).parents[2]


def test_cli_reference_is_up_to_date() -> None:
    current = (ROOT / "docs" / "cli.md").read_text("utf-8")
    assert current == render(), "docs/cli.md is stale: run `make docs`"


def test_readme_mentions_every_command() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    group = typer.main.get_command(app)
    names = list(group.commands)  # type: ignore[attr-defined]
    assert names, "no commands found"
    missing = [
        name for name in names if f"threadline {name}" not in readme and f"`{name}`" not in readme
    ]
    assert not missing, f"README does not mention: {missing}"


def test_quick_start_has_exactly_two_commands() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = section.split("```", 2)[1]
    commands = [line for line in block.splitlines()[1:] if line.strip()]
    assert commands == ["make demo", "make test"]

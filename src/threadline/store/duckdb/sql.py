"""Small helpers for writing DuckDB SQL inside the engine."""

from __future__ import annotations

from collections.abc import Iterable


def sql_list(names: Iterable[str]) -> str:
    """A literal SQL list of model names (schemata, property types): letters
    only, never user input, which the assertion guards."""
    names = list(names)
    assert all(name.isalnum() for name in names)
    return ", ".join(f"'{name}'" for name in names)

"""Console plumbing shared by commands: stderr for people, stdout for data,
progress bars that stay quiet with --quiet or off a terminal."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

err = Console(stderr=True)
out = Console()


class State:
    quiet = False


def emit_json(data: Any) -> None:
    sys.stdout.buffer.write(orjson.dumps(data, option=orjson.OPT_INDENT_2, default=str) + b"\n")
    sys.stdout.flush()


def show_progress() -> bool:
    return not State.quiet and err.is_terminal


@contextmanager
def ingest_progress(label: str) -> Iterator[Any]:
    """Yields a ``(bytes_done, bytes_total, records)`` callback (or None)."""
    if not show_progress():
        yield None
        return
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[records]:,} rows  {task.fields[rate]:,.0f} rows/s"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=err,
        transient=False,
    )
    with progress:
        task = progress.add_task(label, total=1, records=0, rate=0.0)

        def update(done: int, total: int, records: int) -> None:
            elapsed = progress.tasks[task].elapsed or 0.0
            rate = records / elapsed if elapsed > 0 else 0.0
            progress.update(task, completed=done, total=max(total, 1), records=records, rate=rate)

        yield update


@contextmanager
def count_progress(label: str) -> Iterator[Any]:
    """Yields a ``(done, total)`` callback (or None)."""
    if not show_progress():
        yield None
        return
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeRemainingColumn(),
        console=err,
    ) as progress:
        task = progress.add_task(label, total=1)

        def update(done: int, total: int) -> None:
            progress.update(task, completed=done, total=max(total, 1))

        yield update

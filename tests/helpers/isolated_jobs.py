"""Jobs for the isolated-worker tests: module-level, so a worker process can
import them by name."""

from __future__ import annotations

import os
import time

from threadline.errors import InputError, Location


def allocate(mib: int) -> int:
    block = bytearray(mib * 1024 * 1024)
    return len(block)


def sleep(seconds: float) -> None:
    time.sleep(seconds)


def spin() -> None:
    while True:
        pass


def refuse() -> None:
    raise InputError("bad cell", Location("upload.csv", 7, "name"), hint="fix it")


def crash() -> None:
    os.abort()


def double(n: int) -> int:
    return 2 * n

"""Re-exports imported on first use (PEP 562), for package ``__init__``
modules whose public names live in heavy submodules.

``import threadline`` would otherwise import followthemoney, the ingest
pipeline and DuckDB's store before anything asked for them, and every
``threadline`` command, even ``--help``, would pay a second or two for it.
The names stay importable as before (``from threadline import Workspace``);
the submodule is imported when a name is first read.

::

    __getattr__, __dir__ = lazy_exports(__name__, {"Workspace": "threadline.workspace"})

Type checkers do not run ``__getattr__``: list the same names under
``if TYPE_CHECKING:`` imports, and in ``__all__``.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(
    package: str, sources: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A module ``__getattr__`` and ``__dir__`` for ``package`` that import
    each public name from its module (``sources``: name -> module) on first
    use and keep it as a plain attribute afterwards."""

    def __getattr__(name: str) -> Any:
        module = sources.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *sources})

    return __getattr__, __dir__

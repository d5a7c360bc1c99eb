"""Tables of handlers: which class reads (or, later, extracts) what.

A :class:`Registry` maps a format name, file extensions and MIME types to a
:class:`Handler`, whose class is named as a ``"module:Attr"`` string and only
imported when it is used. Registering a reader therefore costs nothing at
import time: a Parquet or spreadsheet library is loaded when the first such
file is opened, not whenever Threadline starts. Base classes stay ignorant of
their subclasses; whoever needs to pick one asks a registry.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import PurePath
from types import MappingProxyType
from typing import Any, Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Handler:
    """One registered handler: its name and what it handles, and where its
    class lives (``"package.module:ClassName"``)."""

    name: str
    target: str
    #: lower-case, with the dot (``.csv``)
    extensions: tuple[str, ...] = ()
    mime_types: tuple[str, ...] = ()
    #: keyword settings that make the target handle this format (one reader
    #: class may serve several formats, e.g. CSV and TSV)
    options: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def resolve(self) -> Any:
        """Import the target's module and return the named attribute."""
        module_name, _, attr = self.target.partition(":")
        if not module_name or not attr:
            raise ValueError(f"handler {self.name!r}: target {self.target!r} is not 'module:Attr'")
        module = importlib.import_module(module_name)
        try:
            return getattr(module, attr)
        except AttributeError as exc:
            raise ImportError(
                f"handler {self.name!r}: {module_name} has no {attr!r}", name=module_name
            ) from exc


class Registry(Generic[T]):
    """Handlers of one kind, each resolving to a subclass of ``base``.

    Names, extensions and MIME types are unique within a registry: two
    handlers claiming ``.json`` would make detection depend on registration
    order, so that fails when registering, not when a file is opened."""

    # ``base`` is not ``type[T]``: mypy refuses an abstract class there, and
    # a reader base is abstract. Declare the registry as ``Registry[Base]``.
    def __init__(self, kind: str, base: type[Any]) -> None:
        self.kind = kind
        self.base = base
        self._handlers: dict[str, Handler] = {}
        self._extensions: dict[str, Handler] = {}
        self._mime_types: dict[str, Handler] = {}

    def register(
        self,
        name: str,
        target: str,
        *,
        extensions: Iterable[str] = (),
        mime_types: Iterable[str] = (),
        options: Mapping[str, Any] | None = None,
    ) -> Handler:
        handler = Handler(
            name=name,
            target=target,
            extensions=tuple(e.lower() for e in extensions),
            mime_types=tuple(m.lower() for m in mime_types),
            options=MappingProxyType(dict(options or {})),
        )
        if ":" not in target:
            raise ValueError(f"{self.kind} {name!r}: target {target!r} is not 'module:Attr'")
        if name in self._handlers:
            raise ValueError(f"{self.kind} {name!r} is already registered")
        for ext in handler.extensions:
            if not ext.startswith("."):
                raise ValueError(f"{self.kind} {name!r}: extension {ext!r} must start with '.'")
            if ext in self._extensions:
                raise ValueError(
                    f"{self.kind} {name!r}: {ext} is already {self._extensions[ext].name!r}'s"
                )
        for mime in handler.mime_types:
            if mime in self._mime_types:
                raise ValueError(
                    f"{self.kind} {name!r}: {mime} is already {self._mime_types[mime].name!r}'s"
                )
        self._handlers[name] = handler
        self._extensions.update(dict.fromkeys(handler.extensions, handler))
        self._mime_types.update(dict.fromkeys(handler.mime_types, handler))
        return handler

    def __iter__(self) -> Iterator[Handler]:
        return iter(self._handlers.values())

    def __len__(self) -> int:
        return len(self._handlers)

    def __contains__(self, name: object) -> bool:
        return name in self._handlers

    def names(self) -> list[str]:
        """Handler names in registration order."""
        return list(self._handlers)

    def get(self, name: str) -> Handler | None:
        return self._handlers.get(name)

    def for_path(self, path: PurePath) -> Handler | None:
        """The handler for a file name's extension. The last known suffix
        wins, so ``people.2024.csv`` is CSV and ``dump.csv.bak`` still is."""
        for suffix in reversed(path.suffixes):
            handler = self._extensions.get(suffix.lower())
            if handler is not None:
                return handler
        return None

    def for_mime(self, mime_type: str) -> Handler | None:
        # Parameters (``; charset=utf-8``) do not change the format.
        return self._mime_types.get(mime_type.split(";")[0].strip().lower())

    def load(self, handler: Handler | str) -> type[T]:
        """The handler's class, imported now if it was not yet."""
        if isinstance(handler, str):
            found = self.get(handler)
            if found is None:
                raise KeyError(f"no {self.kind} named {handler!r}")
            handler = found
        target = handler.resolve()
        if not (isinstance(target, type) and issubclass(target, self.base)):
            raise TypeError(
                f"{self.kind} {handler.name!r}: {handler.target} is not a "
                f"{self.base.__module__}.{self.base.__qualname__}"
            )
        return target

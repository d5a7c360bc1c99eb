"""The command line beside a running server: ``threadline serve`` holds the
workspace's store (DuckDB lets one process write it), so a command that
needs the store hands itself to the server instead, through a local control
channel, and the server runs it on the store it holds, exactly as this
process would have: same arguments, working directory, ``THREADLINE_*``
environment, console width and standard input; its output and exit code
come back.

The channel is a Unix socket in a folder only this OS user can enter
(``$XDG_RUNTIME_DIR``, else ``/tmp/threadline-UID``, mode 0700, refused
when it is anyone else's or open to others); the server also checks each
caller's user id (``SO_PEERCRED``) and answers only its own user. So only
the user who may read the workspace's files anyway can run commands through
it. ``THREADLINE_NO_FORWARD=1`` turns forwarding off (the command then meets
the store's lock and exits 3, as before).

Forwarded commands run one at a time, each holding the workspace for its
duration like an API request; web requests wait meanwhile (long work is
better started as a job: ``POST /api/v1/jobs``, followed by ``threadline
jobs``).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import json
import os
import socket
import socketserver
import struct
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from rich.console import Console

    from threadline.workspace import Workspace

#: commands that open the workspace's store; the rest (init, demo, serve,
#: users, audit, jobs) use the app database or no workspace, and run here
FORWARDED = frozenset(
    {
        "ingest", "search", "show", "export", "stats", "reindex", "resolve", "review",
        "judge", "match", "datasets", "retention", "graph", "judgements",
    }
)  # fmt: skip
#: the environment a forwarded command sees of its caller's
ENV_PREFIX = "THREADLINE_"
NO_FORWARD = "THREADLINE_NO_FORWARD"
_ROOT_VALUE_OPTIONS = ("-w", "--workspace")
_ROOT_FLAGS = ("-q", "--quiet")
_MAX_FRAME = 1 << 31


# -- where the socket is ------------------------------------------------------------


def _private_dir() -> Path | None:
    """A folder only this user can enter, made if missing; None when the
    one we would use belongs to someone else or is open to others."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    base = Path(runtime) if runtime and Path(runtime).is_dir() else None
    folder = (base or Path("/tmp")) / f"threadline-{os.getuid()}"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        info = folder.lstat()
    except OSError:
        return None
    if not folder.is_dir() or folder.is_symlink():
        return None
    if info.st_uid != os.getuid() or info.st_mode & 0o077:
        return None
    return folder


def socket_path(workspace: Path) -> Path | None:
    """The control socket of the server holding ``workspace`` (a short path:
    socket paths are limited to about 100 bytes)."""
    folder = _private_dir()
    if folder is None:
        return None
    key = hashlib.sha256(str(Path(workspace).resolve()).encode()).hexdigest()[:24]
    return folder / f"{key}.sock"


# -- frames: a 4-byte length, then JSON ------------------------------------------------


def _send(sock: socket.socket, message: dict[str, Any]) -> None:
    data = json.dumps(message).encode()
    sock.sendall(struct.pack("!I", len(data)) + data)


def _receive_exactly(sock: socket.socket, size: int) -> bytes:
    chunks = bytearray()
    while len(chunks) < size:
        chunk = sock.recv(min(size - len(chunks), 1 << 20))
        if not chunk:
            raise ConnectionError("the other side closed the control channel")
        chunks += chunk
    return bytes(chunks)


def _receive(sock: socket.socket) -> dict[str, Any]:
    (size,) = struct.unpack("!I", _receive_exactly(sock, 4))
    if size >= _MAX_FRAME:
        raise ConnectionError("control message too large")
    message = json.loads(_receive_exactly(sock, size))
    if not isinstance(message, dict):
        raise ConnectionError("malformed control message")
    return message


# -- the client: this command, handed to the server -----------------------------------


def _command_and_workspace(argv: list[str]) -> tuple[str | None, str | None]:
    """The command name and the ``-w`` value among the root options."""
    workspace = None
    i = 0
    while i < len(argv):
        token = argv[i]
        if token in _ROOT_VALUE_OPTIONS:
            workspace = argv[i + 1] if i + 1 < len(argv) else None
            i += 2
            continue
        if token.startswith("--workspace="):
            workspace = token.split("=", 1)[1]
        elif token.startswith("-w") and len(token) > 2:
            workspace = token[2:]
        elif token in _ROOT_FLAGS:
            pass
        elif token.startswith("-"):
            return None, workspace  # --help and the like: answered here
        else:
            return token, workspace
        i += 1
    return None, workspace


def _asks_questions(command: str, args: list[str]) -> bool:
    """``threadline review`` at a terminal asks a question per case; the
    server cannot ask them on this terminal."""
    quiet = {"--json", "--bulk", "--help"}
    return command == "review" and sys.stdin.isatty() and not quiet & set(args)


def server_holds(workspace: Path) -> bool:
    """Whether a running server answers on ``workspace``'s control socket."""
    path = socket_path(workspace)
    if path is None or not path.exists():
        return False
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        try:
            sock.connect(str(path))
        except OSError:
            return False
    return True


def forward_if_held(argv: list[str]) -> int | None:
    """Run this command on the server holding its workspace, when one does:
    its exit code (the output already written here); None to run it here."""
    from threadline.cli.common import fail
    from threadline.errors import ThreadlineError

    try:
        return _forward(argv)
    except ThreadlineError as exc:
        return fail(exc)


def _forward(argv: list[str]) -> int | None:
    if os.environ.get(NO_FORWARD):
        return None
    command, explicit = _command_and_workspace(argv)
    if command not in FORWARDED or "--help" in argv:
        return None
    from threadline.errors import ThreadlineError, WorkspaceError
    from threadline.workspace import Workspace

    try:
        workspace = Workspace.locate(explicit)
    except ThreadlineError:
        return None  # the command reports it, as it always has
    path = socket_path(workspace)
    if path is None or not path.exists():
        return None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(str(path))
    except OSError:
        sock.close()
        return None  # a socket left by a server that died: nobody holds the store
    with sock:
        if _asks_questions(command, argv):
            raise WorkspaceError(
                "`threadline review` asks its questions at a terminal, and a server holds "
                "this workspace; review in the web UI (/review), or read the queue with "
                "`threadline review --json` and record judgements with `threadline judge`"
            )
        from threadline.cli.common import err, out

        stdin = b""
        if command == "ingest" and "-" in argv:
            stdin = sys.stdin.buffer.read()
        _send(
            sock,
            {
                "argv": argv,
                "cwd": os.getcwd(),
                "env": {k: v for k, v in os.environ.items() if k.startswith(ENV_PREFIX)},
                "widths": [out.width, err.width],
                "stdin": base64.b64encode(stdin).decode(),
            },
        )
        reply = _receive(sock)
    sys.stdout.flush()
    sys.stdout.buffer.write(base64.b64decode(reply["stdout"]))
    sys.stdout.flush()
    sys.stderr.flush()
    sys.stderr.buffer.write(base64.b64decode(reply["stderr"]))
    sys.stderr.flush()
    code = reply["code"]
    assert isinstance(code, int)
    return code


# -- the server: running a command on the store it holds ------------------------------


class _Held:
    """What ``open_workspace()`` hands a forwarded command: the server's
    workspace, under its lock, left open afterwards."""

    def __init__(self, path: Path, data: Any) -> None:
        self.path = path
        self.data = data

    def open(self, located: Path) -> AbstractContextManager[Workspace] | None:
        if located.resolve() != self.path:
            return None
        return self._as_located(located)

    @contextmanager
    def _as_located(self, located: Path) -> Iterator[Workspace]:
        with self.data() as ws:
            yield cast("Workspace", _AsLocated(ws, located))


class _AsLocated:
    """The server's workspace, but with the path as the caller spelled it
    (``threadline stats`` prints it); everything else is the workspace's."""

    def __init__(self, ws: Workspace, path: Path) -> None:
        self._ws = ws
        self.path = path

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ws, name)


@contextmanager
def _console_as(console: Console, width: int) -> Iterator[None]:
    """Write as the caller's console would, without colour (its output goes
    back over a socket), at the caller's width."""
    saved = console._width, console._color_system
    console._width, console._color_system = width, None
    try:
        yield
    finally:
        console._width, console._color_system = saved


@contextmanager
def _environment(env: dict[str, str]) -> Iterator[None]:
    saved = {k: v for k, v in os.environ.items() if k.startswith(ENV_PREFIX)}
    for key in saved:
        del os.environ[key]
    os.environ.update({k: v for k, v in env.items() if k.startswith(ENV_PREFIX)})
    try:
        yield
    finally:
        for key in [k for k in os.environ if k.startswith(ENV_PREFIX)]:
            del os.environ[key]
        os.environ.update(saved)


class ControlServer:
    """The server's end: a thread answering on the socket, one command at a
    time (a command changes the process's working directory and environment
    while it runs)."""

    def __init__(self, workspace: Path, data: Any, command: Callable[..., Any]) -> None:
        """``command``: the ``threadline`` command line (the Typer app, or
        the root command it built), run for each caller."""
        self.workspace = Path(workspace).resolve()
        self.command = command
        self.held = _Held(self.workspace, data)
        self.path = socket_path(self.workspace)
        self._lock = threading.Lock()
        #: how many commands it has run (the tests check they were forwarded)
        self.served = 0
        self._server: socketserver.ThreadingUnixStreamServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> bool:
        """Listen; False when no private folder was found for the socket
        (commands then exit 3 beside the server, as before)."""
        if self.path is None:
            return False
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()  # left by a server that was killed
        control = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                control._handle(self.request)

        server = socketserver.ThreadingUnixStreamServer(str(self.path), Handler)
        server.daemon_threads = True
        os.chmod(self.path, 0o600)
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, name="threadline-control", daemon=True
        )
        self._thread.start()
        return True

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self.path is not None:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()

    def _handle(self, sock: socket.socket) -> None:
        creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        _pid, uid, _gid = struct.unpack("3i", creds)
        if uid != os.getuid():
            return  # another user's process: not a word
        try:
            request = _receive(sock)
            reply = self.run(request)
            self.served += 1
            _send(sock, reply)
        except (ConnectionError, OSError, ValueError):
            return

    def run(self, request: dict[str, Any]) -> dict[str, Any]:
        """Run one command as its caller would have; its output and exit code."""
        from threadline.cli.common import State, err, out, run_args

        argv = [str(a) for a in request["argv"]]
        out_width, err_width = (int(w) for w in request["widths"])
        stdout = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", write_through=True)
        stderr = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", write_through=True)
        stdin = io.TextIOWrapper(io.BytesIO(base64.b64decode(request["stdin"])), "utf-8")
        with self._lock:
            cwd = os.getcwd()
            saved = sys.stdin, sys.stdout, sys.stderr
            try:
                os.chdir(request["cwd"])
                sys.stdin, sys.stdout, sys.stderr = stdin, stdout, stderr
                State.held = self.held
                with (
                    _environment(dict(request["env"])),
                    _console_as(out, out_width),
                    _console_as(err, err_width),
                ):
                    try:
                        code = run_args(self.command, argv)
                    except Exception as exc:  # noqa: BLE001 (a bug: told to the caller)
                        err.print(f"Error: the server failed running the command: {exc!r}")
                        code = 1
            finally:
                State.held = None
                State.workspace, State.quiet = None, False
                sys.stdin, sys.stdout, sys.stderr = saved
                os.chdir(cwd)
        return {
            "code": code,
            "stdout": base64.b64encode(_bytes_of(stdout)).decode(),
            "stderr": base64.b64encode(_bytes_of(stderr)).decode(),
        }


def _bytes_of(stream: io.TextIOWrapper) -> bytes:
    stream.flush()
    raw = stream.buffer
    assert isinstance(raw, io.BytesIO)
    return raw.getvalue()

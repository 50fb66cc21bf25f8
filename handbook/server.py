"""Running the app in this process, for ``serve`` and ``preview`` alike: the listening socket,
uvicorn, the start line, Ctrl+C, and the process's own build folder.

Each server process builds into its own folder under ``.handbook/`` (a :class:`Workspace`),
so two servers on one project never write into each other's site; the folder goes when the
process stops, and a folder left by a killed process goes when the next server starts.
"""

from __future__ import annotations

import fcntl
import gc
import itertools
import os
import shutil
import signal
import socket
import sqlite3
import sys
import tempfile
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from types import FrameType, TracebackType
from typing import IO, Any

from starlette.types import ASGIApp

from handbook.build import BuildFailed, BuildResult, build
from handbook.layout import GENERATED
from handbook.project import SourceCache
from handbook.records import stores
from handbook.records.database import Target, shown
from handbook.records.errors import StoreUnavailable
from handbook.records.store import Store
from handbook.service import logs
from handbook.service.deadlines import READ_TIMEOUT, with_read_timeout
from handbook.service.state import TOKEN_VARIABLE, token_problem

RUN_PREFIX = "run-"
LOCK = ".lock"
GOODBYE = "Stopped; goodbye."
KEEP_ALIVE = 5.0


class Fail(Exception):
    """The command cannot go on: ``lines`` go to standard error and the process exits ``code``."""

    def __init__(self, lines: list[str], code: int = 1) -> None:
        super().__init__("\n".join(lines))
        self.lines, self.code = lines, code


def say(line: str, error: bool = False) -> None:
    print(line, file=sys.stderr if error else sys.stdout, flush=True)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def serving(command: Callable[[ExitStack], None]) -> int:
    """Run a server command; Ctrl+C or SIGTERM ends it with exit 0 and one goodbye line, after
    everything it opened (listed on the ``ExitStack`` it is given) is closed again."""
    handlers = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        with ExitStack() as resources:
            command(resources)
    except Fail as failed:
        for line in failed.lines:
            say(line, error=True)
        return failed.code
    except KeyboardInterrupt:
        pass
    finally:
        for number, handler in handlers.items():
            if handler is not None:  # None: set outside Python, and nothing to put back
                signal.signal(number, handler)
    say(GOODBYE)
    return 0


def check_token(token: str | None) -> None:
    problem = token_problem(token)
    if problem:
        raise Fail([problem], 2)


def bind(host: str, port: int) -> socket.socket:
    """The server's socket, bound at once so a busy port is one clear line before any build."""
    # IPPROTO_TCP, not 0: asyncio only turns Nagle off (TCP_NODELAY) on sockets that say they
    # are TCP; without it every kept-alive answer waits ~40 ms for the client's delayed ACK.
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError as error:
        listener.close()
        raise Fail([f"cannot listen on {host}:{port}: {error.strerror} (try --port)"], 2) from None
    return listener


def open_store(resources: ExitStack, db: Target) -> Store:
    """The records store (a SQLite file or a PostgreSQL URL), closed with the server; one line,
    not a traceback, if it cannot open."""
    try:
        store = stores.open_store(db)
    except (OSError, sqlite3.Error, StoreUnavailable) as error:
        what = "records file" if isinstance(db, Path) else "records database"
        raise Fail([f"{shown(db)}: cannot open the {what}: {error}"]) from None
    resources.callback(store.close)
    return store


def start_logs(verbosity: int, audit_file: Path) -> None:
    """The access and audit logs (:mod:`handbook.service.logs`); one line if the audit file
    cannot be written."""
    try:
        logs.configure(verbosity, audit_file)
    except OSError as error:
        raise Fail([f"{audit_file}: cannot write the audit log: {error.strerror}"]) from None


def base_url(listener: socket.socket) -> str:
    host, port = listener.getsockname()[:2]
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def start_line(url: str, token: str | None, store_path: Path | str) -> str:
    """What the server says once it answers: where, the HR page, exports, the records file."""
    exports = "exports on" if token else f"exports off: set {TOKEN_VARIABLE}"
    return (f"Serving the handbook on {url} (HR page {url}hr, {exports}; records in {store_path}; "
            "Ctrl+C to stop)")


@dataclass(frozen=True)
class Options:
    """How the process treats connections: which proxies' forwarded headers it believes
    (none unless configured: anyone else could claim any address and walk past the rate
    limits), how long a request may take to arrive, and how much uvicorn itself says."""

    forwarded_allow_ips: str | None = None
    read_timeout: float = READ_TIMEOUT
    keep_alive: float = KEEP_ALIVE
    verbosity: int = 0


DEFAULT_OPTIONS = Options()


GIL_SWITCH = 0.0005
"""Seconds a thread may hold the GIL while another waits (Python's default is 0.005). The event
loop and the records writer take turns many times per batch (the writer lets go in every SQLite
step); at 5 ms each turn can keep a request, or the commit it waits for, that long: under the
32-client load, a tenth of the switch interval gave more records/s and a lower p99."""


def tune_process(settled: bool = True) -> None:
    """Process-wide settings for a serving process, made where it starts (never in the app
    factory, so tests and tools that build an app keep Python's defaults), once its app and
    project are loaded. When those live as long as the process (``settled``: ``serve``, not the
    preview, which loads a new project on every save and must be able to free the old one), the
    garbage collector is told to leave them (``gc.freeze``) instead of walking all of them in
    each full collection (some 30 ms for the shipped handbook, a pause for every request in
    flight)."""
    sys.setswitchinterval(GIL_SWITCH)
    if settled:
        gc.freeze()


def run(app: ASGIApp, listener: socket.socket, token: str | None, store: Path | str,
        options: Options = DEFAULT_OPTIONS, settled: bool = True) -> None:
    """Accept connections from now on, say so, and serve until interrupted; ``settled``: see
    :func:`tune_process`."""
    import uvicorn

    tune_process(settled)
    listener.listen(2048)  # queue connections from the moment the address is printed
    say(start_line(base_url(listener), token, store))
    trusted = options.forwarded_allow_ips or None
    config = uvicorn.Config(app, log_level="info" if options.verbosity > 0 else "warning", access_log=False,
                            http=with_read_timeout(options.read_timeout), server_header=False,
                            proxy_headers=trusted is not None, forwarded_allow_ips=trusted or "",
                            timeout_keep_alive=max(1, int(options.keep_alive)))
    uvicorn.Server(config).run(sockets=[listener])


def built(result: BuildResult, again: bool, warn: bool = True) -> None:
    """The one line a build prints ("built" the first time, "rebuilt" after), and its warnings."""
    say(f"{'rebuilt' if again else 'built'} {result.pages} pages in {result.total_seconds:.2f} s")
    for warning in result.warnings if warn else ():
        say(warning, error=True)
    for notice in () if again else result.notices:
        say(notice, error=True)


def build_lines(error: Exception) -> list[str]:
    """A failed build as lines to print: its own for BuildFailed, one line for anything else."""
    if isinstance(error, BuildFailed):
        return error.lines
    return [f"build failed: {error}" if str(error) else f"build failed: {error!r}"]


class Workspace:
    """This process's folder under ``.handbook/``: the generated Markdown and each build's site."""

    def __init__(self, root: Path) -> None:
        base = root / GENERATED
        try:
            base.mkdir(parents=True, exist_ok=True)
            remove_abandoned(base)
            self.path = Path(tempfile.mkdtemp(prefix=RUN_PREFIX, dir=base))
            self._lock = _locked(self.path / LOCK)
        except OSError as error:
            raise Fail([f"{base}: cannot make a build folder here: {error.strerror} "
                        "(serve an already built site with --site-dir)"]) from None
        self._numbers = itertools.count(1)

    def next_site(self) -> Path:
        """A new, empty folder name for the next build's site."""
        return self.path / f"site-{next(self._numbers)}"

    def build(self, root: Path, cache: SourceCache | None = None,
              plugins: Mapping[str, Any] | None = None) -> BuildResult:
        return build(root, site_dir=self.next_site(), out=self.path, cache=cache, plugins=plugins)

    def close(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        self._lock.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


def _locked(path: Path) -> IO[str]:
    """A lock file held for the life of the process; locked before it has its name, so no other
    process ever finds it unlocked while this one lives."""
    handle, temporary = tempfile.mkstemp(dir=path.parent)
    file = os.fdopen(handle, "w")
    fcntl.flock(file, fcntl.LOCK_EX)
    os.replace(temporary, path)
    return file


def remove_abandoned(base: Path) -> None:
    """Remove folders whose server is gone (killed before it could clean up)."""
    for folder in base.glob(f"{RUN_PREFIX}*"):
        try:
            with (folder / LOCK).open() as file:
                fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # held by a live server, or still being made
            continue
        shutil.rmtree(folder, ignore_errors=True)

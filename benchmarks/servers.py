"""Servers under load, each in its own process: ``handbook serve`` and the floor.

``python -m benchmarks.servers DB PORT`` runs the floor (benchmarks/floor.py) under uvicorn
with one worker and no access log, as ``handbook serve`` runs the records service; with
``PROJECT SITE`` after them it runs the service itself the same way. Both get uvicorn's h11
protocol and asyncio's loop by name, as ``handbook serve`` does (its read deadline is an h11
protocol): uvicorn's "auto" would hand the floor httptools' C parser or uvloop wherever they
happen to be installed, and the comparison would then measure the parser, not the service.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from starlette.types import ASGIApp

from benchmarks.workspace import ENV, ROOT

HOST = "127.0.0.1"


@contextmanager
def running(command: list[str], port: int, log_path: Path | None = None, start_timeout: float = 60
            ) -> Iterator[subprocess.Popen[bytes]]:
    """A server process answering on 127.0.0.1:port until the block ends; then it is stopped.

    Its output goes to ``log_path`` (or a temporary file), never to a pipe nobody reads;
    ``start_timeout`` is how long its start (a preview's first build) may take.
    """
    with log_path.open("w+") if log_path else tempfile.TemporaryFile("w+") as log:
        server = subprocess.Popen(command, cwd=ROOT, env=ENV, start_new_session=True,
                                  stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_until_up(server, port, log, start_timeout)
            yield server
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()


def _wait_until_up(server: subprocess.Popen[bytes], port: int, log: IO[str], timeout: float = 60) -> None:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if server.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"server exited: {log.read()[-2000:]}")
        try:
            urllib.request.urlopen(f"http://{HOST}:{port}/api/records", timeout=2)
        except urllib.error.HTTPError:
            return  # 405: up, and refusing GET as it should
        except OSError:
            time.sleep(0.05)
            continue
        return
    raise RuntimeError("server did not start in time")


def service_app(project: Path, database: Path, site: Path) -> ASGIApp:
    """The app ``handbook serve --site-dir`` runs (the same factory), for uvicorn's own socket."""
    from handbook.app import create_app
    from handbook.records.store import Store
    from handbook.serve import prebuilt
    from handbook.service.site import ServedSite

    return create_app(ServedSite(prebuilt(project.resolve(), site)), Store(database))


def server_command(database: Path, port: int, project: Path | None = None, site: Path | None = None
                   ) -> list[str]:
    """The floor, or (with a project and its built site) the service, under ``uvicorn.run``."""
    extra = [str(project), str(site)] if project and site else []
    return [sys.executable, "-m", "benchmarks.servers", str(database), str(port), *extra]


def main() -> None:
    """``DB PORT``: the floor; ``DB PORT PROJECT SITE``: the service, on a socket uvicorn makes."""
    import uvicorn

    from benchmarks.floor import create_app

    database, port = Path(sys.argv[1]), int(sys.argv[2])
    if len(sys.argv) > 4:
        from handbook.server import tune_process

        app = service_app(Path(sys.argv[3]), database, Path(sys.argv[4]))
        tune_process()  # as `handbook serve` starts, once its app is made
    else:
        app = create_app(database)
    uvicorn.run(app, host=HOST, port=port, log_level="warning", access_log=False, http="h11", loop="asyncio")


if __name__ == "__main__":
    main()

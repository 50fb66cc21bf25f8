"""A throwaway PostgreSQL server for the tests and the benchmarks: Debian's ``postgresql``
package, an ``initdb`` cluster in a temporary folder, listening on 127.0.0.1 on a free port.

PostgreSQL refuses to run as root, so as root (CI) the cluster belongs to the ``postgres``
system user the package creates (or ``nobody``), in a folder made for it.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from types import TracebackType

from benchmarks.workspace import free_port

START_TIMEOUT = 60.0


def binaries() -> Path | None:
    """The newest installed server's ``bin`` folder (``/usr/lib/postgresql/N/bin``), if any."""
    def major(path: str) -> int:
        name = Path(path).parent.parent.name
        return int(name) if name.isdigit() else 0

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=major)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _owner() -> pwd.struct_passwd | None:
    """Who runs the server: this user, or as root a user PostgreSQL accepts."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError("running as root and neither a 'postgres' nor a 'nobody' user exists for PostgreSQL")


class Cluster:
    """A running server; ``url(database)`` for a client, :meth:`create` for a fresh database."""

    def __init__(self, fsync: bool = True) -> None:
        self.bin = binaries()
        if self.bin is None:
            raise RuntimeError("PostgreSQL is not installed (Debian: apt-get install postgresql)")
        self.owner = _owner()
        # As root, a folder the server's user can reach (a TMPDIR under /root would not be).
        self.folder = Path(tempfile.mkdtemp(prefix="handbook-pg-", dir="/tmp" if self.owner else None))
        self.data = self.folder / "data"
        self.port = free_port()
        self.fsync = fsync
        self.log = self.folder / "server.log"

    def _run(self, *command: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        prefix = ["runuser", "-u", self.owner.pw_name, "--"] if self.owner else []
        return subprocess.run([*prefix, *command], check=check, capture_output=True, text=True, timeout=120)

    def start(self) -> Cluster:
        if self.owner:
            os.chmod(self.folder, 0o700)
            os.chown(self.folder, self.owner.pw_uid, self.owner.pw_gid)
        assert self.bin is not None
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
                  "-E", "UTF8", "--locale=C.UTF-8" if _has_c_utf8() else "--locale=C")
        settings = (f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories='' "
                    f"-c max_connections=200 -c fsync={'on' if self.fsync else 'off'} "
                    "-c shared_buffers=64MB")
        started = self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o",
                            settings, "-w", "-t", str(int(START_TIMEOUT)), "start", check=False)
        if started.returncode != 0:
            log = self.log.read_text(errors="replace") if self.log.exists() else ""
            raise RuntimeError(f"PostgreSQL did not start: {started.stderr}{started.stdout}{log}")
        return self

    def version(self) -> str:
        """The server's major version (the package folder's name, ``15``)."""
        return self.bin.parent.name if self.bin else "?"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create(self, prefix: str = "handbook") -> str:
        """A new, empty database; its URL."""
        import psycopg

        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url(), autocommit=True) as db:
            db.execute(f'CREATE DATABASE "{name}"'.encode())
        return self.url(name)

    def stop(self) -> None:
        if self.bin is not None and self.data.exists():
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop",
                      check=False)
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()


def _has_c_utf8() -> bool:
    return Path("/usr/lib/locale/C.utf8").exists() or Path("/usr/lib/locale/C.UTF-8").exists()


def wait_ready(url: str, timeout: float = START_TIMEOUT) -> None:
    """Until a client connects (the server may still be starting after pg_ctl returned)."""
    import psycopg

    deadline = time.monotonic() + timeout
    while True:
        try:
            psycopg.connect(url, connect_timeout=2).close()
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)

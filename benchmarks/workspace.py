"""Copies of the project, timed subprocesses and small statistics the suites share."""

from __future__ import annotations

import math
import os
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from handbook.layout import GENERATED, copy_sources

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONDONTWRITEBYTECODE": "1"}
HANDBOOK = [sys.executable, "-c", "from handbook.cli import main; main()"]
BUILT = re.compile(r"built (\d+) pages into .* in ([\d.]+) s \(generator ([\d.]+) s\)")


def copy_project(target: Path, source: Path = ROOT) -> Path:
    """A fresh copy of a handbook project's sources (never its .handbook or site folders)."""
    shutil.rmtree(target, ignore_errors=True)
    return copy_sources(source, target)


def timed_run(
    command: list[str], cwd: Path = ROOT, timeout: float = 300, env: dict[str, str] | None = None
) -> tuple[float, str]:
    """Wall-clock seconds of a subprocess from start to exit (its imports included) and its output."""
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env={**ENV, **(env or {})}, capture_output=True, text=True,
                          timeout=timeout)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        lines = (done.stdout + done.stderr).splitlines()[:15]
        raise RuntimeError(f"{command[-4:]} failed:\n" + "\n".join(lines))
    return seconds, done.stdout + done.stderr


@dataclass
class ColdBuild:
    """One ``handbook build`` in a fresh process, with fresh .handbook and site folders."""

    wall_seconds: float
    pages: int
    build_seconds: float  # as handbook.build.build reports it, inside the process
    generate_seconds: float
    peak_bytes: int = 0  # the process's peak resident memory (wait4)

    @property
    def generator_share(self) -> float:
        return self.generate_seconds / self.build_seconds


def cold_build(
    project: Path, site_dir: Path, keep_generated: bool = False, cache_home: Path | None = None,
    timeout: float = 300
) -> ColdBuild:
    """A build in a fresh process; ``keep_generated`` keeps .handbook (unchanged pages) like a
    rebuild; ``cache_home`` (an empty folder) stands in for a new machine's user cache, where
    compiled templates are kept (handbook/render.py template_cache)."""
    if not keep_generated:
        shutil.rmtree(project / GENERATED, ignore_errors=True)
    shutil.rmtree(site_dir, ignore_errors=True)
    env = {"XDG_CACHE_HOME": str(cache_home)} if cache_home else None
    command = [*HANDBOOK, "build", str(project), "--site-dir", str(site_dir)]
    wall, peak, output = measured_run(command, env=env, timeout=timeout)
    match = BUILT.search(output)
    if not match:
        raise RuntimeError(f"unexpected output from handbook build: {output}")
    return ColdBuild(wall, int(match[1]), float(match[2]), float(match[3]), peak)


def free_port() -> int:
    """A port nothing listens on now (for servers whose CLI cannot take port 0)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile, the definition wrk and most load tools use."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(pct / 100 * len(ordered))))
    return ordered[rank - 1]


def median(values: list[float]) -> float:
    return statistics.median(values)


def size(n: float) -> str:
    """Bytes for people: 1.2 KB, 3.4 MB (1 KB = 1000 bytes, as the targets mean it)."""
    for unit, scale in (("MB", 1e6), ("KB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n:.0f} B"


def measured_run(command: list[str], cwd: Path = ROOT, timeout: float = 300, env: dict[str, str] | None = None
                 ) -> tuple[float, int, str]:
    """Wall seconds, peak resident memory in bytes (the child's own, from wait4) and output."""
    with tempfile.TemporaryFile("w+") as output:
        started = time.perf_counter()
        child = subprocess.Popen(command, cwd=cwd, env={**ENV, **(env or {})}, stdout=output,
                                 stderr=subprocess.STDOUT)
        try:
            _, status, usage = _wait4(child.pid, timeout)
        except TimeoutError:
            child.kill()
            child.wait()
            raise
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        text = output.read()
    if child.returncode != 0:
        raise RuntimeError(f"{command[-4:]} failed:\n" + "\n".join(text.splitlines()[:15]))
    return seconds, usage.ru_maxrss * 1024, text


def _wait4(pid: int, timeout: float) -> tuple[int, int, resource.struct_rusage]:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        found, status, usage = os.wait4(pid, os.WNOHANG)
        if found:
            return found, status, usage
        time.sleep(0.005)
    raise TimeoutError(f"process {pid} still running after {timeout} s")

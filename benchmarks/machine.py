"""The machine a run measured: figures mean little without it."""

from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
import sys
from importlib import metadata
from pathlib import Path

PACKAGES = ("mkdocs", "mkdocs-material", "jinja2", "pyyaml", "pydantic", "starlette", "uvicorn", "httpx")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory() -> str:
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        return f"{pages * size / 2**30:.1f} GiB"
    except (ValueError, OSError):
        return "unknown"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def wrk_version() -> str | None:
    """wrk's version line, or None when wrk is not installed."""
    try:
        done = subprocess.run(["wrk", "--version"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = (done.stdout + done.stderr).strip().splitlines()
    return text[0].split(" [")[0] if text else "wrk"


def describe() -> list[tuple[str, str]]:
    rows = [
        ("CPU", f"{os.cpu_count()} cores, {_cpu_model()}"),
        ("memory", _memory()),
        ("system", f"{platform.system()} {platform.release()} ({platform.machine()})"),
        ("Python", f"{platform.python_implementation()} {sys.version.split()[0]}"),
        ("SQLite", sqlite3.sqlite_version),
        ("load generator", wrk_version() or "wrk not installed: threaded http.client generator"),
    ]
    rows += [(package, _version(package)) for package in PACKAGES]
    return rows

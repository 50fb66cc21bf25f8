"""The records suite on PostgreSQL, beside SQLite's in the same ``make bench`` run.

A PostgreSQL server of the suite's own (Debian's package, ``initdb`` in the work folder, fsync
on as in production, on 127.0.0.1), then: ``handbook serve --db postgresql://...`` under the
same load as the SQLite suite, PostgreSQL's own floor (benchmarks/pgfloor.py: a bare insert
endpoint), ``records migrate`` of a 100,000-record SQLite store into it, and the CSV export
streamed back out of PostgreSQL.
"""

from __future__ import annotations

import sqlite3
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from benchmarks import records, sample
from benchmarks.loadgen import Load, run_load, tool
from benchmarks.pgserver import Cluster, binaries
from benchmarks.report import SuiteResult
from benchmarks.servers import running
from benchmarks.workspace import HANDBOOK, copy_project, free_port, measured_run, size
from handbook.build import build
from handbook.project import Project, load_project
from handbook.records.store import Store

TITLE = "Records service on PostgreSQL"
CLIENTS = (1, 8, 32)
SECONDS = 5.0
MAX_REQUESTS = 100_000
MIGRATE_RECORDS = 100_000
SERVICE = "records service, PostgreSQL"
FLOOR = "bare Starlette + PostgreSQL (floor)"


def _count(url: str) -> Callable[[], int]:
    def count() -> int:
        import psycopg

        with psycopg.connect(url) as db:
            found = db.execute("SELECT count(*) FROM records").fetchone()
            return int(found[0]) if found else 0
    return count


def _under_load(command: list[str], port: int, stored: Callable[[], int], template: str
                ) -> list[tuple[Load, int]]:
    """The suite's client counts in turn against one server, with the rows each left."""
    measured = []
    with running(command, port):
        run_load(port, records.PATH, template, 4, 1.0, 2_000)  # warm up: imports, pool, caches
        for clients in CLIENTS:
            rows_before = stored()
            load = run_load(port, records.PATH, template, clients, SECONDS, MAX_REQUESTS)
            measured.append((load, stored() - rows_before))
    return measured


def _throughput(result: SuiteResult, cluster: Cluster, project: Path, site: Path, template: str) -> None:
    runs: dict[str, list[tuple[Load, int]]] = {}
    url, port = cluster.create("service"), free_port()
    command = [*HANDBOOK, "serve", str(project), "--port", str(port), "--db", url, "--site-dir", str(site)]
    runs[SERVICE] = _under_load(command, port, _count(url), template)
    url, port = cluster.create("floor"), free_port()
    runs[FLOOR] = _under_load([sys.executable, "-m", "benchmarks.pgfloor", url, str(port)], port,
                              _count(url), template)
    table = [[server, str(load.clients), f"{load.per_second:,.0f}", f"{load.p50_ms:.1f} ms",
              f"{load.p99_ms:.1f} ms", str(load.failed), f"{load.ok:,}",
              "yes" if kept >= load.ok else f"NO: {load.ok - kept} missing"]
             for server, loads in runs.items() for load, kept in loads]
    result.table(f"POST {records.PATH}, {SECONDS:g} s per client count, PostgreSQL {cluster.version()} "
                 "with fsync and synchronous_commit on",
                 ["server", "clients", "records/s", "p50", "p99", "failed", "2xx answers",
                  "every 2xx stored"], table)
    result.note(
        f"The same load as the SQLite suite ({tool()}, closed loop, keep-alive, new acknowledgements of "
        "the shipped policy). The service: one instance, its writer thread committing each batch in one "
        "transaction under the chain's advisory lock. The floor: an insert per request through a pool of "
        "32 async connections, no checks and no chain. Server, load generator and PostgreSQL share the "
        "machine's cores. \"Every 2xx stored\" counts the rows in PostgreSQL afterwards."
    )
    service32, floor32 = (next(load for load, _ in runs[name] if load.clients == 32)
                          for name in (SERVICE, FLOOR))
    met = service32.per_second >= 1000 and service32.p99_ms < 50
    result.target("≥ 1,000 records/s at 32 clients with p99 < 50 ms, on PostgreSQL",
                  f"{service32.per_second:,.0f} records/s, p99 {service32.p99_ms:.1f} ms (floor: "
                  f"{floor32.per_second:,.0f}/s, p99 {floor32.p99_ms:.1f} ms)", met,
                  "" if met else "The service's own work per record (parse, validate, re-grade; see the "
                  "SQLite suite's per-record figure) runs in one Python process on a shared machine; the "
                  "floor does none of it.")


def _chained_sqlite(loaded: Project, path: Path) -> None:
    """A SQLite store of MIGRATE_RECORDS acknowledgements with a valid chain: filled fast, then
    chained by the store's own upgrade (the fill copies rows, chain values and all)."""
    sample.fill(loaded, path, [f"E{n:06d}" for n in range(MIGRATE_RECORDS)])
    with sqlite3.connect(path) as db:
        db.execute("UPDATE handbook_schema SET value = '1' WHERE name = 'version'")
    Store(path).close()


def _migrate_and_export(result: SuiteResult, cluster: Cluster, project: Path, loaded: Project,
                        work: Path) -> None:
    source, target = work / "migrate.sqlite", cluster.create("migrated")
    _chained_sqlite(loaded, source)
    started = time.perf_counter()
    seconds, rss, output = measured_run([*HANDBOOK, "records", "migrate", "--from", f"sqlite://{source}",
                                         "--to", target], cwd=work)
    line = output.strip().splitlines()[-1] if output.strip() else "no output"
    result.figure(f"`records migrate` of {MIGRATE_RECORDS:,} records, SQLite to PostgreSQL",
                  f"{seconds:.2f} s, peak RSS {size(rss)}",
                  f"copy, count check and the whole chain recomputed on PostgreSQL: \"{line[:160]}\"")
    out = work / f"pg-{uuid.uuid4().hex[:6]}.csv"
    seconds, rss, _ = measured_run([*HANDBOOK, "records", "export", str(project), "--kind",
                                    "acknowledgements", "--db", target, "--out", str(out)], cwd=work)
    result.figure(f"CSV export of {MIGRATE_RECORDS:,} records from PostgreSQL",
                  f"{seconds:.2f} s, peak RSS {size(rss)}, {size(out.stat().st_size)} of CSV",
                  "cold process, rows streamed through a server-side cursor in one snapshot")
    result.note(f"Migrate and export took {time.perf_counter() - started:.0f} s in all.")


def run(work: Path) -> SuiteResult:
    result = SuiteResult("records-postgresql", TITLE)
    if binaries() is None:
        result.note("PostgreSQL is not installed (Debian: apt-get install postgresql): nothing measured.")
        return result
    project = copy_project(work / "project")
    records._unlimited(project)  # the SQLite suite's own: the limiter is not measured
    loaded, problems = load_project(project)
    if loaded is None:
        raise RuntimeError("\n".join(map(str, problems)))
    site = build(project, site_dir=work / "site").site_dir
    with Cluster(fsync=True) as cluster:
        _throughput(result, cluster, project, site, sample.template(loaded))
        _migrate_and_export(result, cluster, project, loaded, work)
    return result

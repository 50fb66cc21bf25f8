"""The CSV export with the interpreter already started: ``python -m benchmarks.exporting PROJECT DB OUT``.

Runs ``handbook records export`` in this process after its modules are imported, so the time
is the export itself (wall and CPU seconds: the CPU time is what to read on a busy machine); a
second, traced pass gives the peak of Python allocations (tracemalloc), which shows whether the
export streams rows or holds the table in memory. Prints JSON.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import time
import tracemalloc

from handbook.cli import main as handbook_command

KIND = "acknowledgements"


def export(project: str, database: str, out: str) -> None:
    arguments = ["records", "export", project, "--kind", KIND, "--db", database, "--out", out]
    with contextlib.redirect_stderr(io.StringIO()):
        handbook_command(arguments, standalone_mode=False)


def main() -> None:
    project, database, out = sys.argv[1:4]
    started, cpu = time.perf_counter(), time.process_time()
    export(project, database, out)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    tracemalloc.start()
    export(project, database, out)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "traced_peak": peak}))


if __name__ == "__main__":
    main()

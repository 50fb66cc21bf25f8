"""The CSV export alone, in a fresh process: ``python -m benchmarks.exporting DB OUT``.

Prints JSON: seconds for the export (imports excluded), bytes written, and the peak of Python
allocations during a second, traced pass (tracemalloc), which shows whether the export
streams rows or holds the table in memory.
"""

from __future__ import annotations

import json
import resource
import sys
import time
import tracemalloc
from pathlib import Path

from generator.records.csv import RECORD_KIND, export
from generator.records.store import Store

KIND = "acknowledgements"


def write_export(store: Store, out: Path) -> None:
    with out.open("w", encoding="utf-8", newline="") as file:
        for text in export(KIND, store.rows(RECORD_KIND[KIND])):
            file.write(text)


def main() -> None:
    store, out = Store(Path(sys.argv[1])), Path(sys.argv[2])
    started = time.perf_counter()
    write_export(store, out)
    seconds = time.perf_counter() - started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    tracemalloc.start()
    write_export(store, out)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    store.close()
    print(json.dumps({"seconds": seconds, "bytes": out.stat().st_size, "peak_rss": rss,
                      "traced_peak": peak}))


if __name__ == "__main__":
    main()

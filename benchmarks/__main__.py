"""``python -m benchmarks [SUITE ...]``: run suites, print their figures, rewrite BENCHMARKS.md."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

from benchmarks import build, preview, records, records_postgres, reload, scaling, weight
from benchmarks.machine import describe
from benchmarks.report import SuiteResult, load_results, render_markdown, save_results
from benchmarks.workspace import OUT, ROOT

SUITES: dict[str, ModuleType] = {
    "build": build,
    "scaling": scaling,
    "reload": reload,
    "preview": preview,
    "weight": weight,
    "records": records,
    "records-postgresql": records_postgres,
}
"""Each suite is a module with ``TITLE`` and ``run(work_dir) -> SuiteResult``."""
RESULTS = OUT / "results.json"
ANALYSIS = Path(__file__).with_name("ANALYSIS.md")
"""Profiles and what was tried for the targets not met, written by hand; BENCHMARKS.md includes it."""
INTRO = (
    "Written by `make bench` (`python -m benchmarks`; one suite: `python -m benchmarks build`). "
    "Every figure is measured on the machine below when the suite runs; none is a pass/fail test. "
    "Suites run one after another, alone on the machine as far as the benchmark can arrange, so "
    "figures from a busy machine (other builds, test suites) read slower than they are: each suite "
    "shows the load average (1, 5 and 15 minutes) when it started. So every target is judged on a "
    "ratio to its floor or peer measured in the same run (the records service against a bare "
    "Starlette + SQLite app in alternating rounds, a save's open page against the full rebuild it "
    "used to wait for, `handbook build` against plain `mkdocs build` and Zensical of the same "
    "Markdown), and repeated figures are medians."
)


def run_suite(name: str, work: Path) -> tuple[SuiteResult, bool]:
    """One suite; a suite that breaks (a changed CLI, say) is reported, and the others still run."""
    print(f"== {name}", flush=True)
    shutil.rmtree(work, ignore_errors=True)
    load = " / ".join(f"{value:.2f}" for value in os.getloadavg())
    started = time.perf_counter()
    try:
        result, ok = SUITES[name].run(work), True
    except Exception as error:  # report it in BENCHMARKS.md rather than lose every other figure
        result, ok = SuiteResult(name, SUITES[name].TITLE), False
        result.note(f"The suite failed: {type(error).__name__}: {error}")
    result.load_average = load
    result.seconds = time.perf_counter() - started
    result.finished_at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return result, ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("suites", nargs="*", metavar="SUITE", help=f"default: all of {', '.join(SUITES)}")
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md", help="report to rewrite")
    parser.add_argument("--report-only", action="store_true",
                        help="run nothing: rewrite the report from the last figures of every suite")
    args = parser.parse_args(argv)
    unknown = [name for name in args.suites if name not in SUITES]
    if unknown:
        parser.error(f"unknown suite {', '.join(unknown)}; choose from {', '.join(SUITES)}")
    chosen = [] if args.report_only else args.suites or list(SUITES)
    results = load_results(RESULTS)
    work = OUT / "work"
    failed = []
    for name in chosen:
        results[name], ok = run_suite(name, work / name)
        failed += [] if ok else [name]
        save_results(RESULTS, results)
    if chosen:
        shutil.rmtree(work, ignore_errors=True)
    ordered = [results[name] for name in SUITES if name in results]
    analysis = ANALYSIS.read_text(encoding="utf-8") if ANALYSIS.is_file() else ""
    args.output.write_text(render_markdown(ordered, describe(), INTRO, analysis), encoding="utf-8")
    print(f"wrote {args.output}" + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Build time against handbook size: 1, 10 and 100 copies of the shipped policy.

Each size is built twice, from the same generated Markdown: by ``handbook build`` and by plain
``mkdocs build -f .handbook/mkdocs.yml``, both cold in their own process. The difference is what
the generator adds; the growth from 10 to 100 shows whether the navigation keeps the build linear.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from benchmarks.report import SuiteResult
from benchmarks.synthetic import make_handbook
from benchmarks.workspace import ColdBuild, cold_build, median, size, timed_run
from handbook.layout import CONFIG, GENERATED, SITE

TITLE = "Scaling with the number of policies"
SIZES = (1, 10, 100)
RUNS = {1: 3, 10: 3, 100: 2}
REPEAT_LIMIT = 60.0  # seconds: a size whose first build takes longer is built once (keeps `make bench` short)


def _html_pages(site: Path) -> list[Path]:
    return [p for p in site.rglob("*.html") if p.name != "404.html" and "assets" not in p.parts]


def _plain_mkdocs(project: Path) -> float:
    site = project / "site-mkdocs"
    shutil.rmtree(site, ignore_errors=True)
    command = [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(project / GENERATED / CONFIG)]
    seconds, _ = timed_run([*command, "-d", str(site)])
    return seconds


def run(work: Path) -> SuiteResult:
    result = SuiteResult("scaling", TITLE)
    rows, totals, plain, html_per_page, runs, generated = [], {}, {}, {}, {}, {}
    for count in SIZES:
        project = make_handbook(work / f"synthetic-{count}", count)
        builds: list[ColdBuild] = []
        plains: list[float] = []
        while len(builds) < RUNS[count] and not (builds and builds[0].wall_seconds > REPEAT_LIMIT):
            builds.append(cold_build(project, project / SITE))  # alternated, so drift hits both alike
            plains.append(_plain_mkdocs(project))
        runs[count] = len(builds)
        sources = len([p for p in project.rglob("*.y*ml") if GENERATED not in p.parts])
        plain[count] = median(plains)
        totals[count] = median([b.wall_seconds for b in builds])
        generate = generated[count] = median([b.generate_seconds for b in builds])
        pages = _html_pages(project / SITE)
        html = html_per_page[count] = sum(p.stat().st_size for p in pages) / len(pages)
        rows.append([
            str(count), str(builds[0].pages), f"{totals[count]:.2f} s", f"{generate:.2f} s",
            f"{totals[count] / builds[0].pages * 1000:.0f} ms", f"{plain[count]:.2f} s",
            f"{totals[count] / plain[count]:.2f}x", size(html),
        ])
    header = ["policies", "pages", "handbook build", "generator stage", "per page", "plain mkdocs build",
              "handbook / mkdocs", "mean HTML per page"]
    result.table("Synthetic handbooks (cold builds in a fresh process, median)", header, rows)
    result.note(
        "`python -m benchmarks.synthetic N DIR` writes these handbooks: the shipped policy plus N-1 copies "
        "with new ids, numbers and titles, each with a copy of every checklist, form and quiz that names "
        "the shipped policy. Each size is built alternately by `handbook build` and plain `mkdocs build`, "
        "median of " + ", ".join(f"{r} (size {n})" for n, r in runs.items()) + " runs; a size whose first "
        f"build takes over {REPEAT_LIMIT:.0f} s is built once."
    )
    growth = totals[100] / totals[10]
    result.figure("100-policy build / 10-policy build", f"{growth:.1f}x",
                  "ratio of the cold `handbook build` medians (10x the content)")
    versus = totals[100] / plain[100]
    result.figure("100-policy build / plain mkdocs build", f"{versus:.2f}x",
                  "cold `handbook build` against cold `mkdocs build -f .handbook/mkdocs.yml`, same Markdown")
    nav = "" if growth <= 12 else (
        f"the mean page grows from {size(html_per_page[10])} to {size(html_per_page[100])} of HTML. Material "
        "writes the navigation into every page; `navigation.sections` shows top-level sections open on "
        "every page and `navigation.prune` only drops the children of closed *nested* sections, so any "
        "section that lists every policy's pages makes each page carry every link and the build "
        "quadratic. navigation() (handbook/pages.py) must keep each policy's pages nested under it, "
        "and the policies in bands, for the per-page navigation to stay the same size."
    )
    result.target("100-policy build within 12x the 10-policy build", f"{growth:.1f}x", growth <= 12, nav)
    note = "" if versus <= 1.25 else (
        f"the difference is the generator stage, {generated[100]:.2f} s of the {totals[100]:.2f} s: reading "
        f"{sources:,} source files (libyaml parses them, then handbook/load.py walks every node in Python "
        "to construct each value and record its line and column) and rendering every page with Jinja2 "
        "from a cold template cache. MkDocs' own share is the same Markdown either way."
    )
    result.target("100-policy build within 1.25x plain `mkdocs build`", f"{versus:.2f}x", versus <= 1.25,
                  note)
    return result

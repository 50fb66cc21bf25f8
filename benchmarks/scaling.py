"""Build time against handbook size: 1, 10 and 100 copies of the shipped policy.

Each size is built twice, from the same generated Markdown: by ``handbook build`` and by plain
``mkdocs build -f .handbook/mkdocs.yml``, both cold in their own process. The difference is what
the generator adds; the growth from 10 to 100 shows whether the navigation keeps the build linear.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import sys
from pathlib import Path

from benchmarks.report import SuiteResult
from benchmarks.synthetic import make_handbook
from benchmarks.workspace import ColdBuild, cold_build, measured_run, median, size
from handbook.layout import CONFIG, GENERATED, SITE

TITLE = "Scaling with the number of policies"
SIZES = (1, 10, 100)
RUNS = {1: 3, 10: 3, 100: 2}
VERSUS_MKDOCS = 1.10
PEAK_LIMIT = 200_000_000  # bytes
TIMEOUT = 3600.0  # seconds for one build: a 100-policy build on a machine shared by others is slow
REPEAT_LIMIT = 60.0  # seconds: a size whose first build takes longer is built once (keeps `make bench` short)


def _html_pages(site: Path) -> list[Path]:
    return [p for p in site.rglob("*.html") if p.name != "404.html" and "assets" not in p.parts]


def _plain_mkdocs(project: Path) -> tuple[float, int]:
    """Seconds and peak memory of plain ``mkdocs build`` of the Markdown ``handbook build`` wrote."""
    site = project / "site-mkdocs"
    shutil.rmtree(site, ignore_errors=True)
    command = [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(project / GENERATED / CONFIG)]
    seconds, peak, _ = measured_run([*command, "-d", str(site)], timeout=TIMEOUT)
    return seconds, peak


def zensical_installed() -> bool:
    return importlib.util.find_spec("zensical") is not None


def _zensical(project: Path) -> tuple[float, float, int]:
    """Zensical's build of the same Markdown and config: cold (its cache cleaned), then again with
    its cache (it rebuilds only what changed, here nothing); seconds, seconds, peak memory.
    Zensical writes only inside its config's folder, so the config's site_dir points there."""
    generated = project / GENERATED
    config = generated / "zensical.yml"
    text = (generated / CONFIG).read_text(encoding="utf-8")
    config.write_text(re.sub(r"(?m)^site_dir: .*$", "site_dir: zensical-site", text), encoding="utf-8")
    command = [sys.executable, "-m", "zensical", "build", "--config-file", str(config)]
    cold, peak, _ = measured_run([*command, "--clean"], cwd=generated, timeout=TIMEOUT)
    cached, _, _ = measured_run(command, cwd=generated, timeout=TIMEOUT)
    return cold, cached, peak


def run(work: Path) -> SuiteResult:
    result = SuiteResult("scaling", TITLE)
    rows, totals, plain, html_per_page, runs, generated = [], {}, {}, {}, {}, {}
    peaks, plain_peaks, zensical = {}, {}, {}
    for count in SIZES:
        project = make_handbook(work / f"synthetic-{count}", count)
        builds: list[ColdBuild] = []
        plains: list[tuple[float, int]] = []
        while len(builds) < RUNS[count] and not (builds and builds[0].wall_seconds > REPEAT_LIMIT):
            builds.append(cold_build(project, project / SITE, timeout=TIMEOUT))  # alternated: drift hits both
            plains.append(_plain_mkdocs(project))
        runs[count] = len(builds)
        sources = len([p for p in project.rglob("*.y*ml") if GENERATED not in p.parts])
        plain[count] = median([seconds for seconds, _ in plains])
        totals[count] = median([b.wall_seconds for b in builds])
        peaks[count] = max(b.peak_bytes for b in builds)
        plain_peaks[count] = max(peak for _, peak in plains)
        generate = generated[count] = median([b.generate_seconds for b in builds])
        pages = _html_pages(project / SITE)
        html = html_per_page[count] = sum(p.stat().st_size for p in pages) / len(pages)
        if zensical_installed():
            zensical[count] = _zensical(project)
        rows.append([
            str(count), str(builds[0].pages), f"{totals[count]:.2f} s", f"{generate:.2f} s",
            f"{totals[count] / builds[0].pages * 1000:.0f} ms", f"{plain[count]:.2f} s",
            f"{totals[count] / plain[count]:.2f}x", size(peaks[count]), size(plain_peaks[count]), size(html),
            *([f"{zensical[count][0]:.2f} s / {zensical[count][1]:.2f} s, {size(zensical[count][2])}"]
              if count in zensical else []),
        ])
    header = ["policies", "pages", "handbook build", "generator stage", "per page", "plain mkdocs build",
              "handbook / mkdocs", "peak memory, handbook build", "peak memory, plain mkdocs",
              "mean HTML per page", *(["zensical build: cold / cached, peak memory"] if zensical else [])]
    result.table("Synthetic handbooks (cold builds in a fresh process, median)", header, rows)
    result.note(
        "Peak memory is each process's peak resident set (wait4), the largest of its runs. " + (
            "Zensical builds the same generated Markdown and config (site_dir moved inside the generated "
            "folder, where it writes), once with its cache cleaned and once more with its cache, once per "
            "size." if zensical else "Zensical is not installed here (`pip install zensical`), so its "
            "column is left out."))
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
    ratio = peaks[100] / plain_peaks[100]
    memory = f"{size(peaks[100])} (plain mkdocs {size(plain_peaks[100])}, {ratio:.2f}x)"
    result.figure("peak memory, 100-policy build", memory, "peak resident set of the build process")
    if 100 in zensical:
        result.figure("100-policy build / Zensical build", f"{totals[100] / zensical[100][0]:.2f}x cold, "
                      f"{totals[100] / zensical[100][1]:.2f}x its cached rebuild",
                      "cold `handbook build` against `zensical build` of the same generated tree")
    nav = "" if growth <= 12 else (
        f"the mean page grows from {size(html_per_page[10])} to {size(html_per_page[100])} of HTML. Material "
        "writes the navigation into every page; `navigation.sections` shows top-level sections open on "
        "every page and `navigation.prune` only drops the children of closed *nested* sections, so any "
        "section that lists every policy's pages makes each page carry every link and the build "
        "quadratic. navigation() (handbook/pages.py) must keep each policy's pages nested under it, "
        "and the policies in bands, for the per-page navigation to stay the same size."
    )
    result.target("100-policy build within 12x the 10-policy build", f"{growth:.1f}x", growth <= 12, nav)
    note = "" if versus <= VERSUS_MKDOCS else (
        f"the difference is the generator stage, {generated[100]:.2f} s of the {totals[100]:.2f} s (MkDocs' "
        "phase inside `handbook build` now costs what plain `mkdocs build` does). Profiled by CPU "
        f"(benchmarks/ANALYSIS.md): reading {sources:,} source files, about a third (libyaml composing "
        "nodes, then handbook/load.py recording each value's line and column), validation and "
        "cross-reference checks a tenth, and rendering every page with Jinja2 the rest, most of it "
        "Jinja's own call machinery (95,000 macro calls a build). Already done once per build or policy "
        "instead of per page: citations, tooltip lines, escaped strings, the string table; the collector "
        "is paused while the sources load. Next: an event-based loader that builds no nodes, and fewer, "
        "larger template macros."
    )
    result.target(f"100-policy build within {VERSUS_MKDOCS:.2f}x plain `mkdocs build`", f"{versus:.2f}x",
                  versus <= VERSUS_MKDOCS, note)
    heavy = "" if peaks[100] <= PEAK_LIMIT else (
        f"plain MkDocs itself peaks at {size(plain_peaks[100])} on the same Markdown: it keeps every page's "
        "Markdown, HTML and table of contents, and the search index, until the build ends.")
    result.target(f"peak memory of the 100-policy build <= {size(PEAK_LIMIT)}", size(peaks[100]),
                  peaks[100] <= PEAK_LIMIT, heavy)
    return result

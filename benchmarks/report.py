"""What a suite measured, kept as data so BENCHMARKS.md can be rewritten from it."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Figure:
    """One measured value, with how it was measured."""

    name: str
    value: str
    how: str


@dataclass
class Target:
    """A goal from the issue, the figure it is judged by, and what stands in the way if missed."""

    goal: str
    figure: str
    met: bool | None
    note: str = ""


@dataclass
class Table:
    """Figures that read best side by side (one row per synthetic handbook, per page kind, ...)."""

    title: str
    header: list[str]
    rows: list[list[str]]

    def markdown(self) -> str:
        lines = [f"**{self.title}**", "", "| " + " | ".join(self.header) + " |"]
        lines.append("|" + "|".join(" --- " for _ in self.header) + "|")
        lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in self.rows]
        return "\n".join(lines)


@dataclass
class SuiteResult:
    name: str
    title: str
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    finished_at: str = ""
    load_average: str = ""

    def figure(self, name: str, value: str, how: str) -> None:
        """Record a figure and print it at once, so a long run shows progress."""
        self.figures.append(Figure(name, value, how))
        print(f"  {name}: {value}", flush=True)

    def target(self, goal: str, figure: str, met: bool | None, note: str = "") -> None:
        self.targets.append(Target(goal, figure, met, note))
        verdict = {True: "met", False: "NOT met", None: "not measured"}[met]
        print(f"  target {goal}: {figure} ({verdict})", flush=True)

    def table(self, title: str, header: list[str], rows: list[list[str]]) -> None:
        self.tables.append(Table(title, header, rows))
        print(f"  {title}")
        for row in rows:
            print("    " + " | ".join(row), flush=True)

    def note(self, text: str) -> None:
        self.notes.append(text)
        print(f"  note: {text}", flush=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SuiteResult:
        return cls(
            name=data["name"],
            title=data["title"],
            figures=[Figure(**item) for item in data.get("figures", [])],
            tables=[Table(**item) for item in data.get("tables", [])],
            targets=[Target(**item) for item in data.get("targets", [])],
            notes=list(data.get("notes", [])),
            seconds=data.get("seconds", 0.0),
            finished_at=data.get("finished_at", ""),
            load_average=data.get("load_average", ""),
        )


def load_results(path: Path) -> dict[str, SuiteResult]:
    """The last stored result of each suite; a missing or unreadable file means none yet."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {name: SuiteResult.from_dict(item) for name, item in data.items()}


def save_results(path: Path, results: dict[str, SuiteResult]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {name: asdict(result) for name, result in results.items()}
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def _verdict(met: bool | None) -> str:
    return {True: "met", False: "**not met**", None: "not measured"}[met]


def render_markdown(results: list[SuiteResult], machine: list[tuple[str, str]], intro: str,
                    analysis: str = "") -> str:
    """BENCHMARKS.md: the machine, every target at a glance, then each suite's figures.

    ``analysis`` (benchmarks/ANALYSIS.md, written by hand: profiles and what was tried) goes
    after the targets."""
    out = ["# Benchmarks", "", intro, "", "## Machine", "", "| | |", "| --- | --- |"]
    out += [f"| {key} | {value} |" for key, value in machine]
    targets = [(suite, target) for suite in results for target in suite.targets]
    if targets:
        out += ["", "## Targets", "", "| target | figure | verdict | suite |", "| --- | --- | --- | --- |"]
        out += [
            f"| {t.goal} | {t.figure} | {_verdict(t.met)} | [{s.name}](#{s.name}) |" for s, t in targets
        ]
        missed = [t for _, t in targets if t.note]
        if missed:
            out += ["", "What stands in the way, or why a target is judged as it is:", ""]
            out += [f"- **{t.goal}**: {t.note}" for t in missed]
    if analysis.strip():
        out += ["", analysis.strip()]
    for suite in results:
        out += ["", f'<a id="{suite.name}"></a>', "", f"## {suite.title}", ""]
        busy = f" (load average {suite.load_average} when it started)" if suite.load_average else ""
        out.append(f"Suite `{suite.name}`, run {suite.finished_at} in {suite.seconds:.0f} s{busy}.")
        if suite.figures:
            out += ["", "| figure | value | how it was measured |", "| --- | --- | --- |"]
            out += [f"| {f.name} | {f.value} | {f.how} |" for f in suite.figures]
        for table in suite.tables:
            out += ["", table.markdown()]
        if suite.notes:
            out.append("")
            out += [f"- {note}" for note in suite.notes]
    return "\n".join(out) + "\n"

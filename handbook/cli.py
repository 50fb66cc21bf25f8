"""The ``handbook`` command: thin wrappers over the pipeline stages."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path

import click

from handbook import __version__
from handbook.records.contract import EXPORTS

PROJECT_DIR = click.Path(file_okay=False, dir_okay=True, exists=True, path_type=Path)


def _fail(lines: list[str], code: int = 1) -> None:
    for line in lines:
        click.echo(line, err=True)
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="handbook")
def main() -> None:
    """Build a policy handbook and training site from YAML sources."""


@main.command()
@click.argument("directory", type=PROJECT_DIR, default=".")
def check(directory: Path) -> None:
    """Validate the sources in DIRECTORY; one line per problem, exit 1 if any."""
    from handbook.build import check as check_project
    from handbook.coverage import coverage_line

    project, problems = check_project(directory.resolve())
    if problems:
        _fail([str(problem) for problem in problems] + [f"{len(problems)} problem(s) found"])
    assert project is not None
    click.echo(f"ok: {len(project.policies)} policies, {len(project.roles)} roles")
    click.echo(coverage_line(project))


@main.command()
@click.argument("directory", type=PROJECT_DIR, default=".")
@click.option("--site-dir", type=click.Path(path_type=Path), help="Where to write the site [DIR/site].")
def build(directory: Path, site_dir: Path | None) -> None:
    """Check, generate and build the site with MkDocs."""
    from handbook.build import BuildFailed
    from handbook.build import build as build_site

    try:
        result = build_site(directory, site_dir=site_dir)
    except BuildFailed as failed:
        _fail(failed.lines)
    click.echo(
        f"built {result.pages} pages into {result.site_dir} in {result.total_seconds:.2f} s "
        f"(generator {result.generate_seconds:.2f} s)"
    )


@main.command()
@click.argument("directory", type=PROJECT_DIR, default=".")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path),
              help="The SQLite records file [DIR/records.sqlite].")
@click.option("--site-dir", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="Serve this already built site as it is (no build, no live reload).")
@click.option("--roster", type=click.Path(dir_okay=False, path_type=Path),
              help="Staff roster CSV for the live report on /hr [DIR/roster.csv if present].")
def serve(directory: Path, host: str, port: int, db: Path | None, site_dir: Path | None,
          roster: Path | None) -> None:
    """Serve the site and the records service; edits to the YAML show in the open browser."""
    from handbook.serve import serve as run

    sys.exit(run(directory, host, port, db=db, site_dir=site_dir, roster=roster or directory / "roster.csv"))


@main.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Folder for *.schema.json.")
@click.option("--kind", help="Print one kind's schema (handbook, roles, policy, ...).")
def schema(out: Path | None, kind: str | None) -> None:
    """JSON Schemas of the source files, for editor autocompletion."""
    from handbook.schema import render_schema, schemas, write_schemas

    if out:
        for path in write_schemas(out):
            click.echo(f"wrote {path}")
        return
    all_schemas = schemas()
    if kind is None:
        click.echo(render_schema(all_schemas), nl=False)
    elif kind in all_schemas:
        click.echo(render_schema(all_schemas[kind]), nl=False)
    else:
        raise click.BadParameter(f"choose one of {', '.join(all_schemas)}", param_hint="--kind")


PROJECT_OPTION = click.option("--project", "project_dir", type=PROJECT_DIR, default=".", show_default=True,
                              help="The handbook project the records belong to.")
DB_OPTION = click.option("--db", type=click.Path(dir_okay=False, path_type=Path),
                         help="The SQLite records file [PROJECT/records.sqlite].")


def _project(directory: Path):
    from handbook.project import load_project

    project, problems = load_project(directory.resolve())
    if project is None:
        _fail([str(problem) for problem in problems] + ["fix the sources first (handbook check)"])
    return project


def _store(directory: Path, db: Path | None, must_exist: bool = False):
    from handbook.records.store import Store

    path = db or directory.resolve() / "records.sqlite"
    if must_exist and not path.exists():
        _fail([f"{path}: no records file here (use --db PATH)"], 2)
    return Store(path)


@main.group()
def records() -> None:
    """Records of acknowledgements, quiz attempts and forms: export for HR, import receipts."""


@records.command("export")
@click.option("--kind", required=True, type=click.Choice(list(EXPORTS)))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="CSV file [standard output].")
@click.option("--excel", is_flag=True, help="Start with a UTF-8 BOM so Excel reads the accents right.")
@PROJECT_OPTION
@DB_OPTION
def records_export(kind: str, out: Path | None, excel: bool, project_dir: Path, db: Path | None) -> None:
    """Write every record of one kind as CSV (columns in RECORDS.md)."""
    from handbook.records.csv import export_store

    _write_csv(export_store(_store(project_dir, db, must_exist=True), kind, excel=excel), out)


def _write_csv(lines: Iterable[str], out: Path | None) -> None:
    """Stream CSV text to a file (exactly as given: CRLF, BOM) or to standard output."""
    if out is None:
        stream = sys.stdout.buffer
        for text in lines:
            stream.write(text.encode("utf-8"))
        stream.flush()
        return
    with out.open("w", encoding="utf-8", newline="") as file:
        file.writelines(lines)
    click.echo(f"wrote {out}", err=True)


@records.command("import")
@click.argument("receipts", nargs=-1, required=True, type=click.Path(path_type=Path))
@PROJECT_OPTION
@DB_OPTION
def records_import(receipts: tuple[Path, ...], project_dir: Path, db: Path | None) -> None:
    """Load downloaded receipts into the store, re-graded; one line per bad file, exit 1 if any."""
    from handbook.records.importer import import_receipts

    result = import_receipts(_project(project_dir), _store(project_dir, db), receipts)
    for line in result.notes:
        click.echo(line, err=True)
    summary = f"imported {result.imported}, already stored {result.already}, failed {len(result.failed)}"
    if result.failed:
        _fail([*result.failed, summary])
    click.echo(summary)


@main.command()
@click.option("--roster", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CSV: employee_id, name, email, department, roles (a;b), hire_date.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Status CSV [standard output].")
@click.option("--html", type=click.Path(dir_okay=False, path_type=Path), help="Also write an HTML report.")
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), help="Date to judge deadlines by [today].")
@PROJECT_OPTION
@DB_OPTION
def report(roster: Path, out: Path | None, html: Path | None, as_of: datetime | None, project_dir: Path,
           db: Path | None) -> None:
    """Who is complete, missing, outdated, failed or overdue against the roster."""
    from handbook.records.html import render_report
    from handbook.records.report import build_report, status_csv
    from handbook.records.roster import read_roster

    project = _project(project_dir)
    people, problems = read_roster(roster, {role.id for role in project.roles})
    day = as_of.date() if as_of else date.today()
    result = build_report(project, people, _store(project_dir, db, must_exist=True).rows(), day)
    _write_csv(status_csv(result), out)
    if html is not None:
        title = f"Completion report: {project.handbook.organization}"
        html.write_text(render_report(result, title, roster_problems=problems), encoding="utf-8")
    for stranger in result.strangers:
        click.echo(stranger.line(), err=True)
    counts = ", ".join(f"{status} {count}" for status, count in result.counts().items())
    if problems:
        _fail([*problems, f"{len(problems)} roster row(s) left out; {counts}"])
    click.echo(counts, err=True)

"""The ``handbook`` command: thin wrappers over the pipeline stages."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NoReturn, get_args

import click

from handbook import __version__, layout
from handbook.models.engine import Engine
from handbook.records.contract import EXPORTS
from handbook.records.roster import COLUMNS as ROSTER_COLUMNS

if TYPE_CHECKING:
    from handbook.project import Project
    from handbook.records.database import Database
    from handbook.records.report import Report
    from handbook.records.store import Store

PROJECT_DIR = click.Path(file_okay=False, dir_okay=True, exists=True, path_type=Path)
PROJECT_ARGUMENT = click.argument("directory", type=PROJECT_DIR, default=".", metavar="[DIR]")


def _db_target(ctx: click.Context, param: click.Parameter, value: str | None) -> Path | str | None:
    """``--db``: a SQLite file's path (or ``sqlite:///path``), or a ``postgresql://`` URL."""
    from handbook.records.database import parse_target

    try:
        target = None if value is None else parse_target(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None
    if isinstance(target, Path) and target.is_dir():  # as click.Path(dir_okay=False) says it
        raise click.BadParameter(f"File '{value}' is a directory.")
    return target


DB_OPTION = click.option("--db", envvar="HANDBOOK_DB", callback=_db_target, metavar="FILE|URL",
                         help=f"The records: a SQLite file, or postgresql://user@host/database for "
                              f"several instances on one database [env HANDBOOK_DB; DIR/{layout.RECORDS}].")


def _fail(lines: list[str], code: int = 1) -> NoReturn:
    for line in lines:
        click.echo(line, err=True)
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="handbook")
def main() -> None:
    """Build a policy handbook and training site from YAML sources."""


@main.command()
@PROJECT_ARGUMENT
def check(directory: Path) -> None:
    """Validate the sources in DIR; one line per problem, exit 1 if any."""
    from handbook.build import check as check_project
    from handbook.coverage import coverage_line

    project, problems = check_project(directory.resolve())
    if problems:
        _fail([str(problem) for problem in problems] + [f"{len(problems)} problem(s) found"])
    assert project is not None
    from handbook.checks.quizzes import certification_warnings
    from handbook.checks.review import review_warnings

    for warning in [*certification_warnings(project), *review_warnings(project, date.today())]:
        click.echo(str(warning), err=True)
    click.echo(f"ok: {len(project.policies)} policies, {len(project.roles)} roles")
    click.echo(coverage_line(project))


@main.command()
@PROJECT_ARGUMENT
@click.option("--site-dir", type=click.Path(path_type=Path),
              help=f"Where to write the site [DIR/{layout.SITE}].")
@click.option("--engine", type=click.Choice(get_args(Engine)),
              help="What builds the site [the handbook file's engine:, else mkdocs].")
def build(directory: Path, site_dir: Path | None, engine: Engine | None) -> None:
    """Check, generate and build the site with MkDocs or Zensical."""
    from handbook.build import BuildFailed, build_once

    try:
        result = build_once(directory, site_dir=site_dir, engine=engine)
    except BuildFailed as failed:
        _fail(failed.lines)
    for warning in [*result.warnings, *result.notices]:
        click.echo(warning, err=True)
    click.echo(
        f"built {result.pages} pages into {result.site_dir} in {result.total_seconds:.2f} s "
        f"(generator {result.generate_seconds:.2f} s)"
    )


@main.group()
def export() -> None:
    """Packages for a learning management system (LMS): SCORM 1.2 or 2004, cmi5."""


_EXPORT_OPTIONS = [
    PROJECT_ARGUMENT,
    click.option("--quiz", "quiz_id", required=True, metavar="ID", help="The self-check the LMS records."),
    click.option("--course", is_flag=True,
                 help="Also the policy, its checklists and the acknowledgement, around the quiz."),
    click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
                 help="The zip to write [DIR/<quiz>[-course]-<standard>.zip]."),
    click.option("--engine", type=click.Choice(get_args(Engine)),
                 help="What builds the pages [the handbook file's engine:, else mkdocs]."),
]


def _export_options(command: Callable[..., None]) -> Callable[..., None]:
    for option in reversed(_EXPORT_OPTIONS):
        command = option(command)
    return command


@export.command("scorm")
@_export_options
@click.option("--version", "scorm_version", type=click.Choice(["1.2", "2004"]), default="1.2",
              show_default=True,
              help="SCORM 1.2 (every LMS, Moodle included) or SCORM 2004 4th edition.")
def export_scorm(directory: Path, quiz_id: str, course: bool, out: Path | None, engine: Engine | None,
                 scorm_version: Literal["1.2", "2004"]) -> None:
    """A SCORM package of a self-check (with --course, of its course) for an LMS."""
    from handbook.lms.export import export_scorm as write
    from handbook.lms.package import ExportFailed

    try:
        path = write(directory, quiz_id, scorm_version, course, out, engine)
    except ExportFailed as failed:
        _fail(failed.lines)
    click.echo(f"wrote SCORM {scorm_version} package {path}")


@export.command("cmi5")
@_export_options
def export_cmi5(directory: Path, quiz_id: str, course: bool, out: Path | None, engine: Engine | None) -> None:
    """A cmi5 package (cmi5.xml and the site) with the self-check as its assignable unit."""
    from handbook.lms.export import export_cmi5 as write
    from handbook.lms.package import ExportFailed

    if course:
        _fail(["--course: a cmi5 package holds the quiz as its one assignable unit; "
               "use export scorm --course for the course"], 2)
    try:
        path = write(directory, quiz_id, out, engine)
    except ExportFailed as failed:
        _fail(failed.lines)
    click.echo(f"wrote cmi5 package {path}")


def _address(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[str, int] | None:
    """``HOST:PORT`` (``[::1]:8000`` for IPv6) as (host, port)."""
    if value is None:
        return None
    host, colon, port = value.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not colon or not host or not port.isdigit() or int(port) > 65535:
        raise click.BadParameter("use HOST:PORT, such as 127.0.0.1:8000 or [::1]:8000")
    return host, int(port)


def _server_options(command: Callable[..., None]) -> Callable[..., None]:
    """What ``serve`` and ``preview`` share: where to listen, the records file, the roster."""
    options = [
        PROJECT_ARGUMENT,
        click.option("-a", "--dev-addr", metavar="HOST:PORT", callback=_address,
                     help="Address to listen on, as HOST:PORT; overrides --host and --port."),
        click.option("--host", default="127.0.0.1", show_default=True,
                     help="Interface to listen on (0.0.0.0 for every IPv4 interface)."),
        click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
                     help="Port to listen on (0: any free port)."),
        DB_OPTION,
        click.option("--roster", type=click.Path(dir_okay=False, path_type=Path),
                     help=f"Staff roster CSV for the live report on /hr [DIR/{layout.ROSTER} if present]."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _server_arguments(directory: Path, dev_addr: tuple[str, int] | None, host: str, port: int,
                      db: Path | str | None, roster: Path | None) -> dict[str, Any]:
    """The options of ``serve`` and ``preview`` as arguments for the server; the token from the
    environment, never from the command line (it would show in the process list)."""
    from handbook.service.state import TOKEN_VARIABLE

    root = directory.resolve()
    host, port = dev_addr or (host, port)
    return {"root": root, "host": host, "port": port, "db": db or root / layout.RECORDS,
            "roster": roster or root / layout.ROSTER, "token": os.environ.get(TOKEN_VARIABLE) or None}


@main.command()
@_server_options
@click.option("--site-dir", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="Serve this already built site as it is (no build).")
@click.option("--forwarded-allow-ips", envvar="HANDBOOK_FORWARDED_ALLOW_IPS", metavar="IPS",
              help="Comma-separated addresses of the reverse proxies whose X-Forwarded-For/-Proto to "
                   "believe (e.g. 127.0.0.1 behind a local Caddy); none by default "
                   "[env HANDBOOK_FORWARDED_ALLOW_IPS].")
@click.option("--read-timeout", type=click.FloatRange(1, 3600), default=30.0, show_default=True,
              metavar="SECONDS", help="Time a client has to send a whole request; slower ones are cut off.")
@click.option("--hr-idle-minutes", type=click.IntRange(1, 24 * 60), default=30, show_default=True,
              help="An HR session ends after this long without a request.")
@click.option("--hr-session-hours", type=click.FloatRange(0.1, 7 * 24), default=8.0, show_default=True,
              help="An HR session ends this long after sign-in, however busy.")
@click.option("-v", "--verbose", "verbose", count=True, help="Also log uvicorn's own messages.")
@click.option("-q", "--quiet", is_flag=True, help="Log only the audit (sign-ins, exports), no access log.")
def serve(directory: Path, dev_addr: tuple[str, int] | None, host: str, port: int, db: Path | str | None,
          roster: Path | None, site_dir: Path | None, forwarded_allow_ips: str | None, read_timeout: float,
          hr_idle_minutes: int, hr_session_hours: float, verbose: int, quiet: bool) -> None:
    """Production: build once, then serve the site, the records service, exports and the HR page.

    Pages are never reloaded and source errors never reach visitors; set HANDBOOK_ADMIN_TOKEN
    to enable the exports and the HR page. Each request is logged (method, path, status, time;
    nothing personal) and each sign-in, sign-out and export goes to the audit log."""
    from handbook.serve import serve as run
    from handbook.server import Options
    from handbook.service.sessions import SessionPolicy

    options = Options(forwarded_allow_ips=forwarded_allow_ips, read_timeout=read_timeout,
                      verbosity=-1 if quiet else verbose)
    sessions = SessionPolicy(idle=hr_idle_minutes * 60.0, absolute=hr_session_hours * 3600.0)
    sys.exit(run(**_server_arguments(directory, dev_addr, host, port, db, roster), site_dir=site_dir,
                 options=options, sessions=sessions))


@main.command()
@_server_options
def preview(directory: Path, dev_addr: tuple[str, int] | None, host: str, port: int, db: Path | str | None,
            roster: Path | None) -> None:
    """The author's live preview: rebuild on every save and reload the open pages.

    A failed build prints its problems and shows them over the open page; the last good site
    stays up. The records service runs too, as with serve."""
    from handbook.preview import preview as run

    sys.exit(run(**_server_arguments(directory, dev_addr, host, port, db, roster)))


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


def _project(directory: Path) -> Project:
    from handbook.project import load_project

    project, problems = load_project(directory.resolve())
    if project is None:
        _fail([str(problem) for problem in problems] + ["fix the sources first (handbook check)"])
    return project


def _store(directory: Path, db: Path | str | None, must_exist: bool = False) -> Store:
    from handbook.records.errors import StoreUnavailable
    from handbook.records.stores import open_store

    target = db or directory.resolve() / layout.RECORDS
    if must_exist and isinstance(target, Path) and not target.exists():
        _fail([f"{target}: no records file here (use --db PATH)"], 2)
    try:
        return open_store(target)
    except StoreUnavailable as error:
        _fail(error.messages, 2)


@main.group()
def records() -> None:
    """Records of acknowledgements, quiz attempts and forms: export for HR, import receipts."""


@records.command("export")
@PROJECT_ARGUMENT
@click.option("--kind", required=True, type=click.Choice(list(EXPORTS)), help="Which export.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="CSV file [standard output].")
@click.option("--excel", is_flag=True, help="Start with a UTF-8 BOM so Excel reads the accents right.")
@click.option("--include-void", is_flag=True, help="Keep voided records (their void_reason says why).")
@DB_OPTION
def records_export(directory: Path, kind: str, out: Path | None, excel: bool, include_void: bool,
                   db: Path | str | None) -> None:
    """Write every record of one kind as CSV (columns in RECORDS.md); option labels come from
    the project in DIR (ids stand for themselves when it does not load)."""
    from handbook.records.csv import export_blocks, needs_labels
    from handbook.service.logs import audit_local

    store = _store(directory, db, must_exist=True)
    labels = None
    if needs_labels(kind):  # loading the project is most of a small export's time: only when used
        from handbook.project import load_project
        from handbook.records.labels import Labels

        labels = Labels.of(load_project(directory.resolve())[0])
    try:
        _write_csv(export_blocks(store, kind, excel=excel, include_void=include_void, labels=labels), out)
    finally:
        store.close()
    audit_local(store.path, "export", file=f"{kind}.csv")


def _write_csv(blocks: Iterable[bytes], out: Path | None) -> None:
    """Stream CSV in UTF-8 to a file (exactly as given: CRLF, BOM) or to standard output."""
    if out is None:
        stream = sys.stdout.buffer
        stream.writelines(blocks)
        stream.flush()
        return
    with out.open("wb") as file:
        file.writelines(blocks)
    click.echo(f"wrote {out}", err=True)


@records.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="[DIR] RECEIPT...")
@DB_OPTION
def records_import(paths: tuple[Path, ...], db: Path | str | None) -> None:
    """Load downloaded receipts into the store, re-graded; one line per bad file, exit 1 if any.

    DIR, the project the receipts belong to (default: the current folder), comes first when
    given: it is a folder, where receipts are files."""
    from handbook.records.importer import import_receipts
    from handbook.service.logs import audit_local

    directory, receipts = (paths[0], paths[1:]) if paths[0].is_dir() else (Path("."), paths)
    if not receipts:
        raise click.UsageError("name at least one receipt file after DIR")
    store = _store(directory, db)
    try:
        result = import_receipts(_project(directory), store, receipts)
    finally:
        store.close()
    for line in result.notes:
        click.echo(line, err=True)
    summary = f"imported {result.imported}, already stored {result.already}, failed {len(result.failed)}"
    audit_local(store.path, "import", imported=str(result.imported), already=str(result.already),
                failed=str(len(result.failed)))
    if result.failed:
        _fail([*result.failed, summary])
    click.echo(summary)


def _judge(directory: Path, roster: Path | None, as_of: datetime | None, db: Path | str | None
           ) -> tuple[Project, Report, list[str], Database]:
    """The project, the completion report as of a day, the roster's problem lines, the store's database."""
    from handbook.records.report import build_report
    from handbook.records.roster import read_roster

    roster = roster or directory / layout.ROSTER
    if not roster.is_file():
        _fail([f"{roster}: no roster here (use --roster FILE)"], 2)
    project = _project(directory)
    people, problems = read_roster(roster, {role.id for role in project.roles})
    day = as_of.date() if as_of else date.today()
    store = _store(directory, db, must_exist=True)
    try:
        result = build_report(project, people, store.rows(), day)
    finally:
        store.close()
    return project, result, problems, store.database


ROSTER_OPTION = click.option("--roster", type=click.Path(dir_okay=False, path_type=Path),
                             help=f"Staff roster CSV: {', '.join(ROSTER_COLUMNS)} [DIR/{layout.ROSTER}].")
AS_OF_OPTION = click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]),
                            help="Date to judge deadlines by [today].")


@main.command()
@PROJECT_ARGUMENT
@ROSTER_OPTION
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Status CSV [standard output].")
@click.option("--html", type=click.Path(dir_okay=False, path_type=Path), help="Also write an HTML report.")
@AS_OF_OPTION
@DB_OPTION
def report(directory: Path, roster: Path | None, out: Path | None, html: Path | None, as_of: datetime | None,
           db: Path | str | None) -> None:
    """Who is complete, missing, outdated, failed or overdue against the roster."""
    from handbook.checks.review import reviews_due
    from handbook.palette import project_look
    from handbook.records.csv import encoded
    from handbook.records.html import render_report
    from handbook.records.report import status_csv

    project, result, problems, _ = _judge(directory, roster, as_of, db)
    _write_csv(encoded(status_csv(result)), out)
    if out is not None:
        click.echo(f"wrote the status CSV to {out}", err=True)
    if html is not None:
        title = f"Completion report: {project.handbook.organization}"
        page = render_report(result, title, roster_problems=problems, site_title=project.handbook.site_title,
                             reviews=reviews_due(project, result.as_of), look=project_look(project.root))
        html.write_text(page, encoding="utf-8")
        click.echo(f"wrote the HTML report to {html.resolve()} (open it in a browser)", err=True)
    for stranger in result.strangers:
        click.echo(stranger.line(), err=True)
    counts = ", ".join(f"{status} {count}" for status, count in result.counts().items())
    if problems:
        _fail([*problems, f"{len(problems)} roster row(s) left out; {counts}"])
    click.echo(counts, err=True)


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Write into DIRECTORY even if it is not empty "
              "(files of the same name are replaced, others left alone).")
def new(directory: Path, force: bool) -> None:
    """Start a handbook in DIRECTORY: an example policy, roles, checklist, form, quiz and settings."""
    from handbook.new import NewRefused, create, next_steps

    try:
        written = create(directory, force=force)
    except NewRefused as refused:
        _fail([str(refused)], 2)
    except OSError as error:
        _fail([f"{error.filename or directory}: {error.strerror}"])
    for line in next_steps(directory, written):
        click.echo(line)


@records.command("backup")
@PROJECT_ARGUMENT
@DB_OPTION
@click.option("--out", required=True, type=click.Path(path_type=Path),
              help="The backup file, or a folder to hold a dated records-YYYYMMDDTHHMMSSZ.sqlite.")
def records_backup(directory: Path, db: Path | str | None, out: Path) -> None:
    """Copy the records file with SQLite's online backup (safe while the service writes), then
    check the copy (integrity and record count) before it replaces an earlier backup."""
    from handbook.records.backup import BackupError, backup
    from handbook.records.database import shown

    if isinstance(db, str):
        _fail([f"{shown(db)}: back up a PostgreSQL database with its own tools (pg_dump, or the "
               "managed service's backups); records backup copies a SQLite file"], 2)
    try:
        done = backup(db or directory / layout.RECORDS, out)
    except BackupError as failed:
        _fail([str(failed)], failed.code)
    click.echo(done.line())


@records.command("forward")
@PROJECT_ARGUMENT
@DB_OPTION
@click.option("--every", type=click.FloatRange(1, 86400), metavar="SECONDS",
              help="Keep running, one pass every SECONDS, until interrupted [one pass].")
def records_forward(directory: Path, db: Path | None, every: float | None) -> None:
    """Send stored records to the LRS of the handbook file's lrs: settings as xAPI statements;
    each is retried (waiting longer each time) until the LRS accepts it. Exit 1 while any wait."""
    import time

    from handbook.project import load_project
    from handbook.records.xapi import COLUMNS, Outbox, credentials, forward, outbox_path

    project, problems = load_project(directory.resolve())
    if project is None or problems:
        _fail([str(problem) for problem in problems])
    settings = project.handbook.lrs
    if settings is None:
        _fail(["policy_source/handbook.yaml:1:1: no lrs: settings, so there is no LRS to forward to"])
    login = credentials(settings)
    store = _store(directory, db, must_exist=True)
    outbox = Outbox(outbox_path(store.path))
    try:
        while True:
            done = forward(store.rows(columns=COLUMNS), outbox, settings, login)
            for error in dict.fromkeys(done.errors):
                click.echo(f"not accepted yet: {error}", err=True)
            click.echo(f"sent {done.sent} statement(s) to {settings.endpoint}; {done.waiting} waiting")
            if every is None:
                break
            time.sleep(every)
    except KeyboardInterrupt:
        pass
    finally:
        store.close()
    if done.waiting:
        sys.exit(1)


@records.command("verify")
@PROJECT_ARGUMENT
@DB_OPTION
def records_verify(directory: Path, db: Path | str | None) -> None:
    """Recompute the evidence chain; name every changed, removed, inserted or reordered row.

    Prints the row count and the head hash when the chain holds (keep the head: a later
    verify ending in the same head proves nothing before it was rewritten); exit 1 if not."""
    from handbook.records.evidence import verify_store

    store = _store(directory, db, must_exist=True)
    try:
        verdict = verify_store(store)
    finally:
        store.close()
    if verdict.problems:
        summary = f"chain broken: {len(verdict.problems)} problem(s) in {verdict.rows} row(s)"
        _fail([*verdict.problems, summary])
    click.echo(f"ok: {verdict.rows} row(s) chained; head {verdict.head}")


@records.command("void")
@PROJECT_ARGUMENT
@click.argument("record_id", metavar="RECORD_ID")
@click.option("--reason", required=True, help="Why the record is void (kept with it as evidence).")
@click.option("--by", "voided_by", help="Who voids it [the signed-in system user].")
@DB_OPTION
def records_void(directory: Path, record_id: str, reason: str, voided_by: str | None,
                 db: Path | str | None) -> None:
    """Mark a record void: it stays in the store and the evidence chain, with who, when and why,
    and leaves reports and exports (unless --include-void / ?include_void=1)."""
    import getpass

    from handbook.records.void import VoidRefused, void_record

    store = _store(directory, db, must_exist=True)
    try:
        done = void_record(store, record_id, reason, voided_by or getpass.getuser())
    except VoidRefused as refused:
        _fail([str(refused)])
    finally:
        store.close()
    click.echo(f"voided {done.record_id} at {done.voided_at} (seq {done.seq})")


@records.command("evidence")
@click.argument("paths", nargs=-1, required=True, metavar="[DIR] EMPLOYEE_ID")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="The file [standard output].")
@click.option("--json", "as_json", is_flag=True, help="JSON instead of the printable HTML page.")
@DB_OPTION
def records_evidence(paths: tuple[str, ...], out: Path | None, as_json: bool,
                     db: Path | str | None) -> None:
    """One person's evidence file: every record (voided ones marked), the policy text and
    statement they saw, their answers, timestamps, browser, identity and the chain proof.

    Exit 1 when the person has no records or the chain is broken (the file is still written,
    saying so)."""
    from handbook.project import load_project
    from handbook.records.evidence import gather, render_html

    if len(paths) > 2 or (len(paths) == 2 and not Path(paths[0]).is_dir()):
        raise click.UsageError("give [DIR] EMPLOYEE_ID: DIR is the project folder")
    directory, employee_id = (Path(paths[0]), paths[1]) if len(paths) == 2 else (Path("."), paths[0])
    project = load_project(directory.resolve())[0]
    store = _store(directory, db, must_exist=True)
    try:
        evidence = gather(store, employee_id, project)
    finally:
        store.close()
    organisation = project.handbook.organization if project else ""
    text = evidence.as_json() if as_json else render_html(evidence, organisation)
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        click.echo(f"wrote {out}: {len(evidence.records)} record(s) of {evidence.employee_id}", err=True)
    if project is None:
        click.echo(f"{directory}: the project did not load (handbook check); the file says the policy "
                   "text is not available and shows option ids", err=True)
    problems = [] if evidence.records else [f"no records of employee id {evidence.employee_id}"]
    problems += evidence.chain_problems
    if problems:
        _fail(problems)


@main.command()
@PROJECT_ARGUMENT
@click.option("--policy", "policy_id", required=True, help="The id of the policy to publish.")
@click.option("--editorial", is_flag=True,
              help="A typo or formatting fix: earlier acknowledgements stay current (default: material, "
                   "everyone acknowledges again).")
@click.option("--note", help="What changed and why, shown on the 'what changed' page.")
@click.option("--date", "on", type=click.DateTime(["%Y-%m-%d"]), help="Publication date [today].")
def publish(directory: Path, policy_id: str, editorial: bool, note: str | None, on: datetime | None) -> None:
    """Record the policy's current version and words in its history (policy_source/history/);
    commit the file written. The version in the policy file must be new, or the same words."""
    from handbook.history import PublishRefused
    from handbook.history import publish as write

    project = _project(directory)
    policies = {policy.id: policy for policy in project.policies}
    if policy_id not in policies:
        _fail([f"unknown policy '{policy_id}'; known: {', '.join(sorted(policies))}"], 2)
    policy = policies[policy_id]
    try:
        done = write(project.root, policy, project.history.get(policy_id, []),
                     "editorial" if editorial else "material", note, on.date() if on else date.today())
    except PublishRefused as refused:
        _fail(refused.lines)
    where = done.path.relative_to(project.root)
    if done.already:
        click.echo(f"version {policy.version} of {policy_id} is already published with these words ({where})")
        return
    change = done.version.change
    click.echo(f"published {policy_id} version {policy.version} ({change}) to {where}; commit it")


@main.command()
@PROJECT_ARGUMENT
@ROSTER_OPTION
@click.option("--dry-run", is_flag=True, help="Print the messages that would be sent; send, record nothing.")
@AS_OF_OPTION
@DB_OPTION
def remind(directory: Path, roster: Path | None, dry_run: bool, as_of: datetime | None,
           db: Path | str | None) -> None:
    """Email each person what they still have to do (missing, outdated, failed, overdue, or a
    renewal soon due), with a link to the page; tell managers of people long overdue.

    SMTP settings come from the handbook file's reminders: block; the user name and password from
    HANDBOOK_SMTP_USER and HANDBOOK_SMTP_PASSWORD. The same reminder is not sent twice within
    interval_days (the records file keeps what was sent)."""
    import smtplib

    from handbook.records.reminders import ReminderLog
    from handbook.remind import plan, render, send
    from handbook.templatefiles import TemplateFailed

    project, result, problems, database = _judge(directory, roster, as_of, db)
    settings = project.handbook.reminders
    if settings is None:
        source = project.handbook.source.display
        _fail([f"{source}:1:1: add a reminders: block (site_url, host, port, from) to send reminders"], 2)
    for line in problems:
        click.echo(line, err=True)
    log = ReminderLog(database)
    reminders = plan(project, result, settings, log)
    try:
        render(project, reminders, result.as_of)
    except TemplateFailed as failed:
        _fail([str(failed.problem)])
    escalations = sum(reminder.escalation for reminder in reminders)
    summary = f"{len(reminders)} reminder(s), {escalations} to managers"
    if dry_run:
        for reminder in reminders:
            click.echo(f"To: {reminder.to}\nSubject: {reminder.subject}\n\n{reminder.text}\n")
        click.echo(f"dry run: would send {summary}; nothing sent", err=True)
        return
    try:
        send(reminders, settings, log, result.as_of,
             sent=lambda reminder: click.echo(f"sent to {reminder.to}: {reminder.subject}"))
    except (smtplib.SMTPException, OSError) as error:
        _fail([f"cannot send through {settings.host}:{settings.port}: {error}"])
    click.echo(f"sent {summary}", err=True)


@records.command("migrate")
@click.option("--from", "source", required=True, callback=_db_target, metavar="FILE|URL",
              help="The store to copy: sqlite:///path/records.sqlite (or a path), or a postgresql:// URL.")
@click.option("--to", "target", required=True, envvar="HANDBOOK_DB", callback=_db_target, metavar="URL|FILE",
              help="The empty store to copy into: a postgresql:// URL (or a new SQLite file) "
                   "[env HANDBOOK_DB].")
def records_migrate(source: Path | str, target: Path | str) -> None:
    """Copy every record, void entry and exam attempt to another (empty) database, then check
    the copy: the same count in every table and the chain recomputed to the source's head.

    Stop the service first for a move: records it takes during the copy stay behind."""
    from handbook.records.database import shown
    from handbook.records.migrate import MigrateRefused, copy_store

    if shown(source) == shown(target):
        _fail([f"{shown(source)}: --from and --to name the same store"], 2)
    if isinstance(source, Path) and not source.is_file():
        _fail([f"{source}: no records file here (--from)"], 2)
    stores = [_store(Path("."), source), _store(Path("."), target)]
    try:
        copied = copy_store(*stores)
    except MigrateRefused as refused:
        _fail([str(refused)])
    finally:
        for store in stores:
            store.close()
    if copied.problems:
        _fail([*copied.problems, f"the copy in {shown(target)} does not match: do not use it"])
    click.echo(f"{copied.line()} ({shown(source)} -> {shown(target)})")

"""The ``handbook`` command: thin wrappers over the pipeline stages."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from generator import __version__

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
    from generator.build import check as check_project

    project, problems = check_project(directory.resolve())
    if problems:
        _fail([str(problem) for problem in problems] + [f"{len(problems)} problem(s) found"])
    assert project is not None
    click.echo(f"ok: {len(project.policies)} policies, {len(project.roles)} roles")


@main.command()
@click.argument("directory", type=PROJECT_DIR, default=".")
@click.option("--site-dir", type=click.Path(path_type=Path), help="Where to write the site [DIR/site].")
def build(directory: Path, site_dir: Path | None) -> None:
    """Check, generate and build the site with MkDocs."""
    from generator.build import BuildFailed
    from generator.build import build as build_site

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
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
def serve(directory: Path, host: str, port: int) -> None:
    """Build and serve with live reload; edits to the YAML show in the open browser."""
    from generator.serve import serve as run

    sys.exit(run(directory, host, port))


@main.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Folder for *.schema.json.")
@click.option("--kind", help="Print one kind's schema (handbook, roles, policy, ...).")
def schema(out: Path | None, kind: str | None) -> None:
    """JSON Schemas of the source files, for editor autocompletion."""
    from generator.schema import render_schema, schemas, write_schemas

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

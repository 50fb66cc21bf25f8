"""What every command shares: the project folder as DIR (default: the current folder), default
paths from the project layout, HOST:PORT addresses, and warnings for mkdocs.yml settings the
generator replaces."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from handbook.cli import main
from handbook.layout import RECORDS, ROSTER
from tests.records_kit import acknowledgement, project_at

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_records_and_report_work_on_the_current_folder_with_its_default_files(project_copy, monkeypatch):
    receipt = project_copy.parent / "receipt.json"
    receipt.write_text(json.dumps(acknowledgement(project_at(project_copy), "E1", "Complete Person")),
                       encoding="utf-8")
    shutil.copy(FIXTURES / "roster.csv", project_copy / ROSTER)
    monkeypatch.chdir(project_copy)
    imported = run("records", "import", str(receipt))
    assert imported.exit_code == 0 and imported.stdout.strip() == "imported 1, already stored 0, failed 0"
    assert (project_copy / RECORDS).is_file()
    exported = run("records", "export", "--kind", "acknowledgements")
    assert exported.exit_code == 0 and ',"Complete Person",' in exported.stdout
    report = run("report", "--as-of", "2026-03-01")
    row = '"E1","Complete Person","e1@example.org","Parks","employee","acknowledge-admin-policy-6"'
    assert row in report.stdout
    assert report.exit_code == 1 and "roster.csv:8: unknown role 'mayor'" in report.stderr  # its bad rows


def test_a_project_folder_given_first_is_dir_for_records_import(project_copy, tmp_path):
    receipt = tmp_path / "receipt.json"
    receipt.write_text(json.dumps(acknowledgement(project_at(project_copy))), encoding="utf-8")
    result = run("records", "import", str(project_copy), str(receipt))
    assert result.exit_code == 0 and (project_copy / RECORDS).is_file()
    alone = run("records", "import", str(project_copy))
    assert alone.exit_code == 2 and "name at least one receipt file after DIR" in alone.stderr


def test_report_without_a_roster_says_where_it_looked(project_copy):
    result = run("report", str(project_copy))
    assert result.exit_code == 2
    assert result.stderr.strip() == f"{project_copy / ROSTER}: no roster here (use --roster FILE)"


@pytest.mark.parametrize("address", ["8000", "localhost:", ":8000", "localhost:99999", "host:port"])
def test_a_bad_dev_addr_is_a_usage_error(address, project_copy):
    for command in ("serve", "preview"):
        result = run(command, str(project_copy), "-a", address)
        assert result.exit_code == 2
        assert "use HOST:PORT, such as 127.0.0.1:8000 or [::1]:8000" in result.stderr


def test_every_server_option_has_help(project_copy):
    for command in ("serve", "preview"):
        text = run(command, "--help").stdout
        for option in ("-a, --dev-addr HOST:PORT", "--host", "--port", "--db", "--roster"):
            line = next(line for line in text.splitlines() if line.strip().startswith(option))
            assert len(line.split(None, len(option.split()))) > len(option.split()), line  # a help text


def test_mkdocs_settings_the_generator_replaces_are_warnings_with_their_line(project_copy, tmp_path):
    config = project_copy / "mkdocs.yml"
    overrides = "site_dir: elsewhere\nuse_directory_urls: true\nnav:\n  - index.md\n"
    config.write_text(config.read_text(encoding="utf-8") + overrides, encoding="utf-8")
    lines = config.read_text(encoding="utf-8").splitlines()
    result = run("build", str(project_copy), "--site-dir", str(tmp_path / "site"))
    assert result.exit_code == 0
    warnings = [line for line in result.stderr.splitlines() if ": warning: " in line]
    assert warnings == [
        f"mkdocs.yml:{lines.index('site_dir: elsewhere') + 1}:1: warning: site_dir is ignored: handbook "
        "writes the site to --site-dir (default site/)",
        f"mkdocs.yml:{lines.index('nav:') + 1}:1: warning: nav is ignored: handbook makes the navigation "
        "from the sources",
        f"mkdocs.yml:{lines.index('use_directory_urls: true') + 1}:1: warning: use_directory_urls is "
        "ignored: handbook's pages link to .html files (use_directory_urls: false)",
    ]
    assert (tmp_path / "site" / "index.html").is_file() and not (project_copy / "elsewhere").exists()

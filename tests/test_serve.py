"""`handbook preview` and `handbook serve` as real processes: the author's live preview (rebuild,
reload, problems over the page) and production (build once, never reload), on real ports."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from handbook.layout import GENERATED, copy_sources
from tests.records_kit import HANDBOOK, URL, Process, acknowledgement, get, post, project_at, wait_for

POLICY = "policy_source/policies/admin-policy-6.yaml"
PAGE = "/policies/admin-policy-6.html"
RELOAD = '<script src="/__handbook/reload.js"></script>'


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def version(server: Process) -> dict:
    return get(server.url + "/__handbook/version")[2]


def running(command: str, project: Path, tmp_path: Path) -> Iterator[Process]:
    server = Process(command, project, "--port", "0", "--db", str(tmp_path / "records.sqlite"),
                     log=tmp_path / f"{command}.log").started()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def preview(project_copy: Path, tmp_path: Path) -> Iterator[Process]:
    yield from running("preview", project_copy, tmp_path)


@pytest.fixture
def production(project_copy: Path, tmp_path: Path) -> Iterator[Process]:
    yield from running("serve", project_copy, tmp_path)


def test_preview_serves_the_site_and_rebuilds_on_save(preview, project_copy):
    status, _, body = get(preview.url + PAGE)
    assert status == 200 and "Glassdoor" in body and body.count(RELOAD) == 1
    before = version(preview)
    assert before["problems"] is None
    edit(project_copy / POLICY, "(e.g. Glassdoor, Vault)", "(e.g. Glassdoor, Vault, Indeed)")
    wait_for(lambda: "Indeed" in get(preview.url + PAGE)[2])
    assert version(preview)["version"] == before["version"] + 1
    output = preview.output()
    assert output.startswith("built ") and "\nrebuilt " in output and "\nbuilt " not in output


def test_a_save_serves_the_open_page_first_and_the_full_site_follows(preview, project_copy):
    """The page open in a browser (it asks for the version with its address) is rendered from
    the saved sources ahead of the full build, as a whole themed page; the rest of the site
    (here the search index) follows when the full build is swapped in, and the pages are told
    it is updating until then."""
    def open_page() -> dict:
        return get(preview.url + "/__handbook/version?page=" + PAGE)[2]

    before = open_page()
    assert before["fresh"] == 0 and before["updating"] is False
    edit(project_copy / POLICY, "(e.g. Glassdoor, Vault)", "(e.g. Glassdoor, Vault, Indeed)")
    ahead = wait_for(lambda: (state := open_page())["fresh"] == 1 and state)
    assert ahead["updating"] or ahead["version"] > before["version"]  # ahead of the site: said so
    status, _, body = get(preview.url + PAGE)
    assert status == 200 and "Indeed" in body and body.count(RELOAD) == 1
    assert 'class="md-nav' in body and "md-search" in body  # the theme's whole page, not a fragment
    wait_for(lambda: (state := open_page())["version"] == before["version"] + 1 and not state["updating"])
    index = get(preview.url + "/search/search_index.json")[2]
    assert any("Indeed" in entry["text"] for entry in index["docs"] if entry["location"].startswith(PAGE[1:]))
    output = preview.output()
    rendered = output.index("rendered policies/admin-policy-6.html in ")
    assert "the rest of the site follows" in output[rendered:] and output.index("\nrebuilt ") > rendered
    assert "Indeed" in get(preview.url + PAGE)[2]


def test_an_invalid_edit_is_reported_and_the_last_good_site_stays(preview, project_copy):
    edit(project_copy / POLICY, "roles: [sma]\n        text: >-", "roles: [nobody]\n        text: >-")
    problems = wait_for(lambda: version(preview)["problems"])
    assert all(line.startswith(f"{POLICY}:") and "unknown role 'nobody'" in line for line in problems)
    assert problems[0] in preview.output()
    assert "Traceback" not in preview.output()
    status, _, body = get(preview.url + PAGE)
    assert status == 200 and "Glassdoor" in body
    edit(project_copy / POLICY, "roles: [nobody]", "roles: [sma]")
    edit(project_copy / POLICY, "(e.g. Glassdoor, Vault)", "(e.g. Glassdoor, Vault, Indeed)")
    wait_for(lambda: "Indeed" in get(preview.url + PAGE)[2])
    assert version(preview)["problems"] is None


def test_records_are_checked_against_the_project_on_screen(preview, project_copy, tmp_path):
    """An invalid edit that also raises the policy's version leaves version 1 on screen, so
    records of version 1 are still accepted and version 2 is not, until a fix builds."""
    first = project_at(project_copy)
    second_copy = copy_sources(project_copy, tmp_path / "version-2")
    edit(second_copy / POLICY, 'version: "1"', 'version: "2"')
    second = project_at(second_copy)
    edit(project_copy / POLICY, 'version: "1"', 'version: "2"')
    edit(project_copy / POLICY, "roles: [sma]\n        text: >-", "roles: [nobody]\n        text: >-")
    wait_for(lambda: version(preview)["problems"])
    records = preview.url + "/api/records"
    assert post(records, acknowledgement(first, employee_id="E-on-screen"))[0] == 201
    status, _, body = post(records, acknowledgement(second, employee_id="E-too-early"))
    assert status == 422 and "unknown version '2' of policy 'admin-policy-6'" in body["detail"]
    edit(project_copy / POLICY, "roles: [nobody]", "roles: [sma]")
    wait_for(lambda: version(preview) == {"version": 2, "fresh": 0, "updating": False, "problems": None})
    assert post(records, acknowledgement(second, employee_id="E-after-fix"))[0] == 201


def test_unknown_paths_get_the_sites_404_page(preview):
    status, _, body = get(preview.url + "/no/such/page.html")
    assert status == 404 and "404" in body
    status, _, _ = get(preview.url + "/../../etc/passwd")
    assert status == 404


@pytest.mark.browser
def test_an_open_page_reloads_after_a_yaml_edit(preview, project_copy, page):
    page.goto(preview.url + PAGE)
    assert page.locator("[id='definitions.1']").is_visible()
    edit(project_copy / POLICY, "(e.g. Glassdoor, Vault)", "(e.g. Glassdoor, Vault, Indeed)")
    page.locator("[id='definitions.1']", has_text="Indeed").wait_for(timeout=30_000)


@pytest.mark.browser
def test_a_failed_build_shows_its_problems_over_the_open_page_until_fixed(preview, project_copy, page):
    page.goto(preview.url + PAGE)
    edit(project_copy / POLICY, "roles: [sma]\n        text: >-", "roles: ['<b>x</b>']\n        text: >-")
    overlay = page.get_by_role("alert").filter(has_text="The build failed")
    overlay.wait_for(timeout=30_000)
    text = overlay.inner_text()
    assert f"{POLICY}:" in text and "'<b>x</b>' is not a valid id" in text  # shown as text, never as HTML
    assert overlay.locator("b").count() == 0
    assert page.locator("[id='definitions.1']").is_visible()  # the last good page stays under it
    edit(project_copy / POLICY, "roles: ['<b>x</b>']", "roles: [sma]")
    overlay.wait_for(state="detached", timeout=30_000)
    assert page.console_errors == []


def test_serve_builds_once_and_never_reloads_or_rebuilds(production, project_copy):
    status, _, body = get(production.url + PAGE)
    assert status == 200 and "Glassdoor" in body
    assert "__handbook" not in body
    assert get(production.url + "/__handbook/version")[0] == 404
    assert get(production.url + "/__handbook/reload.js")[0] == 404
    edit(project_copy / POLICY, "(e.g. Glassdoor, Vault)", "(e.g. Glassdoor, Vault, Indeed)")
    edit(project_copy / "policy_source" / "roles.yaml", "  - id: itm", "  - id: mcs")  # broken, too
    time.sleep(3)  # ample for a watcher to notice and rebuild (preview takes about one second)
    status, _, body = get(production.url + PAGE)
    assert status == 200 and "Indeed" not in body and "duplicate role" not in body
    assert production.output().count("built ") == 1 and "rebuilt" not in production.output()


def test_the_start_line_names_the_hr_page_and_whether_exports_are_on(production, project_copy, tmp_path):
    assert f"HR page {production.url}/hr, exports on;" in production.output()
    off = Process("serve", project_copy, "--port", "0", "--db", str(tmp_path / "off.sqlite"),
                  log=tmp_path / "off.log", token=None).started()
    try:
        assert "exports off: set HANDBOOK_ADMIN_TOKEN" in off.output()
    finally:
        off.stop()


def test_two_servers_on_one_project_do_not_disturb_each_other(production, project_copy, tmp_path):
    second = Process("serve", project_copy, "--port", "0", "--db", str(tmp_path / "second.sqlite"),
                     log=tmp_path / "second.log")
    try:
        statuses = []
        while not URL.search(second.output()) and second.process.poll() is None:  # while it builds
            statuses.append(get(production.url + PAGE)[0])
        second.started()
        assert statuses and set(statuses) == {200}
        assert get(second.url + PAGE)[0] == 200
        assert get(production.url + PAGE)[0] == 200
    finally:
        assert second.stop(signal.SIGINT) == 0
    assert get(production.url + PAGE)[0] == 200  # the second's clean-up left the first's folder alone


def test_ctrl_c_exits_0_with_a_goodbye_and_removes_the_build_folder(project_copy, tmp_path):
    for command in ("serve", "preview"):
        server = Process(command, project_copy, "--port", "0", "--db", str(tmp_path / "records.sqlite"),
                         log=tmp_path / f"{command}.log").started()
        assert list((project_copy / GENERATED).glob("run-*"))
        assert server.stop(signal.SIGINT) == 0
        assert server.output().rstrip().splitlines()[-1] == "Stopped; goodbye."
        assert "Traceback" not in server.output() and "KeyboardInterrupt" not in server.output()
        assert not list((project_copy / GENERATED).glob("run-*"))


def test_a_killed_servers_folder_is_removed_by_the_next_one(project_copy, tmp_path):
    first = Process("serve", project_copy, "--port", "0", "--db", str(tmp_path / "records.sqlite"),
                    log=tmp_path / "first.log").started()
    left = list((project_copy / GENERATED).glob("run-*"))
    first.kill()
    first.stop()
    second = Process("serve", project_copy, "--port", "0", "--db", str(tmp_path / "records.sqlite"),
                     log=tmp_path / "second.log").started()
    try:
        assert len(left) == 1 and not left[0].exists()
    finally:
        second.stop()


def test_dev_addr_sets_host_and_port(project_copy, tmp_path):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = Process("preview", project_copy, "-a", f"127.0.0.1:{port}", "--db", str(tmp_path / "r.sqlite"),
                     log=tmp_path / "preview.log").started()
    try:
        assert server.url == f"http://127.0.0.1:{port}"
        assert get(server.url + PAGE)[0] == 200
    finally:
        server.stop()


def test_a_busy_port_is_one_clear_line_not_a_traceback(production, project_copy):
    port = production.url.rsplit(":", 1)[1]
    for command in ("serve", "preview"):
        result = subprocess.run([HANDBOOK, command, str(project_copy), "--port", port],
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 2
        assert result.stderr.strip() == (f"cannot listen on 127.0.0.1:{port}: Address already in use "
                                         "(try --port)")


def test_a_guessable_admin_token_is_refused_at_start(project_copy):
    env = {**os.environ, "HANDBOOK_ADMIN_TOKEN": "letmein"}
    result = subprocess.run([HANDBOOK, "serve", str(project_copy), "--port", "0"],
                            capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 2
    assert "HANDBOOK_ADMIN_TOKEN is too short (7 characters" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_stops_on_a_broken_build_and_shows_visitors_nothing(project_copy, tmp_path):
    edit(project_copy / "policy_source" / "roles.yaml", "  - id: itm", "  - id: mcs")
    result = subprocess.run([HANDBOOK, "serve", str(project_copy), "--port", "0"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "policy_source/roles.yaml:" in result.stderr and "duplicate role id 'mcs'" in result.stderr
    assert "Serving" not in result.stdout and "Traceback" not in result.stderr


def test_preview_starts_on_broken_sources_and_serves_the_site_once_fixed(project_copy, tmp_path):
    roles = project_copy / "policy_source" / "roles.yaml"
    edit(roles, "  - id: itm", "  - id: mcs")
    server = Process("preview", project_copy, "--port", "0", "--db", str(tmp_path / "records.sqlite"),
                     log=tmp_path / "preview.log").started()
    try:
        assert "duplicate role id 'mcs'" in server.output() and "nothing to serve yet" in server.output()
        status, _, body = get(server.url + PAGE)
        assert status == 404 and RELOAD in body  # the open page learns of the problems, and of the fix
        problems = version(server)["problems"]
        assert any(line.startswith("policy_source/roles.yaml:") and "duplicate role id 'mcs'" in line
                   for line in problems)
        status, _, answer = post(server.url + "/api/records", {})
        assert status == 503 and "nothing was built yet" in answer["detail"]
        edit(roles, "  - id: mcs", "  - id: itm")
        wait_for(lambda: get(server.url + PAGE)[0] == 200)
        assert version(server) == {"version": 1, "fresh": 0, "updating": False, "problems": None}
        assert "\nbuilt " in server.output() and "rebuilt" not in server.output()
    finally:
        server.stop()


def test_a_records_file_that_cannot_be_opened_is_one_line(project_copy, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    for command in ("serve", "preview"):
        result = subprocess.run([HANDBOOK, command, str(project_copy), "--port", "0",
                                 "--db", str(blocker / "records.sqlite")],
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 1
        assert result.stderr.startswith(f"{blocker / 'records.sqlite'}: cannot open the records file:")
        assert len(result.stderr.splitlines()) == 1 and not list((project_copy / GENERATED).glob("run-*"))


@pytest.mark.parametrize(("settled", "frozen"), [(True, True), (False, False)])
def test_only_a_settled_server_hides_what_it_loaded_from_the_collector(settled, frozen):
    """`serve` keeps its project for life, so the collector is told to leave it; the preview
    loads a new one on every save and must be able to free the old one (its cycles too)."""
    script = ("import gc, sys\nfrom handbook.server import tune_process, GIL_SWITCH\n"
              "class Node: pass\n"
              "a = Node(); a.me = a\n"
              f"tune_process({settled}); del a\n"
              "print(gc.get_freeze_count() > 0, gc.collect() > 0, sys.getswitchinterval() == GIL_SWITCH)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.split() == [str(frozen), str(not frozen), "True"]

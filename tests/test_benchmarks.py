"""The benchmark helpers: synthetic handbooks that build, page kinds, statistics, the floor server."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from benchmarks.loadgen import EMPLOYEE, ID, _threaded
from benchmarks.report import SuiteResult, load_results, render_markdown, save_results
from benchmarks.servers import running, server_command
from benchmarks.synthetic import make_handbook
from benchmarks.weight import kind_patterns, page_kind
from benchmarks.workspace import ROOT, free_port, percentile
from handbook.project import load_project


def test_a_synthetic_handbook_copies_the_policy_and_everything_that_names_it(tmp_path: Path):
    shipped, _ = load_project(ROOT)
    project, problems = load_project(make_handbook(tmp_path / "three", 3))
    assert problems == []
    assert project is not None and shipped is not None
    assert sorted(p.number for p in project.policies) == ["6", "6.2", "6.3"]
    assert len(project.checklists) == 3 * len(shipped.checklists)
    assert len(project.forms) == 3 * len(shipped.forms)
    assert len(project.quizzes) == 3 * len(shipped.quizzes)
    copied = [c for c in project.checklists if c.policy == "admin-policy-6-copy-3"]
    assert len(copied) == len(shipped.checklists)
    assert {c.role for c in copied} == {c.role for c in shipped.checklists}  # role ids are never renamed
    required = {p.id: p.acknowledgement.quiz_ids() for p in project.policies if p.acknowledgement}
    assert all(quiz in {q.id for q in project.quizzes} for quizzes in required.values() for quiz in quizzes)


def test_pages_are_classified_by_the_kinds_links_declares():
    patterns = kind_patterns()
    assert page_kind("roles/index.html", patterns) == "roles"
    assert page_kind("roles/sma.html", patterns) == "role"
    assert page_kind("policies/admin-policy-6.html", patterns) == "policy"
    assert page_kind("index.html", patterns) == "home"
    assert page_kind("somewhere/else.html", patterns) == "other"


def test_percentile_is_nearest_rank():
    values = [float(n) for n in range(1, 101)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile([3.0], 99) == 3.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.0


def test_results_survive_a_round_trip_and_render_every_suite(tmp_path: Path):
    suite = SuiteResult("build", "Build")
    suite.figure("cold build", "1.00 s", "a subprocess")
    suite.target("under 2 s", "1.00 s", True)
    suite.table("Sizes", ["a", "b|c"], [["1", "2|3"]])
    path = tmp_path / "results.json"
    save_results(path, {"build": suite})
    loaded = load_results(path)
    assert loaded["build"] == suite
    text = render_markdown(list(loaded.values()), [("CPU", "2 cores")], "Intro.")
    assert "| cold build | 1.00 s | a subprocess |" in text
    assert "| under 2 s | 1.00 s | met | [build](#build) |" in text
    assert "| 1 | 2\\|3 |" in text
    assert load_results(tmp_path / "missing.json") == {}


def test_every_record_the_floor_answers_2xx_is_on_disk(tmp_path: Path):
    database, port = tmp_path / "floor.sqlite", free_port()
    template = json.dumps({"id": ID, "person": {"employee_id": EMPLOYEE}})
    with running(server_command(database, port), port):
        load = _threaded(port, "/api/records", template, 4, 0.5, 200, 7)
    assert load.answered > 0 and load.failed == 0
    with sqlite3.connect(database) as db:
        ids = {row[0] for row in db.execute("SELECT id FROM records")}
    assert len(ids) == load.ok
    assert all(len(record_id) == 36 and record_id[14] == "4" for record_id in ids)

"""Review dates: `handbook check` warns, located at the field, of policies due for review within
60 days or past it, and the HR page lists them."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

from tests.conftest import copy_project
from tests.records_kit import Service
from tests.test_check_cli import POLICY, edit, line_of, run

ROSTER = Path(__file__).resolve().parent / "fixtures" / "roster.csv"
ANCHOR = "effective_date: 2022-12-09\n"


def test_a_review_within_60_days_is_a_located_warning(tmp_path):
    root = copy_project(tmp_path)
    due = date.today() + timedelta(days=30)
    edit(root / POLICY, ANCHOR, f"{ANCHOR}next_review: {due.isoformat()}\n")
    result = run("check", str(root))
    assert result.returncode == 0 and result.stdout.startswith("ok:")
    line = line_of(POLICY, ANCHOR) + 1
    assert (f"{POLICY}:{line}:14: warning: policy 'admin-policy-6': review due {due.isoformat()} (in 30 days)"
            in result.stderr.splitlines())


def test_review_every_months_counts_from_the_effective_date_and_a_far_review_is_quiet(tmp_path):
    root = copy_project(tmp_path)
    edit(root / POLICY, ANCHOR, f"{ANCHOR}review_every_months: 12\n")
    late = (date.today() - date(2023, 12, 9)).days
    result = run("check", str(root))
    assert result.returncode == 0
    assert (f"warning: policy 'admin-policy-6': review was due 2023-12-09 ({late} days ago)"
            in result.stderr)
    edit(root / POLICY, "review_every_months: 12\n", f"next_review: {date.today() + timedelta(days=61)}\n")
    assert "review" not in run("check", str(root)).stderr


def test_the_hr_page_lists_policies_due_for_review(tmp_path, built_site):
    root = copy_project(tmp_path / "project")
    due = date.today() + timedelta(days=10)
    edit(root / POLICY, ANCHOR, f"{ANCHOR}next_review: {due.isoformat()}\n")
    shutil.copy(ROSTER, tmp_path / "roster.csv")
    service = Service(root, built_site, tmp_path / "records.sqlite", roster=tmp_path / "roster.csv")
    try:
        status, _, html = service.get("/hr", service.auth())
    finally:
        service.close()
    assert status == 200
    assert '<h2 id="reviews">Policies due for review</h2>' in html
    assert (f"<li>Administrative Policy No. 6: Social Media - Business Use: review due {due.isoformat()} "
            "(in 10 days)</li>") in html

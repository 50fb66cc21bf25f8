"""`handbook remind` against a real SMTP server on 127.0.0.1: who gets what, the links, the
managers told of people long overdue, nothing sent twice within the interval, the dry run,
STARTTLS with login, and the templates' escaping."""

from __future__ import annotations

import re
import sqlite3
import ssl
from pathlib import Path

import pytest
from aiosmtpd.smtp import AuthResult

from tests.conftest import copy_project
from tests.lifecycle_kit import (
    NEW_WORDS,
    OLD_WORDS,
    add_reminders,
    change_words,
    cli,
    parts,
    publish,
    self_signed,
    smtp_server,
    store_records,
)
from tests.records_kit import acknowledgement, project_at

AS_OF = "2026-03-01"
ROSTER = """employee_id,name,email,department,roles,hire_date,manager_email
E1,Complete Person,e1@example.org,Parks,employee,2026-01-01,boss@example.org
E2,Missing Person,e2@example.org,Parks,employee,2026-02-20,boss@example.org
E3,Overdue <b>Person</b>,e3@example.org,Library,employee,2025-12-01,boss@example.org
E4,Outdated Person,e4@example.org,Library,employee,2025-06-01,
"""
ACK_PAGE = "https://handbook.example.org/acknowledge/admin-policy-6.html"


def on(day: str) -> dict[str, str]:
    return {"started_at": f"{day}T09:00:00Z", "submitted_at": f"{day}T09:05:00Z"}


@pytest.fixture
def lifecycle(tmp_path: Path) -> tuple[Path, Path, Path]:
    """E4 acknowledged version 1; version 2 is a material change; E1 acknowledged version 2."""
    root = copy_project(tmp_path / "project")
    db, roster = tmp_path / "records.sqlite", tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    publish(root)
    store_records(db, root, acknowledgement(project_at(root), "E4", "Outdated Person", **on("2025-06-10")))
    change_words(root, OLD_WORDS, NEW_WORDS, "2")
    publish(root, "--note", "Vital, not merely valuable")
    store_records(db, root, acknowledgement(project_at(root), "E1", "Complete Person", **on("2026-01-05")))
    return root, db, roster


def remind(root: Path, db: Path, roster: Path, *args: str, env: dict[str, str] | None = None
           ) -> tuple[int, str, str]:
    return cli("remind", str(root), "--roster", str(roster), "--db", str(db), *args, env=env)


def test_reminders_reach_each_person_with_the_page_and_managers_of_the_long_overdue(lifecycle):
    root, db, roster = lifecycle
    with smtp_server() as (inbox, port):
        add_reminders(root, port)
        code, _, err = remind(root, db, roster, "--as-of", AS_OF)
        assert code == 0, err
        people = ["e2@example.org", "e3@example.org", "e4@example.org"]
        assert inbox.recipients() == ["boss@example.org", *people]
        assert "sent 4 reminder(s), 1 to managers" in err

        outdated_text, outdated_html = parts(inbox.to("e4@example.org")[0])
        assert f"{ACK_PAGE}?since=1" in outdated_text and f'href="{ACK_PAGE}?since=1"' in outdated_html
        assert "for an earlier version" in outdated_text

        missing = inbox.to("e2@example.org")[0]
        assert missing["From"] == "Handbook <handbook@example.org>"
        assert missing["To"] == "Missing Person <e2@example.org>"
        assert "Due by March 22, 2026 (21 days left)" in parts(missing)[0]

        overdue_text, overdue_html = parts(inbox.to("e3@example.org")[0])
        assert "Was due December 31, 2025 (60 days ago)" in overdue_text
        assert re.search(rf"Do it here: {re.escape(ACK_PAGE)}\s", overdue_text)
        assert "Overdue <b>Person</b>" in overdue_text  # text is text
        assert "Overdue &lt;b&gt;Person&lt;/b&gt;" in overdue_html and "<b>Person" not in overdue_html

        boss = inbox.to("boss@example.org")
        assert len(boss) == 1 and "is overdue" in boss[0]["Subject"]
        assert "You are listed as the manager of Overdue <b>Person</b> (Library)" in parts(boss[0])[0]
        assert not inbox.to("e1@example.org")


def test_the_same_reminder_is_not_sent_again_within_the_interval(lifecycle):
    root, db, roster = lifecycle
    with smtp_server() as (inbox, port):
        add_reminders(root, port)
        assert remind(root, db, roster, "--as-of", AS_OF)[0] == 0
        first = len(inbox.mails)
        code, _, err = remind(root, db, roster, "--as-of", "2026-03-07")
        assert code == 0 and len(inbox.mails) == first and "sent 0 reminder(s)" in err
        with sqlite3.connect(db) as connection:
            kept = connection.execute("SELECT count(*), min(sent_on) FROM reminders_sent").fetchone()
        assert kept == (4, AS_OF)
        assert remind(root, db, roster, "--as-of", "2026-03-08")[0] == 0
        assert len(inbox.mails) == 2 * first


def test_a_dry_run_prints_the_messages_and_sends_nothing(lifecycle):
    root, db, roster = lifecycle
    with smtp_server() as (inbox, port):
        add_reminders(root, port)
        code, out, err = remind(root, db, roster, "--as-of", AS_OF, "--dry-run")
        assert code == 0 and not inbox.mails
        assert out.count("To: ") == 4 and f"{ACK_PAGE}?since=1" in out
        assert "dry run: would send 4 reminder(s), 1 to managers; nothing sent" in err
        assert remind(root, db, roster, "--as-of", AS_OF)[0] == 0
        assert len(inbox.mails) == 4  # the dry run recorded nothing


def test_starttls_verifies_the_server_and_logs_in_with_credentials_from_the_environment(lifecycle, tmp_path):
    root, db, roster = lifecycle
    cert, key = self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    seen: list[tuple[str, str]] = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        seen.append((auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=auth_data.password == b"s3cret")

    options = {"tls_context": context, "require_starttls": True, "authenticator": authenticator,
               "auth_require_tls": True}
    with smtp_server(**options) as (inbox, port):
        add_reminders(root, port, starttls=True)
        env = {"SSL_CERT_FILE": str(cert), "HANDBOOK_SMTP_USER": "mailer", "HANDBOOK_SMTP_PASSWORD": "s3cret"}
        code, _, err = remind(root, db, roster, "--as-of", AS_OF, env=env)
        assert code == 0, err
        assert seen == [("mailer", "s3cret")] and len(inbox.mails) == 4
        untrusted = {**env, "SSL_CERT_FILE": str(tmp_path / "none.pem")}
        code, _, err = remind(root, db, roster, "--as-of", "2026-04-01", env=untrusted)
        assert code == 1 and re.search(rf"cannot send through 127\.0\.0\.1:{port}: .*certificate", err)
        assert len(inbox.mails) == 4


def test_remind_needs_the_reminders_block(lifecycle):
    root, db, roster = lifecycle
    code, _, err = remind(root, db, roster)
    assert code == 2
    assert err.strip() == ("policy_source/handbook.yaml:1:1: add a reminders: block (site_url, host, port, "
                           "from) to send reminders")

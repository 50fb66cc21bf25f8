"""The policy lifecycle as an author and HR live it, end to end with real parts: publish the
shipped policy, change a clause and publish version 2 (material), see the "what changed" page,
an employee's status turns outdated, the service refuses the old version, the reminder arrives
on a local SMTP server with a link that shows what changed, the employee acknowledges again;
then an editorial fix, after which nobody is outdated."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from handbook.build import build
from tests import lifecycle_kit as kit
from tests.conftest import copy_project
from tests.records_kit import Service, acknowledgement, project_at

AS_OF = "2026-03-01"
ROSTER = """employee_id,name,email,department,roles,hire_date
E4,Dana Reader,e4@example.org,Library,employee,2026-01-01
E5,Eli Early,e5@example.org,Parks,employee,2026-01-01
"""
CHANGES = "changes/admin-policy-6/v2.html"
ACK = "acknowledge/admin-policy-6.html"


def statuses(root: Path, db: Path, roster: Path) -> dict[str, tuple[str, str]]:
    code, out, err = kit.cli("report", str(root), "--roster", str(roster), "--db", str(db), "--as-of", AS_OF)
    assert code == 0, err
    return {row["employee_id"]: (row["status"], row["detail"]) for row in csv.DictReader(io.StringIO(out))}


def served(root: Path, db: Path, roster: Path) -> Service:
    """The site built now, served with the records service over the one records file."""
    return Service(root, build(root).site_dir, db, roster=roster)


def test_material_change_then_editorial_fix(tmp_path):
    root = copy_project(tmp_path / "project")
    db, roster = tmp_path / "records.sqlite", tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    with kit.smtp_server() as (inbox, port):
        kit.add_reminders(root, port)
        kit.publish(root)  # version 1, as shipped
        service = served(root, db, roster)
        v1 = project_at(root)
        for who, name in (("E4", "Dana Reader"), ("E5", "Eli Early")):
            assert service.post("/api/records", acknowledgement(v1, who, name))[0] == 201
        service.close()
        assert {who: status for who, (status, _) in statuses(root, db, roster).items()} == {
            "E4": "complete", "E5": "complete"}

        kit.change_words(root, kit.OLD_WORDS, kit.NEW_WORDS, "2")
        kit.publish(root, "--note", "Social media is vital, not merely valuable")
        service = served(root, db, roster)
        status, _, page = service.get(f"/{CHANGES}")
        assert status == 200
        assert "<del><span class=\"hb-cue\">&#91;removed: </span>valuable<span" in page
        assert "<ins><span class=\"hb-cue\">&#91;added: </span>vital<span" in page
        assert "Social media is vital, not merely valuable" in page
        assert f'href="../{CHANGES}"' in service.get("/policies/admin-policy-6.html")[2]
        outdated = ("outdated", "has version 1; current is 2")
        assert statuses(root, db, roster) == {"E4": outdated, "E5": outdated}

        code, out, _ = kit.cli("records", "evidence", str(root), "E5", "--json", "--db", str(db))
        shown = json.loads(out)["records"][0]["policy"]  # the words E5 read, from the history
        assert shown["available"] and shown["note"].startswith("The text of version 1 as published")
        assert any(kit.OLD_WORDS in line["text"] for line in shown["text"])

        stale = acknowledgement(v1, "E4", "Dana Reader")  # a page loaded before version 2
        status, _, answer = service.post("/api/records", stale)
        assert status == 409
        assert answer["problems"] == ["policy.version: version '1' of policy 'admin-policy-6' is no longer "
                                      "current; the current version is '2': reload the page, read what "
                                      "changed and acknowledge that version"]

        code, _, err = kit.cli("remind", str(root), "--roster", str(roster), "--db", str(db),
                               "--as-of", AS_OF)
        assert code == 0, err
        text, _ = kit.parts(inbox.to("e4@example.org")[0])
        link = next(line.split(": ", 1)[1] for line in text.splitlines() if "Do it here:" in line)
        assert link == f"https://handbook.example.org/{ACK}?since=1"
        page = service.get(f"/{ACK}?since=1")[2]
        since = page[page.index('data-hb-ack-since="1"'):]
        since = since[: since.index("</section>")]
        assert "What changed since version 1" in since and "valuable<span" in since

        v2 = project_at(root)
        assert service.post("/api/records", acknowledgement(v2, "E4", "Dana Reader"))[0] == 201
        assert statuses(root, db, roster)["E4"] == ("complete", "policy admin-policy-6 version 2")
        service.close()

        kit.change_words(root, kit.NEW_WORDS, "vital communications tool", "2.1")
        kit.publish(root, "--editorial", "--note", "Plural, as the Town writes it")
        service = served(root, db, roster)
        after = statuses(root, db, roster)
        assert after["E4"] == ("complete", "policy admin-policy-6 version 2.1 (read version 2; the changes "
                                           "since are editorial)")
        assert after["E5"][0] == "outdated"  # still on version 1: the material change stands
        assert sum(status == "outdated" for status, _ in after.values()) == 1
        status, _, html = service.get("/hr", service.auth())
        assert status == 200 and "(version 2; editorial changes since)" in html
        assert service.post("/api/records", acknowledgement(v2, "E5", "Eli Early"))[0] == 201  # v2 counts
        assert statuses(root, db, roster)["E5"][0] == "complete"
        page = service.get(f"/{ACK}")[2]
        assert 'data-hb-ack-since="1"' in page and 'data-hb-ack-since="2"' not in page
        editorial = service.get("/changes/admin-policy-6/v2.1.html")[2]
        assert "Editorial: wording or formatting only" in editorial
        service.close()

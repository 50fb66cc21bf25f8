"""What the lifecycle tests share: a project whose policy is published, changed and published
again; records stored through the same intake as the service; a real SMTP server on 127.0.0.1."""

from __future__ import annotations

import email
import email.policy
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from click.testing import CliRunner

from handbook.cli import main
from handbook.records.intake import accept, validate
from handbook.records.store import Store
from tests.records_kit import project_at

POLICY = "policy_source/policies/admin-policy-6.yaml"
OLD_WORDS = "valuable communication tool"
NEW_WORDS = "vital communication tool"


def cli(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def edit(root: Path, old: str, new: str, file: str = POLICY) -> None:
    path = root / file
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def publish(root: Path, *args: str) -> None:
    code, out, err = cli("publish", str(root), "--policy", "admin-policy-6", *args)
    assert code == 0, err
    assert "published" in out


def change_words(root: Path, old: str, new: str, version: str) -> None:
    """Edit a clause and give the policy a new version, as an author does before publishing."""
    current = project_at(root).policy("admin-policy-6").version
    edit(root, old, new)
    edit(root, f'version: "{current}"', f'version: "{version}"')


def store_records(db: Path, root: Path, *records: dict[str, Any]) -> None:
    """Store records as the service does (same checks, same store), against the project now."""
    project = project_at(root)
    store = Store(db)
    try:
        for record in records:
            accept(project, store, validate(record), "api")
    finally:
        store.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Inbox:
    """What the SMTP server received: (envelope sender, recipients, parsed message) per mail."""

    mails: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.original_content or envelope.content,
                                          policy=email.policy.default)
        self.mails.append((envelope.mail_from, list(envelope.rcpt_tos), parsed))  # type: ignore[arg-type]
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [message for _, recipients, message in self.mails if address in recipients]

    def recipients(self) -> list[str]:
        return sorted(address for _, recipients, _ in self.mails for address in recipients)


def parts(message: EmailMessage) -> tuple[str, str]:
    """The text and the HTML of a reminder."""
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


@contextmanager
def smtp_server(**options: Any) -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 for the length of the block."""
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, made with openssl for this test only."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def reminders_block(port: int, starttls: bool = False) -> str:
    return (f"reminders:\n  site_url: https://handbook.example.org/\n  host: 127.0.0.1\n  port: {port}\n"
            f"  starttls: {'true' if starttls else 'false'}\n  from: Handbook <handbook@example.org>\n"
            "  lead_days: 10\n  escalate_after_days: 14\n  interval_days: 7\n")


def add_reminders(root: Path, port: int, starttls: bool = False) -> None:
    path = root / "policy_source" / "handbook.yaml"
    path.write_text(path.read_text(encoding="utf-8") + reminders_block(port, starttls), encoding="utf-8")

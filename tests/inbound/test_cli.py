"""``recoup replies address|list|confirm|handled`` and ``recoup inbound`` (IMAP --once in
process against Dovecot; --smtp-listen as the real command in a subprocess)."""

import imaplib
import os
import smtplib
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

from tests.cases.cli_support import fingerprint, setup
from tests.cli.conftest import Recoup
from tests.inbound.dovecot import Imap
from tests.mailbox import free_port


def _promise(to: str, message_id: str) -> bytes:
    on = (datetime.now(UTC).date() + timedelta(days=10)).isoformat()
    message = EmailMessage()
    message["From"] = "Ann Payable <ap@alpha.example>"
    message["To"] = to
    message["Subject"] = "Re: INV-1"
    message["Message-ID"] = message_id
    message.set_content(f"Hello,\n\nwe will pay INV-1 on {on}.\n\nAnn\n")
    return message.as_bytes(policy=SMTP)


def test_replies_from_a_mailbox_are_listed_and_confirmed(
    recoup: Recoup, tmp_path: Path, dovecot: Imap
) -> None:
    setup(recoup, tmp_path)
    address = recoup("replies", "address", "ar@acme.example")
    assert address.exit_code == 0, address.output
    assert address.output == "replies go to ar+<token>@acme.example\n"
    bad = recoup("replies", "address", "ar+x@acme.example")
    assert bad.exit_code == 1
    assert "already has a '+'" in bad.output

    client = imaplib.IMAP4(dovecot.host, dovecot.port)
    client.login(dovecot.user, dovecot.password)
    client.append("INBOX", "", None, _promise("ar@acme.example", "<cli.1@alpha.example>"))
    client.logout()
    fetched = recoup(
        "inbound",
        "--imap",
        f"{dovecot.host}:{dovecot.port}",
        "--user",
        dovecot.user,
        "--password",
        dovecot.password,
        "--security",
        "none",
        "--once",
    )
    assert fetched.exit_code == 0, fetched.output
    assert fetched.output == "1 replies stored, 0 seen before, 0 failed\n"

    listed = recoup("replies", "list", "--waiting")
    assert "waiting  promise    C1           ap@alpha.example  Re: INV-1" in listed.output
    assert listed.output.endswith("1 replies waiting\n")
    reply_id = listed.output.split()[0].lstrip("#")
    confirmed = recoup("replies", "confirm", reply_id)
    assert confirmed.exit_code == 0, confirmed.output
    assert confirmed.output.startswith(f"reply #{reply_id}: promise #")
    again = recoup("replies", "handled", reply_id)
    assert again.exit_code == 1
    assert "not waiting for a person" in again.output
    promises = recoup("promise", "list")
    assert "INV-1" in promises.output or "C1" in promises.output


def test_inbound_needs_one_source_and_writes_nothing_without(
    recoup: Recoup, tmp_path: Path, database_url: str
) -> None:
    setup(recoup, tmp_path)
    before = fingerprint(database_url)
    for args in ((), ("--imap", "127.0.0.1", "--smtp-listen", "127.0.0.1:1")):
        result = recoup("inbound", *args)
        assert result.exit_code == 1
        assert "give either --imap HOST or --smtp-listen HOST:PORT" in result.output
    assert fingerprint(database_url) == before


def test_the_smtp_receiver_command_stores_a_reply(
    recoup: Recoup, tmp_path: Path, database_url: str
) -> None:
    setup(recoup, tmp_path)
    recoup("replies", "address", "ar@acme.example", "--no-plus")
    port = free_port()
    command = Path(sys.executable).parent / "recoup"
    process = subprocess.Popen(
        [str(command), "inbound", "--smtp-listen", f"127.0.0.1:{port}", "--once"],
        env={**os.environ, "RECOUP_DATABASE_URL": database_url},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120  # a loaded machine starts slowly
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert process.poll() is None, process.stdout.read() if process.stdout else ""
                assert time.monotonic() < deadline, "the receiver did not start"
                time.sleep(0.2)
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            client.sendmail(
                "ap@alpha.example",
                ["ar@acme.example"],
                _promise("ar@acme.example", "<cli.2@alpha.example>"),
            )
        output, _ = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, output
    assert "receiving replies on smtp://127.0.0.1:" in output
    assert "1 replies stored, 0 seen before, 0 failed" in output
    listed = recoup("replies", "list")
    assert "promise" in listed.output

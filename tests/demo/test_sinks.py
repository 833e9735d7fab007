"""``recoup demo`` delivers only to the development file sinks and prints no secret, even
when the environment names a real SMTP server and SMS provider with their passwords."""

from pathlib import Path

import pytest

from tests.cli.conftest import Recoup, recoup  # noqa: F401 (the fixture)
from tests.documents.test_safe_fetching import Listener, listener  # noqa: F401
from tests.mailbox import Mailbox, StartServer


def test_the_demo_uses_the_file_sinks_and_prints_no_secret(
    recoup: Recoup,  # noqa: F811
    smtp_server: StartServer,
    listener: Listener,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    mailbox, port = smtp_server(Mailbox())
    provider = listener
    monkeypatch.setenv("RECOUP_SMTP_URL", f"smtp://user:S3CRETPW@127.0.0.1:{port}")
    monkeypatch.setenv("RECOUP_SMS_URL", f"{provider.url('/sms')}?token=SMSS3CRET")
    monkeypatch.setenv("RECOUP_LETTERS_DIR", str(tmp_path / "print-room"))

    result = recoup("demo", "--customers", "12", "--as-of", "2026-11-20", "--days", "3")

    assert result.exit_code == 0, result.output
    for secret in ("S3CRETPW", "SMSS3CRET", "user:"):
        assert secret not in result.output
    assert mailbox.received == []
    assert not (tmp_path / "print-room").exists()
    assert sorted((tmp_path / "mail-outbox").glob("*.eml")), result.output
    assert (
        "(email as .eml files in mail-outbox/, letters in letters/, text messages in "
        "sms-outbox/)" in result.output
    )
    assert provider.paths == []

"""Delivery channels against real servers on 127.0.0.1: SMTP (aiosmtpd) and HTTP SMS."""

import datetime
import functools
import io
import ipaddress
import json
import logging
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pypdf import PdfReader

from recoup.comms.channels import DeliveryError, PermanentFailure, TemporaryFailure
from recoup.comms.channels.email import (
    Attachment,
    OutgoingEmail,
    SmtpSettings,
    build_message,
    message_id_for,
    send_email,
)
from recoup.comms.channels.letter import LetterSink
from recoup.comms.channels.sms import FileSmsChannel, HttpSmsChannel, sms_channel_from_url
from recoup.comms.render import render
from recoup.documents import statement_pdf
from recoup.errors import InvalidInput
from tests.documents.factories import make_context
from tests.mailbox import Mailbox, StartServer, check_password, free_port

KEY = "1:policy:C-1001:cycle1:formal_notice:email"


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 / localhost: (certificate, key) files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    directory = tmp_path_factory.mktemp("tls")
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def server_tls(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*map(str, certificate))
    return context


@functools.cache
def sample_statement() -> bytes:
    """The sample statement PDF, rendered once (WeasyPrint takes most of a second)."""
    return statement_pdf(make_context())


def formal_notice_email(**changes: Any) -> OutgoingEmail:
    message = render("formal_notice", make_context())
    fields: dict[str, Any] = {
        "to": ["ap@globex.example"],
        "cc": ["anna.schmidt@globex.example"],
        "from_": "Acme Credit Control <credit@acme.example>",
        "reply_to": "credit@acme.example",
        "subject": message.subject,
        "text": message.text,
        "html": message.html,
        "attachments": [Attachment("statement-C-1001.pdf", "application/pdf", sample_statement())],
        "key": KEY,
        "headers": {"X-Recoup-Step": "formal notice"},
    }
    fields.update(changes)
    return OutgoingEmail(**fields)


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages).replace("\xa0", " ")


# --- sending email ------------------------------------------------------------------


def test_formal_notice_with_statement_arrives_complete(smtp_server: StartServer) -> None:
    mailbox, port = smtp_server()
    settings = SmtpSettings.from_url(f"smtp://127.0.0.1:{port}")

    message_id = send_email(settings, formal_notice_email())

    envelope = mailbox.received[0]
    assert envelope.mail_from == "credit@acme.example"
    assert envelope.rcpt_tos == ["ap@globex.example", "anna.schmidt@globex.example"]
    received = mailbox.message()
    assert received["Subject"] == "Formal notice: overdue account C-1001 – Globex GmbH"
    assert received["To"] == "ap@globex.example"
    assert received["Cc"] == "anna.schmidt@globex.example"
    assert received["Reply-To"] == "credit@acme.example"
    assert received["X-Recoup-Step"] == "formal notice"
    assert received["Message-ID"] == message_id == message_id_for(KEY, "acme.example")

    text_part = received.get_body(preferencelist=("plain",))
    html_part = received.get_body(preferencelist=("html",))
    assert text_part is not None
    assert html_part is not None
    text = text_part.get_content()
    assert "INV-2026-0041   1 Feb 2026     €1,234.56             58" in text
    assert "INV-2026-0057   19 Feb 2026      €250.00             40" in text
    assert "Total due in EUR       €1,439.79" in text
    assert "GB33 BUKB 2020 1555 5555 55" in text
    html = html_part.get_content()
    assert "<td" in html
    assert "INV-2026-0041" in html
    assert "€1,439.79" in html

    attachments = list(received.iter_attachments())
    assert [a.get_filename() for a in attachments] == ["statement-C-1001.pdf"]
    assert attachments[0].get_content_type() == "application/pdf"
    pdf = attachments[0].get_content()
    statement = pdf_text(pdf)
    assert "Statement of account as at 31 March 2026" in statement
    for figure in ("€1,234.56", "€250.00", "€15.23", "-€100.00", "€1,439.79", "£999.99"):
        assert figure in statement


def test_a_resend_carries_the_same_message_id(smtp_server: StartServer) -> None:
    mailbox, port = smtp_server()
    settings = SmtpSettings.from_url(f"smtp://127.0.0.1:{port}?from=credit@acme.example")
    outgoing = OutgoingEmail(to="ap@globex.example", subject="Hello", text="Hi", key=KEY)

    first = send_email(settings, outgoing)
    second = send_email(settings, outgoing)
    other = send_email(settings, OutgoingEmail(to="ap@globex.example", subject="x", text="y"))

    assert first == second == mailbox.message(0)["Message-ID"] == mailbox.message(1)["Message-ID"]
    assert other != first
    assert mailbox.message(0)["From"] == "credit@acme.example"  # the URL's sender


AUTH_WITHOUT_TLS = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


@AUTH_WITHOUT_TLS
def test_login_with_credentials_from_the_url(smtp_server: StartServer) -> None:
    mailbox, port = smtp_server(
        authenticator=check_password, auth_required=True, auth_require_tls=False
    )
    url = f"smtp://credit%40acme.example:s3cret%3Apass@127.0.0.1:{port}?from=credit@acme.example"

    send_email(SmtpSettings.from_url(url), formal_notice_email(attachments=[]))

    assert mailbox.sessions == [{"authenticated": True, "tls": False}]


@AUTH_WITHOUT_TLS
def test_a_wrong_password_is_a_permanent_failure(smtp_server: StartServer) -> None:
    _, port = smtp_server(authenticator=check_password, auth_required=True, auth_require_tls=False)
    settings = SmtpSettings.from_url(f"smtp://credit%40acme.example:wrong@127.0.0.1:{port}")

    with pytest.raises(PermanentFailure) as caught:
        send_email(settings, formal_notice_email())
    assert caught.value.code == 535


def test_starttls_then_login(smtp_server: StartServer, certificate: tuple[Path, Path]) -> None:
    mailbox, port = smtp_server(
        tls_context=server_tls(certificate),
        require_starttls=True,
        authenticator=check_password,
        auth_required=True,
    )
    url = (
        f"smtp://credit%40acme.example:s3cret%3Apass@127.0.0.1:{port}"
        f"?starttls=1&cafile={certificate[0]}&timeout=5"
    )

    send_email(SmtpSettings.from_url(url), formal_notice_email())

    assert mailbox.sessions == [{"authenticated": True, "tls": True}]
    assert "INV-2026-0041" in mailbox.message().get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_an_untrusted_certificate_is_a_permanent_failure(
    smtp_server: StartServer, certificate: tuple[Path, Path]
) -> None:
    _, port = smtp_server(tls_context=server_tls(certificate), require_starttls=True)
    settings = SmtpSettings.from_url(f"smtp://127.0.0.1:{port}?starttls=1")

    with pytest.raises(PermanentFailure, match="certificate"):
        send_email(settings, formal_notice_email())


def test_starttls_asked_of_a_server_without_it_is_permanent(smtp_server: StartServer) -> None:
    _, port = smtp_server()

    with pytest.raises(PermanentFailure, match="does not support"):
        send_email(
            SmtpSettings.from_url(f"smtp://127.0.0.1:{port}?starttls=1"), formal_notice_email()
        )


def test_implicit_tls(smtp_server: StartServer, certificate: tuple[Path, Path]) -> None:
    mailbox, port = smtp_server(ssl_context=server_tls(certificate))
    settings = SmtpSettings.from_url(f"smtps://127.0.0.1:{port}?cafile={certificate[0]}")

    send_email(settings, formal_notice_email())

    assert len(mailbox.received) == 1


@pytest.mark.parametrize(
    ("mailbox", "failure", "code"),
    [
        (Mailbox(rcpt_reply="451 4.7.1 Greylisted, try again later"), TemporaryFailure, 451),
        (Mailbox(rcpt_reply="550 5.1.1 No such user"), PermanentFailure, 550),
        (Mailbox(data_reply="451 4.3.0 Queue full"), TemporaryFailure, 451),
        (Mailbox(data_reply="554 5.7.1 Message rejected as spam"), PermanentFailure, 554),
    ],
    ids=["rcpt-451", "rcpt-550", "data-451", "data-554"],
)
def test_reply_codes_decide_temporary_or_permanent(
    smtp_server: StartServer, mailbox: Mailbox, failure: type[DeliveryError], code: int
) -> None:
    _, port = smtp_server(mailbox)

    with pytest.raises(failure) as caught:
        send_email(SmtpSettings.from_url(f"smtp://127.0.0.1:{port}"), formal_notice_email())
    assert caught.value.code == code
    assert isinstance(caught.value, DeliveryError)
    assert caught.value.temporary is (failure is TemporaryFailure)


def test_nothing_listening_is_a_temporary_failure() -> None:
    settings = SmtpSettings.from_url(f"smtp://127.0.0.1:{free_port()}?timeout=2")

    with pytest.raises(TemporaryFailure, match="cannot reach"):
        send_email(settings, formal_notice_email())


def test_a_server_that_never_answers_is_a_temporary_failure() -> None:
    with socket.socket() as silent:  # accepts connections (backlog), never greets
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        settings = SmtpSettings.from_url(f"smtp://127.0.0.1:{port}?timeout=0.3")

        started = time.monotonic()
        with pytest.raises(TemporaryFailure):
            send_email(settings, formal_notice_email(attachments=[]))
        assert time.monotonic() - started < 5


def test_a_partly_refused_message_counts_as_sent(
    smtp_server: StartServer, caplog: pytest.LogCaptureFixture
) -> None:
    mailbox, port = smtp_server()

    with caplog.at_level(logging.WARNING, logger="recoup.comms.channels.email"):
        send_email(
            SmtpSettings.from_url(f"smtp://127.0.0.1:{port}"),
            formal_notice_email(to=["ap@globex.example", "bounce@globex.example"], cc=[]),
        )

    assert mailbox.received[0].rcpt_tos == ["ap@globex.example"]
    assert "bounce@globex.example (550" in caplog.text


def test_the_message_structure() -> None:
    settings = SmtpSettings.from_url("smtp://127.0.0.1?from=credit@acme.example")

    message = build_message(settings, formal_notice_email())

    assert message.get_content_type() == "multipart/mixed"
    parts = [part.get_content_type() for part in message.walk()]
    assert parts == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "text/html",
        "application/pdf",
    ]
    assert all(len(line) <= 998 for line in message.as_string().splitlines())


def test_a_message_needs_a_sender_and_a_recipient() -> None:
    settings = SmtpSettings.from_url("smtp://127.0.0.1")

    with pytest.raises(InvalidInput, match="sender"):
        build_message(settings, OutgoingEmail(to="a@b.example", subject="s", text="t"))
    with pytest.raises(InvalidInput, match="recipient"):
        build_message(settings, OutgoingEmail(to=[], subject="s", text="t", from_="c@d.example"))


# --- SMTP settings ------------------------------------------------------------------


def test_smtp_url_forms() -> None:
    plain = SmtpSettings.from_url("smtp://127.0.0.1:1025")
    submission = SmtpSettings.from_url(
        "smtp://user%40acme.example:p%40ss%2Fword@mail.acme.example?starttls=1"
        "&from=credit@acme.example&timeout=12.5"
    )
    tls = SmtpSettings.from_url("smtps://mail.acme.example?verify=0")

    assert (plain.host, plain.port, plain.security, plain.username) == (
        "127.0.0.1",
        1025,
        "none",
        "",
    )
    assert submission.port == 587
    assert submission.security == "starttls"
    assert (submission.username, submission.password) == ("user@acme.example", "p@ss/word")
    assert submission.from_address == "credit@acme.example"
    assert submission.timeout == 12.5
    assert "p@ss/word" not in repr(submission)
    assert (tls.port, tls.security, tls.verify) == (465, "tls", False)
    assert tls.ssl_context().verify_mode == ssl.CERT_NONE
    assert SmtpSettings.from_url("smtp://mail.acme.example").port == 25


@pytest.mark.parametrize(
    "url",
    [
        "http://mail.acme.example",
        "smtp://",
        "smtp://mail.acme.example?starttls=maybe",
        "smtp://mail.acme.example?sender=x@y.example",
        "smtp://mail.acme.example?timeout=soon",
    ],
)
def test_bad_smtp_urls_are_refused(url: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        SmtpSettings.from_url(url)
    assert caught.value.field == "smtp_url"


def test_bad_url_errors_hide_the_password() -> None:
    with pytest.raises(InvalidInput) as caught:
        SmtpSettings.from_url("imap://user:hunter2@mail.acme.example")
    assert "hunter2" not in str(caught.value)


# --- SMS ----------------------------------------------------------------------------


def test_file_sms_writes_one_file_per_key(tmp_path: Path) -> None:
    channel = FileSmsChannel(tmp_path / "sms")

    first = channel.send("+4930123456", "Invoice INV-1 is overdue: €10.00", KEY)
    again = channel.send("+4930123456", "something else", KEY)
    other = channel.send("+4930123456", "Reminder", "2:policy:C-2:due:sms")

    assert first == again != other
    files = sorted(p.name for p in (tmp_path / "sms").iterdir())
    assert len(files) == 2
    assert all(name.endswith(".json") for name in files)
    written = json.loads(Path(first).read_text(encoding="utf-8"))
    assert written == {"key": KEY, "to": "+4930123456", "text": "Invoice INV-1 is overdue: €10.00"}


class SmsProvider(BaseHTTPRequestHandler):
    """Answers with the status queued on the server; records every request."""

    server: "SmsServer"

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.requests.append((dict(self.headers), json.loads(body)))
        status, delay = self.server.status, self.server.delay
        if delay:
            time.sleep(delay)
        payload = json.dumps({"id": "msg-42"} if status == 200 else {"error": "nope"}).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (the timeout test)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep the test output clean


class SmsServer(ThreadingHTTPServer):
    daemon_threads = True
    status = 200
    delay = 0.0

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), SmsProvider)
        self.requests: list[tuple[dict[str, str], dict[str, Any]]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1/sms"


@pytest.fixture
def sms_provider() -> Iterator[SmsServer]:
    server = SmsServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_http_sms_posts_json_with_token_and_idempotency_key(sms_provider: SmsServer) -> None:
    channel = sms_channel_from_url(f"{sms_provider.url}?token=t0ken")

    provider_id = channel.send("+4930123456", "Ihre Rechnung ist überfällig: 1.234,56 €", KEY)

    assert provider_id == "msg-42"
    headers, body = sms_provider.requests[0]
    assert body == {
        "to": "+4930123456",
        "text": "Ihre Rechnung ist überfällig: 1.234,56 €",
        "key": KEY,
    }
    assert headers["Authorization"] == "Bearer t0ken"
    assert headers["Idempotency-Key"] == KEY
    assert "t0ken" not in repr(channel)


@pytest.mark.parametrize(
    ("status", "failure"),
    [
        (500, TemporaryFailure),
        (503, TemporaryFailure),
        (429, TemporaryFailure),
        (400, PermanentFailure),
        (401, PermanentFailure),
    ],
)
def test_http_sms_failures(
    sms_provider: SmsServer, status: int, failure: type[DeliveryError]
) -> None:
    sms_provider.status = status

    with pytest.raises(failure) as caught:
        HttpSmsChannel(sms_provider.url, "t").send("+4930123456", "text", KEY)
    assert caught.value.code == status


def test_http_sms_timeout_is_temporary(sms_provider: SmsServer) -> None:
    sms_provider.delay = 1.0

    with pytest.raises(TemporaryFailure):
        HttpSmsChannel(sms_provider.url, timeout=0.2).send("+4930123456", "text", KEY)


def test_http_sms_nobody_listening_is_temporary() -> None:
    channel = HttpSmsChannel(f"http://127.0.0.1:{free_port()}/sms", timeout=2)

    with pytest.raises(TemporaryFailure, match="cannot reach"):
        channel.send("+4930123456", "text", KEY)


def test_sms_urls(tmp_path: Path) -> None:
    relative = sms_channel_from_url("file://sms-outbox")
    absolute = sms_channel_from_url(f"file://{tmp_path}/sms")
    with_password = sms_channel_from_url("https://:s3cret@sms.example/v1/send")

    assert isinstance(relative, FileSmsChannel)
    assert relative.directory == Path("sms-outbox")
    assert isinstance(absolute, FileSmsChannel)
    assert absolute.directory == tmp_path / "sms"
    assert isinstance(with_password, HttpSmsChannel)
    assert (with_password.url, with_password.token) == ("https://sms.example/v1/send", "s3cret")
    for bad in ("ftp://x", "file://", "https://"):
        with pytest.raises(InvalidInput):
            sms_channel_from_url(bad)


# --- letters ------------------------------------------------------------------------


def test_letter_sink_stores_each_letter_once(tmp_path: Path) -> None:
    sink = LetterSink(tmp_path / "letters")
    pdf = b"%PDF-1.7 a letter"

    first = sink.send(pdf, KEY)
    again = sink.send(b"%PDF-1.7 a different rendering", KEY)

    assert first == again
    assert Path(first).read_bytes() == pdf
    assert len(list((tmp_path / "letters").iterdir())) == 1
    with pytest.raises(PermanentFailure):
        sink.send(b"<html>", "another key")

"""The organisation's own details: `recoup org`, `recoup check`, `recoup mail test`, and a
daily run that refuses to send before the organisation can say who it is and where to pay."""

from email import message_from_bytes, policy
from pathlib import Path

import pytest

from tests.cli.conftest import Recoup
from tests.cli.test_commands import write
from tests.mailbox import StartServer

CUSTOMERS = (
    "external_id,name,currency,country,email\n"
    "C1,Kestrel Tools Ltd,GBP,GB,payables@kestrel.example\n"
    "C2,Brandt Maschinen GmbH,EUR,DE,ap@brandt.example\n"
)
# As of 2026-07-01 both are 31 days past due.
INVOICES = (
    "number,customer,issue_date,due_date,total,currency\n"
    "1001,C1,2026-05-01,2026-05-31,1200.00,GBP\n"
    "1002,C2,2026-05-01,2026-05-31,800.00,EUR\n"
)
UK_DETAILS = (
    "--address", "Unit 4, Canal Works, Leeds LS11 5PS",
    "--email", "ar@example.com",
    "--phone", "+44 113 496 0000",
    "--iban", "GB33BUKB20201555555555",
    "--bic", "BUKBGB22",
)  # fmt: skip


def _fresh_book(recoup: Recoup, tmp_path: Path) -> None:
    assert recoup("init", "--org", "leeds", "--name", "Canal Wholesale").exit_code == 0
    assert recoup("import", "customers", write(tmp_path, "c.csv", CUSTOMERS)).exit_code == 0
    assert recoup("import", "invoices", write(tmp_path, "i.csv", INVOICES)).exit_code == 0


def test_check_says_what_is_missing_and_run_stops_before_planning(
    recoup: Recoup, tmp_path: Path
) -> None:
    _fresh_book(recoup, tmp_path)
    check = recoup("check")
    assert check.exit_code == 1
    lines = check.stdout.splitlines()
    assert lines[0].startswith("error: no sender address")
    assert any(line.startswith("error: no postal address") for line in lines)
    assert any(line.startswith("error: no bank account for EUR") for line in lines)
    assert any(line.startswith("error: no bank account for GBP") for line in lines)
    assert any("mail is written to files" in line for line in lines)
    assert any("public address is http://127.0.0.1:8000" in line for line in lines)
    assert any("RECOUP_AUDIT_KEY is not set" in line for line in lines)

    run = recoup("run", "--as-of", "2026-07-01")
    assert run.exit_code == 1
    assert "error: no sender address" in run.stderr
    assert "nothing was planned or sent" in run.stderr
    assert not (tmp_path / "mail-outbox").exists()
    # A dry run still shows the plan (it sends nothing), with the same warnings.
    dry = recoup("run", "--as-of", "2026-07-01", "--dry-run", "--format", "json")
    assert dry.exit_code == 0
    assert "no sender address" in dry.stderr


def test_org_set_and_bank_accounts_then_messages_say_where_to_pay(
    recoup: Recoup, tmp_path: Path
) -> None:
    _fresh_book(recoup, tmp_path)
    done = recoup(
        "org", "set", *UK_DETAILS,
        "--sender-name", "Canal Wholesale credit control",
        "--reply-to", "credit@example.com",
        "--vat-number", "GB 980 7806 84",
        "--signature-name", "Sam Okafor",
        "--signature-title", "Credit Controller",
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "email: - -> ar@example.com" in done.stdout
    assert "address: - -> Unit 4\nCanal Works\nLeeds LS11 5PS" in done.stdout
    assert "vat number: - -> GB980780684" in done.stdout
    # A UK IBAN also gives the sort code and account number UK payers type in.
    assert (
        "bank account GBP: IBAN GB33BUKB20201555555555 BIC BUKBGB22 sort code 20-20-15 "
        "account 55555555" in done.stdout
    )
    added = recoup(
        "org", "bank", "add", "--currency", "EUR", "--bank-name", "Commerzbank",
        "--iban", "DE89 3704 0044 0532 0130 00", "--bic", "COBADEFFXXX",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    show = recoup("org", "show")
    assert "  address: Unit 4, Canal Works, Leeds LS11 5PS" in show.stdout
    assert "    EUR: Commerzbank IBAN DE89370400440532013000 BIC COBADEFFXXX" in show.stdout
    check = recoup("check")
    assert check.exit_code == 0, check.output  # warnings only
    assert "error" not in check.stdout

    run = recoup("run", "--as-of", "2026-07-01")
    assert run.exit_code == 0, run.output
    mails = {}
    for path in sorted((tmp_path / "mail-outbox").glob("*.eml")):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        mails[message["To"]] = message
    uk, de = mails["payables@kestrel.example"], mails["ap@brandt.example"]
    assert uk["From"] == "Canal Wholesale credit control <ar@example.com>"
    assert uk["Reply-To"] == "credit@example.com"
    uk_text = uk.get_body(("plain",)).get_content()  # type: ignore[attr-defined]
    assert "Sort code:" in uk_text
    assert "20-20-15" in uk_text
    assert "55555555" in uk_text
    assert "GB33 BUKB 2020 1555 5555 55" in uk_text
    de_text = de.get_body(("plain",)).get_content()  # type: ignore[attr-defined]
    assert "DE89 3704 0044 0532 0130 00" in de_text  # the euro account for the euro invoice
    assert "GB33" not in de_text

    listed = recoup("outbox", "list", "--status", "sent").stdout.splitlines()
    # The gentle first run (`recoup init`'s default): a due notice each, nothing else.
    emails = [line for line in listed if " email " in line]
    assert len(listed) == 2
    assert len(emails) == 2
    number = emails[0].split()[0].lstrip("#")
    shown = recoup("outbox", "show", number)
    assert "status: sent, attempts: 1" in shown.stdout
    assert "subject: " in shown.stdout
    refused = recoup("outbox", "resend", number)
    assert refused.exit_code == 1
    assert "only failed or unknown messages can be resent" in refused.stderr


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (("--iban", "GB00BUKB20201555555555"), "iban: invalid IBAN"),
        (("--email", "not-an-address"), "email: invalid email address"),
        (("--vat-number", "GB123"), "vat_number: invalid VAT number"),
        (("--sort-code", "20-20"), "sort_code: invalid sort code"),
    ],
)
def test_bad_details_are_refused_and_nothing_is_written(
    recoup: Recoup, args: tuple[str, ...], reason: str
) -> None:
    recoup("init")
    refused = recoup("org", "set", "--phone", "+44 113 496 0000", *args)
    assert refused.exit_code == 1
    assert reason in refused.stderr
    assert "  phone: -" in recoup("org", "show").stdout  # the good value was not kept either


def test_a_us_account_needs_a_valid_routing_number(recoup: Recoup) -> None:
    recoup("init")
    bad = recoup("org", "bank", "add", "--currency", "USD", "--routing-number", "111000026",
                 "--account-number", "000123456789")  # fmt: skip
    assert bad.exit_code == 1
    assert "routing_number: invalid routing number" in bad.stderr
    good = recoup("org", "bank", "add", "--currency", "USD", "--routing-number", "111000025",
                  "--account-number", "000123456789")  # fmt: skip
    assert good.exit_code == 0
    assert "USD: routing 111000025 account 000123456789" in recoup("org", "bank", "list").stdout
    assert recoup("org", "bank", "remove", "--currency", "usd").exit_code == 0
    assert "no bank account" in recoup("org", "bank", "list").stdout


def test_mail_test_sends_one_real_message(
    recoup: Recoup, smtp_server: StartServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    recoup("init", "--name", "Canal Wholesale")
    recoup("org", "set", "--email", "ar@example.com")
    mailbox, port = smtp_server()
    monkeypatch.setenv("RECOUP_SMTP_URL", f"smtp://127.0.0.1:{port}")
    sent = recoup("mail", "test", "--to", "me@example.org")
    assert sent.exit_code == 0, sent.output
    message = mailbox.message()
    assert message["To"] == "me@example.org"
    assert message["From"] == "ar@example.com"
    assert message["Subject"] == "Recoup test message from Canal Wholesale"


def test_mail_test_reports_a_refusal(
    recoup: Recoup, smtp_server: StartServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.mailbox import Mailbox

    recoup("init")
    recoup("org", "set", "--email", "ar@example.com")
    _, port = smtp_server(Mailbox(rcpt_reply="550 5.1.1 no such user"))
    monkeypatch.setenv("RECOUP_SMTP_URL", f"smtp://127.0.0.1:{port}")
    refused = recoup("mail", "test", "--to", "nobody@example.org")
    assert refused.exit_code == 1
    assert "the mail server refused the test message" in refused.stderr


def test_init_takes_the_essentials_as_options(recoup: Recoup) -> None:
    made = recoup(
        "init", "--org", "leeds", "--name", "Canal Wholesale", "--country", "GB",
        "--currency", "GBP", "--email", "ar@example.com",
        "--address", "Unit 4, Canal Works, Leeds LS11 5PS",
        "--sort-code", "20-20-15", "--account-number", "55555555",
        "--admin-email", "sam@example.com",
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    assert "next: `recoup check`" in made.stdout
    show = recoup("org", "show").stdout
    assert "  email: ar@example.com" in show
    assert "    GBP: sort code 20-20-15 account 55555555" in show
    check = recoup("check")
    assert check.exit_code == 0, check.output
    bad = recoup("init", "--org", "york", "--email", "nobody", "--admin-email", "a@b.example")
    assert bad.exit_code == 1
    assert "email: invalid email address" in bad.stderr
    missing = recoup("org", "show", "--org", "york")  # nothing of it was written
    assert missing.exit_code == 1
    assert "no organisation 'york'" in missing.stderr


def test_org_set_changes_only_the_bank_options_given(recoup: Recoup) -> None:
    """A new user who set the account at `init` adds the bank's name later."""
    recoup("init", "--org", "leeds", "--name", "Canal Wholesale", "--currency", "GBP",
           "--sort-code", "20-20-15", "--account-number", "55555555")  # fmt: skip
    named = recoup("org", "set", "--bank-name", "Barclays")
    assert named.exit_code == 0, named.output
    assert (
        "GBP: Barclays sort code 20-20-15 account 55555555" in recoup("org", "bank", "list").stdout
    )
    # A new account number replaces the old one whole (no sort code left from before).
    moved = recoup("org", "set", "--iban", "GB29NWBK60161331926819", "--bic", "NWBKGB2L")
    assert moved.exit_code == 0, moved.output
    assert recoup("org", "bank", "list").stdout == (
        "GBP: Barclays IBAN GB29NWBK60161331926819 BIC NWBKGB2L sort code 60-16-13 "
        "account 31926819\n"
    )

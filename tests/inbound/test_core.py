"""Reading replies: realistic messages (multipart with quoted history, auto-replies in
English and German, DSN bounces) and what each one is taken to say."""

from datetime import date

import pytest

from recoup.inbound import core
from recoup.inbound.enums import ReplyKind, ReplyStatus
from tests.inbound.messages import SENT_ID, TOKEN, eml

TODAY = date(2026, 12, 3)  # a Thursday
NUMBERS = ["INV-1-1", "INV-1-2"]


def read(name: str) -> tuple[core.Incoming, core.Reading]:
    incoming = core.parse(eml(name))
    return incoming, core.classify(incoming, received_on=TODAY, invoice_numbers=NUMBERS)


def test_a_paid_reply_with_its_remittance_and_quoted_reminder() -> None:
    incoming, reading = read("paid_remittance")
    assert incoming.message_id == "<DB9PR01MB7262A1@customer.example>"
    assert incoming.from_address == "ap1@customer.example"
    assert core.token_in(incoming.to_addresses) == TOKEN
    assert incoming.thread_ids == (SENT_ID,)
    # Only what the customer wrote: the reminder quoted below is cut off.
    assert incoming.new_text.startswith("Hello,\n\nWe already paid INV-1-1 yesterday")
    assert "escalate" not in incoming.new_text
    assert "escalate" in incoming.text
    (pdf,) = incoming.attachments
    assert (pdf.filename, pdf.mime) == ("Remittance-INV-1-1.pdf", "application/pdf")
    assert pdf.content.startswith(b"%PDF-1.4")
    assert (reading.kind, reading.invoice_numbers, reading.remittance) == (
        ReplyKind.PAID,
        ("INV-1-1",),
        True,
    )


def test_a_german_dispute_under_an_outlook_quote() -> None:
    incoming, reading = read("dispute_de")
    assert incoming.from_address == "buchhaltung@kunde.example"
    assert "beschädigt" in incoming.new_text
    assert "15.12.2026" not in incoming.new_text  # the quoted reminder's date
    assert incoming.thread_ids == (SENT_ID, "<older.thread@acme.example>")
    assert (reading.kind, reading.invoice_numbers, reading.dispute_reason) == (
        ReplyKind.DISPUTE,
        ("INV-1-2",),
        "quality",
    )


def test_a_promise_takes_the_customers_date_not_the_quoted_one() -> None:
    _, reading = read("promise_en")
    assert (reading.kind, reading.promised_on, reading.invoice_numbers) == (
        ReplyKind.PROMISE,
        date(2026, 12, 18),
        ("INV-1-1",),
    )


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("out_of_office_en", "an Auto-Submitted header (auto-replied)"),
        ("out_of_office_de", "an out-of-office subject"),
        ("delayed_dsn", "a delivery status notification (delayed)"),
    ],
)
def test_automatic_answers_are_only_noted(name: str, why: str) -> None:
    # Each says "I will pay" or "bezahlen" too: an automatic answer promises nothing.
    _, reading = read(name)
    assert (reading.kind, reading.why) == (ReplyKind.AUTO_REPLY, why)
    plan = core.decide(reading, received_on=TODAY, customer_known=True, invoice_ids={})
    assert plan == core.Plan(ReplyStatus.NOTED)


def test_a_bounce_names_the_address_and_our_message() -> None:
    incoming, reading = read("bounce_dsn")
    assert incoming.report is not None
    assert incoming.report.original_message_id == SENT_ID
    assert f"ar+{TOKEN}@acme.example" in incoming.report.original_to
    assert (reading.kind, reading.undeliverable, reading.status_code) == (
        ReplyKind.BOUNCE,
        "ap1@customer.example",
        "5.1.1",
    )
    assert "User unknown" in reading.diagnostic
    plan = core.decide(reading, received_on=TODAY, customer_known=True, invoice_ids={})
    assert (plan.undeliverable, plan.task_kind, plan.pause_until) == (
        "ap1@customer.example",
        "delivery",
        None,
    )


def test_an_html_only_question_is_a_task_and_its_quote_is_not_a_promise() -> None:
    incoming, reading = read("question_en")
    assert incoming.new_text.startswith("Could you send us a copy of the invoice")
    assert "10 December" in incoming.text
    assert "10 December" not in incoming.new_text
    assert reading.kind is ReplyKind.OTHER
    plan = core.decide(reading, received_on=TODAY, customer_known=True, invoice_ids={})
    assert (plan.status, plan.task_title) == (ReplyStatus.WAITING, "Answer the customer's reply")


def test_already_paid_pauses_a_few_days_and_asks_for_a_check() -> None:
    _, reading = read("paid_remittance")
    plan = core.decide(
        reading, received_on=TODAY, customer_known=True, invoice_ids={"INV-1-1": 7, "INV-1-2": 8}
    )
    assert plan.pause_until == date(2026, 12, 8)  # 3 Dec + 5 days
    assert plan.draft == {"invoice_ids": [7]}
    assert "remittance attached" in plan.task_title


def test_a_dispute_drafts_the_invoices_it_names() -> None:
    _, reading = read("dispute_de")
    plan = core.decide(
        reading, received_on=TODAY, customer_known=True, invoice_ids={"INV-1-1": 7, "INV-1-2": 8}
    )
    assert plan.draft == {"invoice_ids": [8], "reason": "quality"}


def test_a_reply_from_nobody_known_is_a_task_to_find_the_customer() -> None:
    _, reading = read("promise_en")
    plan = core.decide(reading, received_on=TODAY, customer_known=False, invoice_ids={})
    assert (plan.status, plan.draft) == (ReplyStatus.WAITING, {})
    assert "unknown sender" in plan.task_title


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Wir haben die Rechnung bereits bezahlt.", ReplyKind.PAID),
        ("The invoice was paid on Monday, see the remittance.", ReplyKind.PAID),
        ("We never received the goods on INV-1-1.", ReplyKind.DISPUTE),
        ("Der Betrag ist falsch, bitte prüfen.", ReplyKind.DISPUTE),
        ("Wir werden den Betrag am 15.12.2026 überweisen.", ReplyKind.PROMISE),
        ("We'll pay by Friday.", ReplyKind.PROMISE),
        ("We will pay soon.", ReplyKind.OTHER),  # a promise needs a date
        ("Who is my contact for this?", ReplyKind.OTHER),
    ],
)
def test_the_words_of_short_replies(text: str, kind: ReplyKind) -> None:
    raw = f"From: a@b.example\r\nTo: ar@acme.example\r\nSubject: Re: x\r\n\r\n{text}\r\n"
    reading = core.classify(core.parse(raw.encode()), received_on=TODAY)
    assert reading.kind is kind


def test_a_message_without_an_id_gets_one_from_its_content() -> None:
    raw = b"From: a@b.example\r\nSubject: hi\r\n\r\nhello\r\n"
    first, again = core.parse(raw), core.parse(raw)
    assert first.message_id == again.message_id
    assert first.message_id.startswith("<sha256.")

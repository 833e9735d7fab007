"""The README's "Your first week", as a new user does it: a UK wholesaler sets up its
details, imports its Xero exports as Xero writes them, checks, looks at the plan, and
runs its first six business days. Every message a customer received is read back.

The book on Monday 2 November 2026 (the default policy, first run gentle):

* Kestrel Tools Ltd (GBP, no contact name): INV-1001 £1,200.00 due 31 Aug (63 days
  late), INV-1002 £480.00 due 31 Oct (2 days late), INV-1006 a Draft (not owed yet).
* Brandt Maschinen GmbH (EUR, Petra Schmidt, Germany: no language given, so German):
  INV-1003 €2,000.00 due 15 Oct
  (18 days late).
* Moorland Farms Ltd (GBP, no postal address): INV-1004 £300.00 due Thu 5 Nov, INV-1005
  paid in Xero.

A gentle first run sends each late customer one friendly due notice, nothing more: no
formal notice for the 63-day invoice, no interest or compensation, no hold. Moorland's
invoice is 3 days from due on Monday (the pre-due reminder) and 1 day late on Friday
6 November (the due notice). The other days send nothing new: the next steps (courtesy
call at 30 days) are weeks away for invoices started on 2 November.
"""

from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from tests.cli.conftest import Recoup

CONTACTS = (
    '"*ContactName","AccountNumber","EmailAddress","FirstName","LastName","POAttentionTo",'
    '"POAddressLine1","POAddressLine2","POAddressLine3","POAddressLine4","POCity","PORegion",'
    '"POPostalCode","POCountry","PhoneNumber","TaxNumber","CompanyNumber"\n'
    '"Kestrel Tools Ltd","KES01","payables@kestrel.example","","","","12 Forge Lane","",'
    '"","","Sheffield","","S1 2AB","United Kingdom","0114 496 0123","",""\n'
    '"Brandt Maschinen GmbH","BRA01","ap@brandt.example","Petra","Schmidt","",'
    '"Industriestraße 7","","","","Köln","","50667","Germany","+49 221 123456",'
    '"DE136695976","HRB 123456"\n'
    '"Moorland Farms Ltd","MOR01","accounts@moorland.example","","","","","","","","",'
    '"","","United Kingdom","","",""\n'
)
INVOICES = (
    "ContactName,InvoiceNumber,Reference,InvoiceDate,DueDate,Total,TaxTotal,"
    "InvoiceAmountPaid,InvoiceAmountDue,Description,Currency,Type,Status\n"
    "Kestrel Tools Ltd,INV-1001,PO-881,01/08/2026,31/08/2026,1200.00,200.00,0.00,1200.00,"
    "Pallet racking,GBP,Sales invoice,Awaiting Payment\n"
    "Kestrel Tools Ltd,INV-1002,,01/10/2026,31/10/2026,480.00,80.00,0.00,480.00,"
    "Shelving,GBP,Sales invoice,Awaiting Payment\n"
    "Brandt Maschinen GmbH,INV-1003,,15/09/2026,15/10/2026,2000.00,0.00,0.00,2000.00,"
    "Spare parts,EUR,Sales invoice,Awaiting Payment\n"
    "Moorland Farms Ltd,INV-1004,,06/10/2026,05/11/2026,300.00,50.00,0.00,300.00,"
    "Fencing,GBP,Sales invoice,Awaiting Payment\n"
    "Moorland Farms Ltd,INV-1005,,01/09/2026,01/10/2026,90.00,15.00,90.00,0.00,"
    "Gate,GBP,Sales invoice,Paid\n"
    "Kestrel Tools Ltd,INV-1006,,30/10/2026,29/11/2026,75.00,12.50,0.00,75.00,"
    "Bolts,GBP,Sales invoice,Draft\n"
)
DAYS = ["2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05", "2026-11-06", "2026-11-09"]


def _inbox(tmp_path: Path) -> dict[str, EmailMessage]:
    found = {}
    for path in sorted((tmp_path / "mail-outbox").glob("*.eml")):
        found[path.name] = message_from_bytes(path.read_bytes(), policy=policy.default)
    return found  # type: ignore[return-value]


def _html(message: EmailMessage) -> str:
    body = message.get_body(("html",))
    assert body is not None
    return " ".join(str(body.get_content()).split())  # type: ignore[attr-defined]


def _text(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return " ".join(str(body.get_content()).split())  # type: ignore[attr-defined]


def test_a_new_company_s_first_week(recoup: Recoup, tmp_path: Path) -> None:
    made = recoup(
        "init", "--org", "canal", "--name", "Canal Wholesale", "--country", "GB",
        "--currency", "GBP", "--email", "ar@canal.example",
        "--address", "Unit 4, Canal Works, Leeds LS11 5PS", "--phone", "+44 113 496 0000",
        "--iban", "GB33BUKB20201555555555", "--bic", "BUKBGB22",
        "--admin-email", "sam@canal.example",
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    euro = recoup("org", "bank", "add", "--currency", "EUR", "--iban", "DE89370400440532013000",
                  "--bic", "COBADEFFXXX")  # fmt: skip
    assert euro.exit_code == 0, euro.output
    legal = recoup("org", "set", "--legal-name", "Canal Wholesale Ltd",
                   "--registration-number", "04433213", "--vat-number", "GB980780684")  # fmt: skip
    assert legal.exit_code == 0, legal.output
    (tmp_path / "contacts.csv").write_text(CONTACTS, encoding="utf-8")
    (tmp_path / "invoices.csv").write_text(INVOICES, encoding="utf-8")
    customers = recoup("import", "customers", str(tmp_path / "contacts.csv"))
    assert customers.exit_code == 0, customers.output
    invoices = recoup("import", "invoices", str(tmp_path / "invoices.csv"))
    assert invoices.exit_code == 0, invoices.output
    assert "invoice INV-1006 is Draft (not owed yet)" in invoices.stdout
    assert "ignored columns: InvoiceAmountPaid, Description" in invoices.stdout
    check = recoup("check")
    assert check.exit_code == 0, check.output  # warnings only (mail to files, local portal)

    plan = recoup("run", "--as-of", DAYS[0], "--dry-run")
    assert plan.exit_code == 0, plan.output
    assert not (tmp_path / "mail-outbox").exists()  # a dry run sends nothing

    sent_on: dict[str, list[str]] = {}
    seen: set[str] = set()
    for day in DAYS:
        run = recoup("run", "--as-of", day)
        assert run.exit_code == 0, run.output
        inbox = _inbox(tmp_path) if (tmp_path / "mail-outbox").exists() else {}
        sent_on[day] = sorted(
            f"{m['To']}: {m['Subject']}" for n, m in inbox.items() if n not in seen
        )
        seen |= set(inbox)

    first = sent_on[DAYS[0]]
    assert first == [  # one message per customer, nothing else; German for the German firm
        "accounts@moorland.example: Friendly reminder: invoice INV-1004 is due on 5 November 2026",
        "ap@brandt.example: Zahlung fällig: Rechnung INV-1003",
        "payables@kestrel.example: Payment due: 2 invoices – account KES01",
    ]
    for day in DAYS[1:4] + DAYS[5:]:
        assert sent_on[day] == [], (day, sent_on[day])
    assert sent_on["2026-11-06"] == ["accounts@moorland.example: Payment due: invoice INV-1004"]

    inbox = _inbox(tmp_path)
    # Every email names the company as registered, with its numbers labelled in the
    # reader's language (not two bare numbers).
    footers = {str(m["To"]): _html(m) for m in inbox.values()}
    assert (
        "Canal Wholesale Ltd · Company number 04433213 · VAT GB980780684"
        in (footers["payables@kestrel.example"])
    )
    assert (
        "Canal Wholesale Ltd · Registernummer 04433213 · USt-IdNr. GB980780684"
        in (footers["ap@brandt.example"])
    )
    by_to: dict[str, list[str]] = {}
    for message in inbox.values():
        by_to.setdefault(str(message["To"]), []).append(_text(message))
    (kestrel,) = by_to["payables@kestrel.example"]
    assert "Dear Kestrel Tools Ltd accounts team" in kestrel
    assert "INV-1001" in kestrel
    assert "INV-1002" in kestrel
    assert "INV-1006" not in kestrel  # a draft is not owed
    assert "Sort code: 20-20-15" in kestrel
    assert "GB33 BUKB 2020 1555 5555 55" in kestrel
    for word in ("Despite our previous reminders", "nterest", "compensation", "credit hold"):
        assert word not in kestrel, word  # gentle: no formal notice, no back-dated charges
    (brandt,) = by_to["ap@brandt.example"]
    assert "Petra Schmidt" in brandt  # greeted by name, in German (the country's language)
    assert "2.000,00 €" in brandt
    assert "DE89 3704 0044 0532 0130 00" in brandt
    assert "GB33" not in brandt  # the euro account for the euro invoice
    reminder, notice = sorted(by_to["accounts@moorland.example"])
    for text in (reminder, notice):
        assert "INV-1004" in text
        assert "INV-1005" not in text  # paid in Xero
    assert not list(tmp_path.glob("letters/*"))  # nothing came to a letter
    assert recoup("charges", "list", "--customer", "KES01").stdout == "KES01: no open charges\n"

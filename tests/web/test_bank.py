"""The Bank page: statements uploaded, lines listed by status, and every decision a
person makes about a line (accept, split, on account, ignore, undo), through the
browser's forms, on SQLite and PostgreSQL."""

import itertools
import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from recoup.cashapp import service as cashapp
from recoup.cashapp.models import BankLine, BankStatement, DecisionAction, LineDecision
from recoup.cashapp.statement import Statement, StatementLine
from recoup.db import transaction
from recoup.ledger import service as ledger
from tests.web.support import AS_OF, World, log_in, make_client

DATA = Path(__file__).resolve().parents[1] / "cashapp" / "data" / "bank"
DAY = AS_OF - timedelta(days=1)
_serial = itertools.count(1)


@dataclass
class Book:
    """Two customers of alpha made for one test, and their invoices (number -> id)."""

    first: str  # account numbers
    second: str
    invoices: dict[str, int]


def _book(world: World) -> Book:
    """Two new EUR customers, each with two open invoices (500.00 and 250.00)."""
    n = next(_serial)
    invoices = {}
    accounts = []
    with transaction(world.engine, actor="test") as session:
        for who, name in (("K", "Kestrel Kuechen"), ("M", "Marlin Moebel")):
            account = f"{who}{n}00"
            customer = ledger.create_customer(
                session, org_id=world.a.id, external_id=account, name=f"{name} {n} AG",
                currency="EUR",
            )  # fmt: skip
            accounts.append(account)
            for k, total in ((1, "500.00"), (2, "250.00")):
                number = f"B{n}{who}-{k}"
                invoice = ledger.create_invoice(
                    session, org_id=world.a.id, customer_id=customer.id, number=number,
                    issue_date=AS_OF - timedelta(days=40 - k), total=Decimal(total),
                    due_date=AS_OF - timedelta(days=10 - k),
                )  # fmt: skip
                invoices[number] = invoice.id
    return Book(accounts[0], accounts[1], invoices)


def _import(world: World, *lines: StatementLine) -> list[int]:
    """A statement of ``lines`` imported for alpha; the new lines' ids."""
    with transaction(world.engine, actor="test") as session:
        summary = cashapp.import_statements(
            session,
            org_id=world.a.id,
            statements=[
                Statement(
                    format="camt053",
                    account_iban="DE02120300000000202051",
                    account_number="",
                    currency="EUR",
                    statement_id=f"T{next(_serial)}",
                    lines=lines,
                )
            ],
            filename="test.xml",
        )
        return summary.line_ids


def _credit(amount: str, **kw: str) -> StatementLine:
    return StatementLine(
        booking_date=DAY, amount=Decimal(amount), currency="EUR", credit=True,
        bank_id=f"BANK-{next(_serial)}", **kw,  # type: ignore[arg-type]
    )  # fmt: skip


def _line(world: World, line_id: int) -> BankLine:
    with transaction(world.engine, actor="test") as session:
        line = cashapp.get_line(session, org_id=world.a.id, line_id=line_id)
        session.expunge(line)
        return line


def _open(world: World, number: str) -> int:
    with transaction(world.engine, actor="test") as session:
        return ledger.invoice_by_number(session, org_id=world.a.id, number=number).open_amount


def _decisions(world: World, line_id: int) -> list[tuple[str, str, str]]:
    with transaction(world.engine, actor="test") as session:
        return [
            (str(d.action), d.actor, d.detail)
            for d in session.scalars(
                select(LineDecision)
                .where(LineDecision.line_id == line_id)
                .order_by(LineDecision.id)
            )
        ]


def _flash(client: TestClient, response: object) -> str:
    page = client.get(response.headers["location"])  # type: ignore[attr-defined]
    found = re.search(r'<div class="flash" role="status">(.*?)</div>', page.text, re.S)
    return found.group(1) if found else ""


@pytest.fixture
def manager(world: World) -> tuple[TestClient, str]:
    client = make_client(world)
    return client, log_in(client, "manager@alpha.example")


def _proposed(world: World, book: Book) -> int:
    """A line that names no invoice: the payer's name and a part of what is open, so
    the matcher proposes the first customer but does not apply it."""
    name = f"Kestrel Kuechen {book.first[1:-2]} AG"
    [line_id] = _import(
        world, _credit("600.00", payer_name=name, payer_iban="DE44500105175407324931")
    )
    line = _line(world, line_id)
    assert line.status == "proposed", (line.status, line.reason)
    assert line.proposals[0]["account"] == book.first
    return line_id


def test_accepting_a_proposal_applies_it_and_says_what_was_learned(
    world: World, manager: tuple[TestClient, str]
) -> None:
    client, csrf = manager
    book = _book(world)
    line_id = _proposed(world, book)
    page = client.get("/bank/lines?status=proposed")
    assert page.status_code == 200
    assert f'id="line-{line_id}"' in page.text
    assert book.first in page.text  # the best proposal's customer, with its reason

    response = client.post(
        f"/bank/lines/{line_id}/accept",
        data={"csrf_token": csrf, "proposal": "1", "next": "/bank/lines?status=proposed"},
    )
    assert response.status_code == 303, response.text[:500]
    assert response.headers["location"] == "/bank/lines?status=proposed"
    flash = _flash(client, response)
    assert "Line" in flash
    assert "applied" in flash
    assert f"learned: IBAN DE445001… pays for {book.first}" in flash
    line = _line(world, line_id)
    assert line.status == "applied"
    # 600.00 oldest first: 500.00 to the first invoice, 100.00 to the second.
    n = book.first[1:-2]
    assert (_open(world, f"B{n}K-1"), _open(world, f"B{n}K-2")) == (0, 15000)
    assert [d[:2] for d in _decisions(world, line_id)] == [("apply", "manager@alpha.example")]


def test_a_line_is_split_over_invoices_of_two_customers(
    world: World, manager: tuple[TestClient, str]
) -> None:
    client, csrf = manager
    book = _book(world)
    n = book.first[1:-2]
    [line_id] = _import(world, _credit("800.00", remittance="Sammelzahlung"))
    response = client.post(
        f"/bank/lines/{line_id}/apply",
        data={
            "csrf_token": csrf,
            "invoice": [f"B{n}K-2", f"B{n}M-1", "", ""],
            "amount": ["", "500,00", "", ""],
            "customer": book.second,
        },
    )
    assert response.status_code == 303, response.text[:500]
    assert response.headers["location"] == f"/bank/lines/{line_id}"
    assert "applied: 750.00 EUR to invoices, 50.00 EUR on account" in _flash(client, response)
    assert _open(world, f"B{n}K-2") == 0
    assert _open(world, f"B{n}M-1") == 0
    assert _open(world, f"B{n}K-1") == 50000
    line = _line(world, line_id)
    assert (line.status, line.applied_amount) == ("applied", 75000)
    # One payment per customer; the rest on account of the customer named.
    assert [d[0] for d in _decisions(world, line_id)] == ["apply", "apply"]
    with transaction(world.engine, actor="test", read_only=True) as session:
        first, second = (
            ledger.get_customer(session, org_id=world.a.id, external_id=account).id
            for account in (book.first, book.second)
        )
        assert ledger.unapplied_payments(session, org_id=world.a.id, customer_id=first) == []
        (rest,) = ledger.unapplied_payments(session, org_id=world.a.id, customer_id=second)
        assert (rest.amount, rest.unallocated_amount) == (55000, 5000)


def test_a_refused_split_shows_why_beside_the_form_and_writes_nothing(
    world: World, manager: tuple[TestClient, str]
) -> None:
    client, csrf = manager
    book = _book(world)
    n = book.first[1:-2]
    [line_id] = _import(world, _credit("100.00", remittance="?"))
    for invoices, amounts, message in (
        ([f"B{n}K-1", "NO-SUCH-1"], ["50.00", ""], "no invoice numbered &#39;NO-SUCH-1&#39;"),
        ([f"B{n}K-1"], ["150.00"], "the line has 100.00 left"),
        ([f"B{n}K-1"], ["lots"], "is not an amount"),
        (["", ""], ["", ""], "name at least one invoice"),
    ):
        response = client.post(
            f"/bank/lines/{line_id}/apply",
            data={"csrf_token": csrf, "invoice": invoices, "amount": amounts},
        )
        assert response.status_code == 422, response.text[:500]
        assert message in response.text
        assert 'id="apply-form"' in response.text
    assert _line(world, line_id).status == "unmatched"
    assert _open(world, f"B{n}K-1") == 50000
    assert _decisions(world, line_id) == []


def test_a_line_goes_on_account_and_the_undo_needs_a_reason(
    world: World, manager: tuple[TestClient, str]
) -> None:
    client, csrf = manager
    book = _book(world)
    [line_id] = _import(world, _credit("42.00", remittance="Vorauszahlung"))
    response = client.post(
        f"/bank/lines/{line_id}/on-account", data={"csrf_token": csrf, "customer": book.second}
    )
    assert response.status_code == 303, response.text[:500]
    assert "0.00 EUR to invoices, 42.00 EUR on account" in _flash(client, response)
    line = _line(world, line_id)
    assert (line.status, line.applied_amount) == ("applied", 0)

    refused = client.post(f"/bank/lines/{line_id}/undo", data={"csrf_token": csrf, "reason": " "})
    assert refused.status_code == 422
    assert "say why the decision is undone" in refused.text
    assert _line(world, line_id).status == "applied"

    undone = client.post(
        f"/bank/lines/{line_id}/undo", data={"csrf_token": csrf, "reason": "wrong customer"}
    )
    assert undone.status_code == 303
    assert f"Line {line_id} undone." in _flash(client, undone)
    assert _line(world, line_id).status == "unmatched"
    actions = _decisions(world, line_id)
    assert [a for a, _, _ in actions] == ["apply", "undo"]
    assert actions[-1][2] == "wrong customer"


def test_undoing_an_application_reopens_the_invoices(
    world: World, manager: tuple[TestClient, str]
) -> None:
    client, csrf = manager
    book = _book(world)
    n = book.first[1:-2]
    [line_id] = _import(world, _credit("250.00", remittance="x"))
    client.post(
        f"/bank/lines/{line_id}/apply",
        data={"csrf_token": csrf, "invoice": [f"B{n}M-2"], "amount": [""]},
    )
    assert _open(world, f"B{n}M-2") == 0
    page = client.get(f"/bank/lines/{line_id}")
    assert 'id="undo-form"' in page.text
    response = client.post(
        f"/bank/lines/{line_id}/undo", data={"csrf_token": csrf, "reason": "paid by cheque"}
    )
    assert response.status_code == 303
    assert f"Open again: B{n}M-2" in _flash(client, response)
    assert _open(world, f"B{n}M-2") == 25000
    # Open again with the matcher's proposals (250.00 is open at several customers).
    assert _line(world, line_id).status == "proposed"


def test_ignoring_a_line_and_what_cannot_be_decided_twice(
    world: World, manager: tuple[TestClient, str]
) -> None:
    client, csrf = manager
    [line_id] = _import(world, _credit("9999.00", remittance="Umbuchung eigenes Konto"))
    response = client.post(f"/bank/lines/{line_id}/ignore", data={"csrf_token": csrf, "reason": ""})
    assert response.status_code == 303
    assert "ignored: not a customer payment" in _flash(client, response)
    assert _line(world, line_id).status == "ignored"
    again = client.post(f"/bank/lines/{line_id}/ignore", data={"csrf_token": csrf})
    assert again.status_code == 422
    assert "is already ignored" in again.text
    assert [a for a, _, _ in _decisions(world, line_id)] == [str(DecisionAction.IGNORE)]


def test_the_lines_are_paged_and_filtered_by_status(
    world: World, manager: tuple[TestClient, str]
) -> None:
    client, _ = manager
    ids = _import(world, *(_credit(f"{k}.01", remittance=f"unknown {k}") for k in range(1, 56)))
    with transaction(world.engine, actor="test") as session:
        statement_id = session.scalar(select(BankLine.statement_id).where(BankLine.id == ids[0]))
    first = client.get(f"/bank/statements/{statement_id}")
    assert first.status_code == 200
    assert "1–50 of 55" in first.text
    assert first.text.count('id="line-') == 50
    second = client.get(f"/bank/statements/{statement_id}?page=2")
    assert "51–55 of 55" in second.text
    assert second.text.count('id="line-') == 5
    assert f'id="line-{ids[-1]}"' in second.text
    applied = client.get(f"/bank/statements/{statement_id}?status=applied")
    assert "No bank lines with status applied" in applied.text
    # HTMX asks for the table alone.
    partial = client.get(
        f"/bank/statements/{statement_id}?status=unmatched", headers={"hx-request": "true"}
    )
    assert "<html" not in partial.text
    assert partial.text.count('id="line-') == 50
    assert client.get("/bank/statements/99999999").status_code == 404


def test_a_collector_sees_the_lines_but_cannot_decide(world: World) -> None:
    [line_id] = _import(world, _credit("12.00", remittance="collector test"))
    client = make_client(world)
    csrf = log_in(client, "collector@alpha.example")
    page = client.get(f"/bank/lines/{line_id}")
    assert page.status_code == 200
    assert 'id="ignore-form"' not in page.text
    assert "Decide…" not in client.get("/bank/lines").text
    response = client.post(f"/bank/lines/{line_id}/ignore", data={"csrf_token": csrf})
    assert response.status_code == 403
    assert _line(world, line_id).status == "unmatched"


def _statements(world: World) -> int:
    with transaction(world.engine, actor="test") as session:
        return int(session.scalar(select(func.count()).select_from(BankStatement)) or 0)


def test_a_statement_file_is_uploaded_checked_and_imported_once(
    world: World, manager: tuple[TestClient, str]
) -> None:
    client, csrf = manager
    data = (DATA / "camt053_oca.xml").read_bytes()
    before = _statements(world)

    def upload(**form: str) -> object:
        return client.post(
            "/bank",
            data={"csrf_token": csrf, "format": "auto", **form},
            files={"file": ("camt053_oca.xml", data, "application/xml")},
        )

    checked = upload(dry_run="1")
    assert checked.status_code == 200, checked.text[:500]  # type: ignore[attr-defined]
    assert "checked only, nothing was written" in checked.text  # type: ignore[attr-defined]
    assert _statements(world) == before
    imported = upload()
    text = imported.text  # type: ignore[attr-defined]
    found = re.search(r"(\d+) new lines \((\d+) credits, (\d+) debits\)", text)
    assert found, text[:2000]
    assert int(found[1]) > 0
    assert int(found[1]) == int(found[2]) + int(found[3])
    assert _statements(world) == before + 1
    again = upload().text  # type: ignore[attr-defined]
    assert "0 new lines" in again
    assert f"duplicates skipped: {found[1]}" in again
    page = client.get("/bank")
    assert page.status_code == 200
    assert 'id="statements"' in page.text


def test_a_bad_statement_file_is_refused_with_its_problem(
    world: World, manager: tuple[TestClient, str]
) -> None:
    client, csrf = manager
    before = _statements(world)
    response = client.post(
        "/bank",
        data={"csrf_token": csrf, "format": "mt940"},
        files={"file": ("wrong.940", (DATA / "mt940_oca_wrong.940").read_bytes(), "text/plain")},
    )
    assert response.status_code == 422
    assert 'class="field-error"' in response.text
    assert "MT940" in response.text
    missing = client.post(
        "/bank",
        data={"csrf_token": csrf, "format": "csv", "profile": "no-such-bank"},
        files={"file": ("x.csv", b"a;b\n1;2\n", "text/csv")},
    )
    assert missing.status_code == 422
    assert "no CSV profile named" in missing.text
    assert _statements(world) == before


def test_every_line_state_renders(world: World, manager: tuple[TestClient, str]) -> None:
    """The line page of a debit and of a proposal with its alternatives."""
    client, _ = manager
    [debit] = _import(
        world,
        StatementLine(booking_date=DAY, amount=Decimal("15.00"), currency="EUR", credit=False,
                      bank_id=f"BANK-{next(_serial)}", remittance="Kontofuehrung"),
    )  # fmt: skip
    page = client.get(f"/bank/lines/{debit}")
    assert page.status_code == 200
    assert "−€15.00" in page.text
    assert 'id="apply-form"' not in page.text

"""Every kind of file is checked and written a batch of rows at a time. A book imported
one row per batch ends exactly as the same files imported whole: what an earlier batch
planned (a customer, a contact's key, money applied to an invoice, settlement money
replaced) holds for the later ones, though nothing is written until the whole file has
passed. A bad row in a late batch still leaves nothing written."""

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from recoup.audit import service as audit
from recoup.charges.models import ChargeTerms
from recoup.errors import RowsRejected
from recoup.imports import service as imports
from recoup.imports.columns import Kind
from recoup.imports.service import ImportResult, import_file
from recoup.ledger.models import Allocation, Contact, CreditNote, Customer, Invoice, Payment
from tests.factories import make_org
from tests.imports.conftest import ledger_counts

FILES = [
    (
        "customers",
        """
external_id,name,currency,country,payment_terms_days,email,contact_name,law,late_fee
C1,Alpha GmbH,EUR,DE,30,ap@alpha.example,Anna Alpha,,
C2,Beta Ltd,GBP,GB,14,ap@beta.example,Bob Beta,,
C3,Gamma SARL,EUR,FR,45,,,FR,40.00
""",
    ),
    (
        "invoices",
        """
number,customer,issue_date,due_date,total,currency,open_balance
INV-1,C1,2026-01-01,2026-01-31,100.00,EUR,20.00
INV-2,C1,2026-01-02,2026-02-01,200.00,EUR,
INV-3,C2,2026-01-03,2026-01-17,300.00,GBP,
INV-4,C3,2026-01-04,2026-02-18,400.00,EUR,
""",
    ),
    (
        "payments",
        """
external_id,customer,received_on,amount,currency,reference,invoices
P1,C1,2026-02-01,30.00,EUR,first,INV-1
P2,C1,2026-02-02,120.00,EUR,second,INV-2:120.00
,C1,2026-02-03,90.00,EUR,third,INV-2
P4,,2026-02-04,100.00,GBP,fourth,INV-3
P5,C1,2026-02-05,45.00,EUR,fifth,INV-1
""",
    ),
    (
        "credit-notes",
        """
number,customer,issue_date,total,invoice,reason
CN-1,C2,2026-02-05,50.00,INV-3,damaged
CN-2,C2,2026-02-06,200.00,INV-3,returned
CN-3,C3,2026-02-07,10.00,,goodwill
""",
    ),
    (
        "contacts",
        """
customer,name,email,role
C1,Anna Alpha,ap@alpha.example,billing
C1,Carl Alpha,carl@alpha.example,billing
Gamma SARL,Gina Gamma,gina@gamma.example,billing
C2,Bobby Beta,ap@beta.example,billing
""",
    ),
]


def _run(session: Session, org_id: int, tmp_path: Path, kind: str, text: str) -> ImportResult:
    path = tmp_path / f"{org_id}-{kind}.csv"
    path.write_text(text.strip() + "\n", encoding="utf-8")
    return import_file(session, org_id=org_id, kind=Kind(kind), path=path)


def _book(session: Session, org_id: int) -> dict[str, list[tuple[Any, ...]]]:
    """The organisation's ledger with natural keys for ids: equal for equal books."""
    customers = dict(
        session.execute(
            select(Customer.id, Customer.external_id).where(Customer.org_id == org_id)
        ).all()
    )
    invoices = dict(
        session.execute(select(Invoice.id, Invoice.number).where(Invoice.org_id == org_id)).all()
    )
    payments = dict(
        session.execute(
            select(Payment.id, Payment.external_id).where(Payment.org_id == org_id)
        ).all()
    )
    notes = dict(
        session.execute(
            select(CreditNote.id, CreditNote.number).where(CreditNote.org_id == org_id)
        ).all()
    )
    keys = {
        "customer_id": customers,
        "invoice_id": invoices,
        "payment_id": payments,
        "credit_note_id": notes,
    }

    def rows(model: Any) -> list[tuple[Any, ...]]:
        columns = [c for c in model.__table__.columns if c.name not in {"id", "org_id"}]
        found = []
        for row in session.execute(select(*columns).where(model.org_id == org_id)):
            found.append(
                tuple(
                    keys[c.name].get(v) if c.name in keys else v
                    for c, v in zip(columns, row, strict=True)
                    if not isinstance(v, datetime)
                )
            )
        return sorted(found, key=repr)

    models = (Customer, Contact, Invoice, Payment, CreditNote, Allocation, ChargeTerms)
    return {m.__tablename__: rows(m) for m in models}


Batches = Callable[[int], None]


@pytest.fixture
def batches(monkeypatch: pytest.MonkeyPatch) -> Batches:
    return lambda size: monkeypatch.setattr(imports, "BATCH", size)


def test_one_row_per_batch_ends_as_the_whole_file(
    session: Session, tmp_path: Path, batches: Batches
) -> None:
    whole, batched = make_org(session, slug="whole"), make_org(session, slug="batched")
    results = {}
    for org, size in ((whole, 10_000), (batched, 1)):
        batches(size)
        results[size] = [_run(session, org.id, tmp_path, kind, text) for kind, text in FILES]
    assert [vars(r) for r in results[1]] == [vars(r) for r in results[10_000]]
    assert _book(session, batched.id) == _book(session, whole.id)
    for org in (whole, batched):
        assert audit.verify(session, org_id=org.id)[1] is None

    # What the batches saw of each other, by hand: INV-1 (100.00, 20.00 open) had 80.00
    # settled; P1 and P5 replace 75.00 of it; INV-2 takes P2's 120.00 and 80.00 of the
    # 90.00 without an id; CN-2 finds 150.00 left on INV-3 after P4 and CN-1.
    book = {
        number: (open_amount, status)
        for number, open_amount, status in session.execute(
            select(Invoice.number, Invoice.open_amount, Invoice.status).where(
                Invoice.org_id == batched.id
            )
        )
    }
    assert book == {
        "INV-1": (2000, "open"),
        "INV-2": (0, "paid"),
        "INV-3": (0, "paid"),
        "INV-4": (40000, "open"),
    }
    payments = dict(
        session.execute(
            select(Payment.external_id, Payment.unallocated_amount).where(
                Payment.org_id == batched.id, Payment.external_id.not_like("settled-%")
            )
        ).all()
    )
    assert sorted(payments.values()) == [0, 0, 0, 0, 1000]
    contacts = session.scalars(
        select(Contact.name).where(Contact.org_id == batched.id).order_by(Contact.name)
    ).all()
    assert contacts == ["Anna Alpha", "Bobby Beta", "Carl Alpha", "Gina Gamma"]
    assert results[1][4].updated == 1  # Bob Beta, whom the customers file made

    again = [_run(session, batched.id, tmp_path, kind, text) for kind, text in FILES]
    # Nothing twice; the customers file names Bob Beta again, the contacts file Bobby.
    assert [(r.created, r.updated, r.allocations) for r in again] == [
        (0, 1, 0),
        (0, 0, 0),
        (0, 0, 0),
        (0, 0, 0),
        (0, 1, 0),
    ]


@pytest.mark.parametrize(
    ("kind", "text", "problems"),
    [
        (
            "customers",
            "external_id,name,currency\nC1,Alpha,EUR\nC2,Beta,EUR\nC1,Alpha again,EUR",
            ["row 4, external_id: duplicate customer 'C1' in the file (also on row 2)"],
        ),
        (
            "contacts",
            "customer,name,email\nC1,Anna,a@alpha.example\nC1,Bob,b@alpha.example\n"
            "C1,Anne,A@alpha.example",
            ["row 4, email: duplicate contact 'C1/a@alpha.example' in the file (also on row 2)"],
        ),
        (
            "payments",
            "external_id,customer,received_on,amount,invoices\n"
            "P1,C1,2026-02-01,150.00,INV-1:150.00\nP2,C1,2026-02-02,60.00,INV-1:60.00",
            ["row 3, invoices: 60.00 is more than the 50.00 open on invoice INV-1"],
        ),
        (
            "credit-notes",
            "number,customer,issue_date,total,invoice,remaining\n"
            "CN-1,C1,2026-02-01,150.00,INV-1,0\nCN-2,C1,2026-02-02,60.00,INV-1,0\n"
            "CN-1,C1,2026-02-03,1.00,,",
            [
                "row 3, remaining: the accounting system applied 60.00 of credit note CN-2 "
                "to invoice INV-1, which has only 50.00 open in Recoup",
                "row 4, number: duplicate credit note number 'CN-1' in the file (also on row 2)",
            ],
        ),
    ],
)
def test_a_late_batch_sees_what_earlier_ones_planned(
    session: Session, tmp_path: Path, batches: Batches, kind: str, text: str, problems: list[str]
) -> None:
    org = make_org(session, currency="EUR")
    _run(session, org.id, tmp_path, "customers", "external_id,name,currency\nC1,Alpha,EUR")
    _run(
        session,
        org.id,
        tmp_path,
        "invoices",
        "number,customer,issue_date,total\nINV-1,C1,2026-01-01,200.00",
    )
    before = ledger_counts(session)
    batches(1)
    with pytest.raises(RowsRejected) as caught:
        _run(session, org.id, tmp_path, kind, text)
    assert [str(p) for p in caught.value.problems] == problems
    assert ledger_counts(session) == before

"""Cash application on a generated ledger: messy bank lines matched and applied.

``python -m bench.cashapp [--customers N] [--invoices M] [--lines L] [--databases sqlite]``
generates the ledger with the demo generator (``bench.data``), a month of credit and
debit lines whose remittance texts are as messy as real ones (missing references,
typos, combined payments, partials, bank charges deducted, foreign payers, unknown
payers, refunds), imports them and prints the share of credit lines applied without a
person, the share applied wrongly (target 0), the share proposed correctly for review,
and the time.

``python -m bench.cashapp --scale [--url URL] [--customers N] [--invoices M] [--lines L]``
times a bank import at scale instead: a camt.053 file of L messy lines read, matched
and applied against a ledger of M invoices, in its own process (its own peak memory).
Without ``--url`` it builds a SQLite ledger of the given size first; with the URL of
``make bench``'s database (1,000,000 invoices imported) it uses that one.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from bench.data import files
from recoup import money
from recoup.cashapp import formats
from recoup.cashapp import service as cashapp
from recoup.cashapp.reference import customer_reference, printed
from recoup.cashapp.statement import Statement, StatementLine
from recoup.db import make_engine, transaction
from recoup.db.migrate import upgrade
from recoup.imports.columns import Kind
from recoup.imports.service import import_file
from recoup.ledger import service as ledger

OUT = Path(__file__).parent / "out"
MONTH_START = date(2026, 11, 1)
# What payers send, and how often (weights).
KINDS = {
    "reference": 14,  # the RF reference, one or two invoices
    "number": 18,  # the invoice number, as printed
    "number-messy": 12,  # prefix dropped, zeros dropped, spaces, several numbers
    "typo": 4,  # a digit of the number mistyped
    "charges": 7,  # the number, amount less a bank charge
    "partial": 6,  # the number, part of the amount
    "overpaid": 3,  # the reference, a little more than everything open
    "name-only": 9,  # no reference at all: the payer's name and the exact amount
    "combined": 5,  # the payer's name, two invoices in one amount, no numbers
    "foreign": 5,  # a payer of another name (a parent company) quoting the number
    "unknown": 9,  # not a customer payment: a transfer, a refund from a supplier
    "refund": 8,  # a debit
}


@dataclass(frozen=True, slots=True)
class Truth:
    """Whom a line was meant for (None: nobody) and which invoices it pays."""

    kind: str
    customer_id: int | None
    invoice_ids: frozenset[int]


def _messy_number(rng: random.Random, number: str) -> str:
    digits = number.removeprefix("INV-")
    first, _, second = digits.partition("-")
    return rng.choice(
        (
            digits,
            f"{first.lstrip('0')}-{second}",
            f"{first} {second}",
            f"Rechnung Nr. {first.lstrip('0')}{second}",
            f"inv {first}/{second}",
            f"Re {number.lower()}",
        )
    )


def _typo(rng: random.Random, number: str) -> str:
    chars = list(number)
    spots = [i for i, ch in enumerate(chars) if ch.isdigit()]
    spot = rng.choice(spots[-4:])
    chars[spot] = str((int(chars[spot]) + rng.randint(1, 9)) % 10)
    return "".join(chars)


def _iban(rng: random.Random) -> str:
    return "DE" + "".join(str(rng.randint(0, 9)) for _ in range(20))


def messy_statement(
    session: Any, *, org_id: int, lines: int, seed: int
) -> tuple[Statement, list[Truth]]:
    """A month of bank lines about the ledger's open invoices, and the truth of each."""
    rng = random.Random(f"cashapp-{seed}")
    names = {
        cid: (account, name) for cid, account, name in ledger.customer_rows(session, org_id=org_id)
    }
    rows = [r for r in ledger.invoice_rows(session, org_id=org_id) if r.status == "open"]
    currency = Counter(r.currency for r in rows).most_common(1)[0][0]
    by_customer: dict[int, list[Any]] = defaultdict(list)
    for row in sorted(rows, key=lambda r: (r.due_date, r.id)):
        if row.currency == currency:
            by_customer[row.customer_id].append(row)
    customers = sorted(by_customer)
    ibans = {cid: _iban(rng) for cid in customers}
    out: list[StatementLine] = []
    truths: list[Truth] = []
    kinds, weights = list(KINDS), list(KINDS.values())
    for n in range(lines):
        kind = rng.choices(kinds, weights)[0]
        day = MONTH_START + timedelta(days=n * 28 // max(lines, 1))
        fields: dict[str, Any] = {"bank_id": f"B{seed}-{n}"}
        if kind in ("unknown", "refund"):
            amount = Decimal(rng.randint(500, 500_000)) / 100
            fields["remittance"] = rng.choice(
                ("Umbuchung", "transfer own account", "Erstattung Lieferant 4711", "", "Zinsen")
            )
            fields["payer_name"] = rng.choice(("Unknown Payer Ltd", "J. Smith", "Finanzamt", ""))
            out.append(StatementLine(day, amount, currency, kind != "refund", **fields))
            truths.append(Truth(kind, None, frozenset()))
            continue
        candidates = [c for c in customers if by_customer[c]]
        if not candidates:
            break
        customer_id = rng.choice(candidates)
        _, name = names[customer_id]
        items = by_customer[customer_id]
        take = 2 if kind == "combined" or (kind == "reference" and rng.random() < 0.3) else 1
        take = min(len(items) if kind == "overpaid" else take, len(items))
        paid = [items.pop(0) for _ in range(take)]
        total = sum(i.open_amount for i in paid)
        numbers = [i.number for i in paid]
        fields["payer_name"] = rng.choice((name, name.upper(), " ".join(name.split()[:2])))
        fields["payer_iban"] = ibans[customer_id]
        minor = total
        if kind in ("reference", "overpaid"):
            reference = customer_reference(customer_id)
            if rng.random() < 0.5:
                fields["creditor_reference"] = reference
            else:
                fields["remittance"] = f"{printed(reference)} {' '.join(numbers)}"
            if kind == "overpaid":
                minor = total + rng.choice((1000, 2500))
        elif kind == "number":
            fields["remittance"] = f"Invoice {', '.join(numbers)}"
        elif kind == "number-messy":
            fields["remittance"] = _messy_number(rng, numbers[0])
        elif kind == "typo":
            fields["remittance"] = f"INV {_typo(rng, numbers[0])}"
        elif kind == "charges":
            minor = total - rng.choice((750, 1200, 1500))
            fields["remittance"] = numbers[0]
        elif kind == "partial":
            minor = total // 2
            fields["remittance"] = f"Teilzahlung {numbers[0]}"
        elif kind in ("name-only", "combined"):
            fields["remittance"] = rng.choice(("Zahlung", "payment", "", "Sammelzahlung"))
        elif kind == "foreign":
            fields["payer_name"] = rng.choice(("Holding SA", "Groupe Finance SAS", "Parent AG"))
            fields["payer_iban"] = _iban(rng)
            fields["remittance"] = numbers[0]
        if minor <= 0:
            minor = total
        out.append(StatementLine(day, money.from_minor(minor, currency), currency, True, **fields))
        truths.append(Truth(kind, customer_id, frozenset(i.id for i in paid)))
    statement = Statement(
        format="camt053",
        account_iban="DE02120300000000202051",
        account_number="",
        currency=currency,
        statement_id=f"bench-{seed}",
        lines=tuple(out),
    )
    return statement, truths


def measure(engine: Engine, *, lines: int, seed: int = 1) -> dict[str, Any]:
    """Import a messy statement into the ledger in ``engine`` and score the outcome."""
    with transaction(engine, actor="bench") as session:
        org_id = ledger.resolve_organisation(session, slug="bench").id
        statement, truths = messy_statement(session, org_id=org_id, lines=lines, seed=seed)
    start = time.perf_counter()
    with transaction(engine, actor="bench") as session:
        summary = cashapp.import_statements(session, org_id=org_id, statements=[statement])
    seconds = time.perf_counter() - start
    with transaction(engine, actor="bench", read_only=True) as session:
        stored = {b.id: b for b in cashapp.list_lines(session, org_id=org_id)}
        new = [stored[i] for i in summary.line_ids]
    counts: Counter[str] = Counter()
    wrong_kinds: Counter[str] = Counter()
    auto_kinds: Counter[str] = Counter()
    all_kinds: Counter[str] = Counter()
    for line, truth in zip(new, truths, strict=True):
        if not line.credit:
            continue
        counts["credits"] += 1
        all_kinds[truth.kind] += 1
        if line.status == "applied":
            counts["auto"] += 1
            auto_kinds[truth.kind] += 1
            best = line.proposals[0]
            invoices = {int(i) for i, _, _ in best["shares"]}
            if truth.customer_id != line.customer_id:
                counts["wrong"] += 1
                wrong_kinds[truth.kind] += 1
            elif (
                truth.invoice_ids and not invoices <= truth.invoice_ids and truth.kind != "partial"
            ):
                counts["other_invoices"] += 1
        elif truth.customer_id is not None:
            counts["for_review"] += 1
            if line.proposals and line.proposals[0]["customer_id"] == truth.customer_id:
                counts["proposed_correctly"] += 1
    credits = max(counts["credits"], 1)
    return {
        "lines": len(new),
        "credits": counts["credits"],
        "auto_applied_share": counts["auto"] / credits,
        "wrongly_applied_share": counts["wrong"] / credits,
        "applied_to_other_invoices_of_the_right_customer": counts["other_invoices"],
        "proposed_correctly_share": counts["proposed_correctly"] / credits,
        "proposed_correctly_of_review": counts["proposed_correctly"] / max(counts["for_review"], 1),
        "wrong_by_kind": dict(wrong_kinds),
        "auto_applied_by_kind": {k: f"{auto_kinds[k]}/{n}" for k, n in sorted(all_kinds.items())},
        "seconds": seconds,
    }


def ledger_of(url: str, folder: Path, customers: int, invoices: int) -> Engine:
    """A fresh database with the demo generator's customers and invoices."""
    engine = make_engine(url)
    upgrade(engine)
    with transaction(engine, actor="bench") as session:
        ledger.create_organisation(session, slug="bench", name="Bench Ltd", base_currency="GBP")
    customer_file, invoice_file = files(folder, customers, invoices)
    for kind, path in ((Kind.CUSTOMERS, customer_file), (Kind.INVOICES, invoice_file)):
        with transaction(engine, actor="bench") as session:
            org_id = ledger.resolve_organisation(session, slug="bench").id
            import_file(session, org_id=org_id, kind=kind, path=path)
    return engine


# At scale: a camt.053 file in, read, matched and applied.


def camt053(statement: Statement) -> bytes:
    """``statement`` as an ISO 20022 camt.053.001.08 file (one entry per line)."""
    ns = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"
    document = ET.Element("Document", xmlns=ns)
    stmt = ET.SubElement(ET.SubElement(document, "BkToCstmrStmt"), "Stmt")
    ET.SubElement(stmt, "Id").text = statement.statement_id
    account = ET.SubElement(stmt, "Acct")
    ET.SubElement(ET.SubElement(account, "Id"), "IBAN").text = statement.account_iban
    ET.SubElement(account, "Ccy").text = statement.currency
    for line in statement.lines:
        entry = ET.SubElement(stmt, "Ntry")
        ET.SubElement(entry, "Amt", Ccy=line.currency).text = f"{line.amount:.2f}"
        ET.SubElement(entry, "CdtDbtInd").text = "CRDT" if line.credit else "DBIT"
        ET.SubElement(ET.SubElement(entry, "Sts"), "Cd").text = "BOOK"
        ET.SubElement(ET.SubElement(entry, "BookgDt"), "Dt").text = line.booking_date.isoformat()
        ET.SubElement(entry, "AcctSvcrRef").text = line.bank_id
        detail = ET.SubElement(ET.SubElement(entry, "NtryDtls"), "TxDtls")
        role = "Dbtr" if line.credit else "Cdtr"
        parties = ET.SubElement(detail, "RltdPties")
        if line.payer_name:
            ET.SubElement(ET.SubElement(parties, role), "Nm").text = line.payer_name
        if line.payer_iban:
            iban = ET.SubElement(ET.SubElement(ET.SubElement(parties, f"{role}Acct"), "Id"), "IBAN")
            iban.text = line.payer_iban
        remittance = ET.SubElement(detail, "RmtInf")
        if line.remittance:
            ET.SubElement(remittance, "Ustrd").text = line.remittance
        if line.creditor_reference:
            reference = ET.SubElement(ET.SubElement(remittance, "Strd"), "CdtrRefInf")
            ET.SubElement(reference, "Ref").text = line.creditor_reference
    return ET.tostring(document, encoding="utf-8", xml_declaration=True)


def write_statement(url: str, path: Path, *, lines: int, seed: int) -> Path:
    """A camt.053 file of ``lines`` messy lines about the ledger at ``url``."""
    engine = make_engine(url)
    with transaction(engine, actor="bench", read_only=True) as session:
        org_id = ledger.resolve_organisation(session, slug="bench").id
        statement, _ = messy_statement(session, org_id=org_id, lines=lines, seed=seed)
    engine.dispose()
    path.write_bytes(camt053(statement))
    return path


def _server_cpu(session: Session) -> float | None:
    """The CPU seconds the PostgreSQL backend serving ``session`` has used so far, read
    from /proc when the server runs on this machine; None on SQLite (its work is the
    process's own) or a remote server."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    pid = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def apply_step(engine: Engine, path: Path) -> dict[str, Any]:
    """``recoup bank import``'s work on ``path``: read, store, match, apply; timed."""
    start = time.perf_counter()
    # On a machine shared with other jobs the wall time mostly measures the wait for a
    # core: the process's own CPU time (SQLite's work included) is reported beside it.
    cpu = time.process_time()
    statements = formats.read(path.read_bytes(), filename=path.name)
    with transaction(engine, actor="bench") as session:
        server = _server_cpu(session)
        org_id = ledger.resolve_organisation(session, slug="bench").id
        summary = cashapp.import_statements(
            session, org_id=org_id, statements=statements, filename=path.name
        )
        session.flush()
        server = _server_cpu(session) - server if server is not None else None
    return {
        "rows": summary.lines,
        "seconds": time.perf_counter() - start,
        "cpu_seconds": time.process_time() - cpu,
        # PostgreSQL's share: its backend's CPU time, when the server is on this machine.
        "server_cpu_seconds": server,
        "credits": summary.credits,
        "auto_applied": summary.auto_applied,
        "proposed": summary.proposed,
        "unmatched": summary.unmatched,
        "duplicates": summary.duplicates,
    }


def scale(url: str, *, lines: int, seed: int) -> dict[str, Any]:
    """Import ``lines`` messy lines into the ledger at ``url`` in a process of its own:
    the step's time and peak memory."""
    path = write_statement(url, OUT / f"statement-{lines}-{seed}.xml", lines=lines, seed=seed)
    done = subprocess.run(
        [sys.executable, "-m", "bench.steps", "cashapp", url, str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        sys.exit(f"the cash application step failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=500)
    parser.add_argument("--invoices", type=int, default=5000)
    parser.add_argument("--lines", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scale", action="store_true", help="time a bank import at scale")
    parser.add_argument("--url", help="with --scale: an imported ledger (make bench's)")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    if args.scale:
        url = args.url
        if url is None:
            path = OUT / f"cashapp-{args.customers}-{args.invoices}.db"
            path.unlink(missing_ok=True)
            start = time.perf_counter()
            ledger_of(f"sqlite:///{path}", OUT / "data", args.customers, args.invoices).dispose()
            print(f"ledger built in {time.perf_counter() - start:.0f} s", file=sys.stderr)
            url = f"sqlite:///{path}"
        print(json.dumps(scale(url, lines=args.lines, seed=args.seed), indent=2))
        return
    path = OUT / "cashapp.db"
    path.unlink(missing_ok=True)
    engine = ledger_of(f"sqlite:///{path}", OUT / "data", args.customers, args.invoices)
    result = measure(engine, lines=args.lines, seed=args.seed)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

"""``python -m bench.inbound``: 1,000 customer replies received over SMTP, each matched,
stored, read and acted on (tasks, drafts, pauses, bounced contacts) in its own
transaction. Target: under 60 s.

The replies are a realistic mix — "already paid" with a remittance PDF (to the
customer's plus address), disputes and promises (from a contact's address, quoting the
reminder), out-of-office answers in English and German, DSN bounces, questions — sent
over ``--connections`` SMTP connections at once (a mail server delivering its queue; 4
by default) to the receiver of ``recoup inbound --smtp-listen``. The
reference, measured in the same run, is the same messages sent to a bare aiosmtpd
server that only keeps them in memory: the wire and the SMTP dialogue alone.

``--url`` runs on an existing book (say a copy of the 1,000,000-invoice one), else on a
fresh SQLite book of ``--customers`` customers with a contact and two invoices each.
"""

import argparse
import random
import smtplib
import socket
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope
from sqlalchemy import Engine, func, select

from recoup.cases.models import Task
from recoup.db import make_engine, transaction
from recoup.db.migrate import upgrade
from recoup.inbound import receivers
from recoup.inbound import service as inbound
from recoup.inbound.models import Reply
from recoup.ledger import service as ledger

OUT = Path(__file__).parent / "out"
PDF = b"%PDF-1.4\n% remittance advice\n" + b"0" * 20_000 + b"\n%%EOF\n"
QUOTE = (
    "\n\nOn Mon, 30 Nov 2026 at 09:00, Credit Control <credit@bench.example> wrote:\n"
    "> Dear customer,\n> invoice {number} is overdue. Please pay by 10 December 2026.\n"
    "> We will add statutory interest and dispute nothing.\n"
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True, slots=True)
class Account:
    customer_id: int
    email: str
    numbers: tuple[str, ...]
    address: str  # the customer's reply address


def fresh_book(customers: int) -> tuple[str, int]:
    """A new SQLite book: customers with a contact and two open invoices each."""
    OUT.mkdir(exist_ok=True)
    path = OUT / "inbound.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine)
    with transaction(engine, actor="bench") as session:
        org = ledger.create_organisation(
            session, slug="bench", name="Bench Ltd", base_currency="GBP"
        )
        for n in range(customers):
            customer = ledger.create_customer(
                session,
                org_id=org.id,
                external_id=f"C{n:06d}",
                name=f"Customer {n} Ltd",
                currency="GBP",
            )
            ledger.add_contact(
                session,
                org_id=org.id,
                customer_id=customer.id,
                name="Accounts",
                email=f"ap{n}@customer{n}.example",
            )
            for k in (1, 2):
                ledger.create_invoice(
                    session,
                    org_id=org.id,
                    customer_id=customer.id,
                    number=f"INV-{n:06d}-{k}",
                    issue_date=date(2026, 9, 1),
                    due_date=date(2026, 10, 1),
                    total=Decimal("100.00") * k,
                )
        org_id = org.id
    engine.dispose()
    return url, org_id


def accounts(engine: Engine, org_id: int, count: int, seed: int) -> list[Account]:
    """``count`` customers with an email contact and open invoices, and their addresses."""
    rng = random.Random(seed)
    with transaction(engine, actor="bench") as session:
        inbound.set_address(session, org_id=org_id, address="ar@bench.example")
        everyone = [c.id for c in ledger.customers(session, org_id=org_id)]
        rng.shuffle(everyone)
        found: list[Account] = []
        for customer_id in everyone:
            emails = [
                c.email
                for c in ledger.contacts_of(session, org_id=org_id, customer_id=customer_id)
                if c.email
            ]
            numbers = tuple(
                i.number
                for i in ledger.open_invoices(session, org_id=org_id, customer_id=customer_id)
            )
            if not emails or not numbers:
                continue
            address = inbound.reply_address(session, org_id=org_id, customer_id=customer_id)
            found.append(Account(customer_id, emails[0], numbers[:5], address))
            if len(found) == count:
                break
    return found


def messages(chosen: Sequence[Account], seed: int) -> list[tuple[str, bytes]]:
    """One realistic reply per account: (envelope recipient, raw message)."""
    rng = random.Random(seed)
    today = date.today()
    made = []
    for n, account in enumerate(chosen):
        number = rng.choice(account.numbers)
        message = EmailMessage()
        message["From"] = account.email
        message["Message-ID"] = f"<bench.{seed}.{n}@customer.example>"
        message["Date"] = "Thu, 03 Dec 2026 09:00:00 +0000"
        roll = rng.random()
        to = account.address
        if roll < 0.30:
            message["Subject"] = f"RE: Payment reminder {number}"
            message.set_content(
                f"Hello,\n\nwe already paid {number} yesterday, remittance attached."
                + QUOTE.format(number=number)
            )
            message.add_attachment(
                PDF, maintype="application", subtype="pdf", filename=f"remittance-{number}.pdf"
            )
        elif roll < 0.50:
            to = "ar@bench.example"  # matched by the sender's address
            message["Subject"] = f"AW: Zahlungserinnerung {number}"
            message.set_content(
                f"Guten Tag,\n\nwir widersprechen der Rechnung {number}, die Ware war "
                "beschädigt.\n\nMit freundlichen Grüßen" + QUOTE.format(number=number)
            )
        elif roll < 0.70:
            to = "ar@bench.example"
            on = today + timedelta(days=rng.randint(3, 40))
            message["Subject"] = f"Re: {number}"
            message.set_content(
                f"Hi,\n\nwe will pay {number} on {on.day} {on:%B}.\n\nThanks"
                + QUOTE.format(number=number)
            )
        elif roll < 0.85:
            german = rng.random() < 0.5
            message["Subject"] = (
                f"Abwesenheitsnotiz: Zahlungserinnerung {number}"
                if german
                else f"Automatic reply: Payment reminder {number}"
            )
            if not german:
                message["Auto-Submitted"] = "auto-replied"
            message.set_content("Ich bin nicht im Büro." if german else "I am out of the office.")
        elif roll < 0.90:
            raw = DSN.format(seed=seed, n=n, email=account.email, address=account.address)
            made.append(("credit@bench.example", raw.replace("\n", "\r\n").encode()))
            continue
        else:
            message["Subject"] = "Re: your reminder"
            message.set_content(
                "Could you send a copy with our PO number?" + QUOTE.format(number=number)
            )
        message["To"] = to
        made.append((to, message.as_bytes(policy=SMTP)))
    return made


DSN = """From: Mail Delivery System <MAILER-DAEMON@mx.bench.example>
To: credit@bench.example
Subject: Undelivered Mail Returned to Sender
Message-ID: <bench.{seed}.{n}.dsn@mx.bench.example>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b{n}"

--b{n}
Content-Type: text/plain

Your message could not be delivered to {email}.

--b{n}
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.bench.example

Final-Recipient: rfc822; {email}
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <{email}>: Recipient address rejected: User unknown

--b{n}
Content-Type: text/rfc822-headers

From: credit@bench.example
To: {email}
Reply-To: {address}
Subject: Payment reminder

--b{n}--
"""


def _send(port: int, made: Sequence[tuple[str, bytes]], connections: int) -> None:
    """Deliver the messages over ``connections`` SMTP connections at once, as a mail
    server delivers a queue to one destination."""

    def deliver(share: Sequence[tuple[str, bytes]]) -> None:
        with smtplib.SMTP("127.0.0.1", port, timeout=300) as client:
            for to, raw in share:
                client.sendmail("sender@customer.example", [to], raw)

    shares = [made[i::connections] for i in range(connections)]
    with ThreadPoolExecutor(connections) as pool:
        for done in [pool.submit(deliver, share) for share in shares]:
            done.result()


class _Keep:
    """The reference server: keeps each message in memory, nothing else."""

    def __init__(self) -> None:
        self.kept: list[bytes] = []

    async def handle_DATA(self, server: object, session: object, envelope: Envelope) -> str:
        self.kept.append(envelope.original_content or b"")
        return "250 OK"


def reference(made: Sequence[tuple[str, bytes]], connections: int) -> float:
    port = free_port()
    keep = _Keep()
    controller = Controller(keep, hostname="127.0.0.1", port=port, decode_data=False)
    controller.start()
    try:
        started = time.perf_counter()
        _send(port, made, connections)
        seconds = time.perf_counter() - started
    finally:
        controller.stop()
    assert len(keep.kept) == len(made)
    return seconds


def measure(
    engine: Engine, org_id: int, made: Sequence[tuple[str, bytes]], connections: int
) -> float:
    port = free_port()
    with receivers.smtp_receiver(engine, org_id=org_id, host="127.0.0.1", port=port) as tally:
        started = time.perf_counter()
        _send(port, made, connections)  # each DATA answered once its reply is committed
        seconds = time.perf_counter() - started
    if tally.failed or tally.stored != len(made):
        raise SystemExit(f"stored {tally.stored} of {len(made)}: {tally.errors[:3]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", help="an existing book (default: a fresh SQLite one)")
    parser.add_argument("--org", default="", help="its organisation's slug")
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--replies", type=int, default=1000)
    parser.add_argument("--connections", type=int, default=4, help="SMTP connections at once")
    parser.add_argument("--seed", type=int, default=int(time.time()) % 100_000)
    args = parser.parse_args()
    started = time.perf_counter()
    if args.url:
        url = args.url
        engine = make_engine(url)
        upgrade(engine)
        with transaction(engine, actor="bench") as session:
            org_id = ledger.resolve_organisation(session, slug=args.org or None).id
    else:
        url, org_id = fresh_book(args.customers)
        engine = make_engine(url)
    chosen = accounts(engine, org_id, args.replies, args.seed)
    made = messages(chosen, args.seed)
    print(f"set-up: {len(made)} replies to {engine.dialect.name} in "
          f"{time.perf_counter() - started:.1f} s", flush=True)  # fmt: skip
    ref = reference(made, args.connections)
    seconds = measure(engine, org_id, made, args.connections)
    with transaction(engine, actor="bench", read_only=True) as session:
        stored = session.scalar(select(func.count()).select_from(Reply)) or 0
        tasks = session.scalar(select(func.count()).where(Task.key.like("reply:%"))) or 0
        by_kind = dict(
            (k, n)
            for k, n in session.execute(select(Reply.kind, func.count()).group_by(Reply.kind))
        )
    engine.dispose()
    verdict = "OK" if seconds < 60 else "TOO SLOW"
    print(f"{'database':<11} {'replies':>8} {'seconds':>8} {'replies/s':>10} "
          f"{'reference s':>11} {'ratio':>6}  target < 60 s")  # fmt: skip
    print(f"{engine.dialect.name:<11} {len(made):>8} {seconds:>8.2f} {len(made) / seconds:>10.1f} "
          f"{ref:>11.2f} {seconds / ref:>6.1f}  {verdict}")  # fmt: skip
    print(f"in the database: {stored} replies, {tasks} reply tasks; by kind: {by_kind}")
    print("reference: the same messages sent to an SMTP server that only keeps them in memory")


if __name__ == "__main__":
    main()

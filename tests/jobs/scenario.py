"""A replay of the daily run over a small ledger, day by day, with real channels.

``Replay`` runs ``run_day`` and ``dispatch`` for each business day, like a scheduled
``recoup run``, committing each day, and keeps what each day produced: the emails the
SMTP server received, the letters written, the charges recorded and the credit holds in
force, so that a test can assert day by day what a customer received and was charged.
"""

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from recoup.cases.models import Task
from recoup.charges.models import Charge
from recoup.comms.dispatcher import dispatch
from recoup.comms.models import OutboxMessage
from recoup.config import Settings
from recoup.credit.models import CreditHold
from recoup.db import transaction
from recoup.jobs.daily import run_day
from recoup.jobs.effects import LiveChannels
from recoup.ledger.models import Customer, Invoice
from recoup.policy.service import available_policies
from tests.mailbox import Mailbox


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    text: str
    attachments: tuple[str, ...]
    statement: str = ""  # the text of the attached statement.pdf, if any


@dataclass(frozen=True)
class Letter:
    name: str
    text: str


@dataclass(frozen=True)
class ChargeRow:
    customer: str  # external id
    invoice: str  # invoice number
    kind: str
    amount: int  # pence
    period_start: date
    period_end: date


@dataclass
class Day:
    """What one day of the replay produced."""

    day: date
    emails: list[Email] = field(default_factory=list)
    letters: list[Letter] = field(default_factory=list)
    charges: list[ChargeRow] = field(default_factory=list)
    holds: dict[str, list[str]] = field(default_factory=dict)  # customer -> active sources
    tasks: list[str] = field(default_factory=list)  # titles of tasks raised that day
    # Customer messages put in the outbox that day: (customer, step, channel, address).
    outbox: list[tuple[str, str, str, str]] = field(default_factory=list)

    def to(self, address: str) -> list[Email]:
        return [e for e in self.emails if e.to == address]


def business_days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        if day.weekday() < 5:
            yield day
        day += timedelta(days=1)


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def email_text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return " ".join(str(body.get_content()).split())


Event = Callable[[Session], None]


class Replay:
    """Run the daily job over ``engine``'s organisation, one business day at a time."""

    def __init__(
        self, engine: Engine, *, org_id: int, mailbox: Mailbox, port: int, tmp: Path
    ) -> None:
        self.engine = engine
        self.org_id = org_id
        self.mailbox = mailbox
        self.letters_dir = tmp / "letters"
        self.settings = Settings(
            smtp_url=f"smtp://127.0.0.1:{port}?from=credit@acme.example",
            letters_dir=str(self.letters_dir),
            sms_url=f"file://{tmp / 'sms'}",
        )
        self.policies = available_policies()
        self.days: dict[date, Day] = {}
        self.rerun_changes: list[tuple[date, str]] = []

    def state(self) -> tuple[Any, ...]:
        """Counts that a second run of a day must leave unchanged."""
        with transaction(self.engine, actor="test") as session:
            counts = [
                session.scalar(select(func.count()).select_from(model))
                for model in (OutboxMessage, Charge, CreditHold, Task)
            ]
            return (
                *counts,
                session.scalar(select(func.sum(Charge.amount))),
                session.scalar(select(func.count()).where(CreditHold.status == "active")),
                session.scalar(select(func.count()).where(OutboxMessage.status != "sent")),
                len(self.mailbox.received),
                len(self._letters()),
            )

    def _letters(self) -> list[Path]:
        return sorted(self.letters_dir.iterdir()) if self.letters_dir.exists() else []

    def run(self, day: date, event: Event | None = None, *, rerun: bool = True) -> Day:
        now = datetime.combine(day, time(9), UTC)
        mails, letters = len(self.mailbox.received), set(self._letters())
        with transaction(self.engine, actor="test") as session:
            charges_before = session.scalar(select(func.max(Charge.id))) or 0
            tasks_before = session.scalar(select(func.max(Task.id))) or 0
            outbox_before = session.scalar(select(func.max(OutboxMessage.id))) or 0
        if event is not None:
            with transaction(self.engine, actor="sam@acme.example") as session:
                event(session)
        self.run_and_dispatch(day, now)
        if rerun:
            before = self.state()
            self.run_and_dispatch(day, now)
            if self.state() != before:
                self.rerun_changes.append((day, f"{before} -> {self.state()}"))
        result = Day(day)
        for n in range(mails, len(self.mailbox.received)):
            message = self.mailbox.message(n)
            statement = [
                " ".join(pdf_text(part.get_content()).split())
                for part in message.iter_attachments()
                if part.get_filename() == "statement.pdf"
            ]
            result.emails.append(
                Email(
                    to=str(message["To"]),
                    subject=str(message["Subject"]),
                    text=email_text(message),
                    attachments=tuple(
                        str(part.get_filename()) for part in message.iter_attachments()
                    ),
                    statement=statement[0] if statement else "",
                )
            )
        for path in sorted(set(self._letters()) - letters):
            result.letters.append(Letter(path.name, " ".join(pdf_text(path.read_bytes()).split())))
        with transaction(self.engine, actor="test") as session:
            names = {c.id: c.external_id for c in session.scalars(select(Customer))}
            numbers = {i.id: i.number for i in session.scalars(select(Invoice))}
            for charge in session.scalars(
                select(Charge).where(Charge.id > charges_before).order_by(Charge.id)
            ):
                result.charges.append(
                    ChargeRow(
                        names[charge.customer_id],
                        numbers.get(charge.invoice_id or 0, ""),
                        str(charge.kind),
                        charge.amount,
                        charge.period_start,
                        charge.period_end,
                    )
                )
            for hold in session.scalars(
                select(CreditHold).where(CreditHold.status == "active").order_by(CreditHold.id)
            ):
                result.holds.setdefault(names[hold.customer_id], []).append(str(hold.source))
            for row in session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.id > outbox_before, OutboxMessage.to_customer.is_(True))
                .where(OutboxMessage.kind.in_(("email", "letter", "sms")))
                .order_by(OutboxMessage.id)
            ):
                result.outbox.append(
                    (
                        names[row.customer_id or 0],
                        str(row.payload.get("step") or row.key),  # a case message: its own key
                        str(row.kind),
                        row.recipient,
                    )
                )
            result.tasks = list(
                session.scalars(select(Task.title).where(Task.id > tasks_before).order_by(Task.id))
            )
        self.days[day] = result
        return result

    def run_and_dispatch(self, day: date, now: datetime) -> None:
        with transaction(self.engine, actor="test") as session:
            run_day(session, org_id=self.org_id, as_of=day, now=now, policies=self.policies)
        report = dispatch(self.engine, LiveChannels(self.settings), clock=lambda: now)
        assert (report.failed, report.errors) == (0, []), (day, report)

"""The account statement: every open item per currency, the balance and its aging.

``statement_sections`` is pure (it only arranges the context's figures);
``statement_html`` and ``statement_pdf`` render it.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from recoup.comms.context import CurrencyTotal, MessageContext
from recoup.comms.render import resolve_locale
from recoup.documents.pdf import (
    frame_variables,
    html_to_pdf,
    labels,
    languages,
    render_document,
)
from recoup.ledger.core import DEFAULT_EDGES, aging_buckets


@dataclass(frozen=True, slots=True)
class StatementRow:
    """One line of the statement; credits carry negative amounts."""

    kind: str  # invoice, charge, credit_note or payment
    dated: date | None  # the document date (none for a charge)
    document: str
    reference: str  # the customer's purchase order number
    due_date: date | None
    days_overdue: int | None
    amount: int
    open_amount: int
    invoice_number: str = ""  # the invoice a charge belongs to


@dataclass(frozen=True, slots=True)
class AgingAmount:
    """The open invoice amount in one aging bucket."""

    label: str
    amount: int


@dataclass(frozen=True, slots=True)
class StatementSection:
    """Everything the statement shows for one currency."""

    currency: str
    rows: tuple[StatementRow, ...]
    total: CurrencyTotal
    aging: tuple[AgingAmount, ...]

    @property
    def has_references(self) -> bool:
        """Whether any row has a customer reference (the column is left out otherwise)."""
        return any(row.reference for row in self.rows)


def statement_sections(
    context: MessageContext,
    *,
    edges: Sequence[int] = DEFAULT_EDGES,
    language: str = "en",
    locale: str | None = None,
) -> tuple[StatementSection, ...]:
    """The statement's sections, one per currency, sorted by currency.

    Rows are the open invoices (oldest due first), then charges (in the customer's words,
    written for ``locale``, default ``language``), then credits; the aging buckets split
    the open invoices by days past due, as the aging report does.
    """
    words = labels(language)
    buckets = aging_buckets(edges)
    sections = []
    for total in context.totals:
        currency = total.currency
        invoices = sorted(
            (i for i in context.invoices if i.currency == currency),
            key=lambda i: (i.due_date, i.number),
        )
        rows = [
            StatementRow(
                "invoice",
                i.issue_date,
                i.number,
                i.po_number,
                i.due_date,
                i.days_overdue,
                i.total_amount,
                i.open_amount,
            )
            for i in invoices
        ]
        rows += [
            StatementRow(
                "charge",
                None,
                c.words(locale or language),
                "",
                None,
                None,
                c.amount,
                c.amount,
                c.invoice_number,
            )
            for c in context.charges
            if c.currency == currency
        ]
        rows += [
            StatementRow(c.kind, c.issue_date, c.reference, "", None, None, -c.amount, -c.amount)
            for c in context.credits
            if c.currency == currency
        ]
        aging = []
        for bucket in buckets:
            if bucket.low is None:
                label = words["current"]
            elif bucket.high is None:
                label = words["over"].format(days=bucket.low - 1)
            else:
                label = f"{bucket.low}–{bucket.high} {words['days']}"
            amount = sum(i.open_amount for i in invoices if bucket.holds(i.days_overdue))
            aging.append(AgingAmount(label, amount))
        sections.append(StatementSection(currency, tuple(rows), total, tuple(aging)))
    return tuple(sections)


def statement_html(context: MessageContext) -> str:
    """The statement as a complete HTML document."""
    language, locale = resolve_locale(context.locale, languages())
    words = labels(language)
    return render_document(
        "statement.html.j2",
        {
            **frame_variables(context),
            "language": language,
            "locale": locale,
            "L": words,
            "title": f"{words['statement']} {context.customer.external_id}",
            "sections": statement_sections(context, language=language, locale=locale),
        },
    )


def statement_pdf(context: MessageContext) -> bytes:
    """The statement as PDF bytes (A4)."""
    return html_to_pdf(statement_html(context))

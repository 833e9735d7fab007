"""A seeded generator of a B2B receivables portfolio: customers, two years of invoices,
the payments that settled them, and what is still open on ``as_of``.

Pure: the same seed, size and date give the same rows. Rows use the canonical import
columns, so the demo and the benchmarks load them through the real import path.

Customers follow one of five payment behaviours (practitioners' taxonomy): punctual,
slow, chronically late, disputing (some invoices held back for months) and defaulting
(paid fine, then stopped paying some months ago).
"""

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Behaviour:
    """How a customer pays: days late (uniform range), partial and hold-back odds."""

    name: str
    weight: int
    late: tuple[int, int]
    partial: float
    held_back: float
    stops_paying_days: int | None = None


BEHAVIOURS = (
    Behaviour("punctual", 40, (-5, 2), 0.02, 0.0),
    Behaviour("slow", 25, (3, 25), 0.08, 0.0),
    Behaviour("chronically-late", 15, (25, 95), 0.15, 0.02),
    Behaviour("disputing", 12, (5, 30), 0.10, 0.20),
    Behaviour("defaulting", 8, (10, 40), 0.20, 0.0, stops_paying_days=150),
)


@dataclass(frozen=True, slots=True)
class Region:
    city: str
    country: str
    currency: str
    language: str
    timezone: str
    suffix: str
    weight: int


REGIONS = (
    Region("London", "GB", "GBP", "en", "Europe/London", "Ltd", 35),
    Region("Berlin", "DE", "EUR", "de", "Europe/Berlin", "GmbH", 25),
    Region("Lyon", "FR", "EUR", "fr", "Europe/Paris", "SARL", 10),
    Region("Utrecht", "NL", "EUR", "nl", "Europe/Amsterdam", "B.V.", 10),
    Region("Boston", "US", "USD", "en", "America/New_York", "Inc.", 15),
    Region("Zürich", "CH", "CHF", "de", "Europe/Zurich", "AG", 5),
)
_FIRST = (
    "Alder",
    "Anvil",
    "Apex",
    "Arden",
    "Beacon",
    "Birch",
    "Bramble",
    "Cedar",
    "Cobalt",
    "Copper",
    "Crest",
    "Delta",
    "Ember",
    "Falcon",
    "Fern",
    "Granite",
    "Harbor",
    "Hazel",
    "Iron",
    "Juniper",
    "Kestrel",
    "Lark",
    "Linden",
    "Maple",
    "Meridian",
    "Northwind",
    "Oak",
    "Orchid",
    "Pine",
    "Quarry",
    "Raven",
    "River",
    "Sable",
    "Sterling",
    "Summit",
    "Thistle",
    "Vale",
    "Willow",
)
_SECOND = (
    "Logistics",
    "Foods",
    "Engineering",
    "Textiles",
    "Systems",
    "Plastics",
    "Builders",
    "Supplies",
    "Media",
    "Motors",
    "Pharma",
    "Hotels",
    "Print",
    "Timber",
    "Electrics",
    "Robotics",
    "Packaging",
    "Marine",
    "Chemicals",
    "Design",
)

CUSTOMER_HEADER = [
    "external_id", "name", "country", "currency", "language", "timezone",
    "payment_terms_days", "credit_limit", "tags", "collector", "contact_name", "email", "phone",
    "address", "sales_owner",
]  # fmt: skip
INVOICE_HEADER = [
    "number",
    "customer",
    "issue_date",
    "due_date",
    "total",
    "tax",
    "currency",
    "po_number",
]
PAYMENT_HEADER = [
    "external_id", "customer", "received_on", "amount", "currency", "method", "reference",
    "payer_name", "invoices",
]  # fmt: skip
COLLECTORS = ("alex@demo.example", "sam@demo.example", "kim@demo.example")


@dataclass(frozen=True, slots=True)
class DemoCustomer:
    """A generated customer and what drives its invoices and payments."""

    external_id: str
    name: str
    region: Region
    behaviour: Behaviour
    terms: int
    monthly_invoices: float
    typical_amount: int

    def row(self, collector: str) -> list[str]:
        slug = self.name.split()[0].lower() + self.external_id[-5:]
        limit = self.typical_amount * max(2, int(self.monthly_invoices * 3))
        return [
            self.external_id, self.name, self.region.country, self.region.currency,
            self.region.language, self.region.timezone, str(self.terms), str(limit),
            self.behaviour.name, collector, "Accounts Payable", f"ap@{slug}.example",
            f"+44 20 7946 {int(self.external_id[-4:]):04d}",
            f"{int(self.external_id[-3:]) + 1} {self.name.split()[1]} Road, {self.region.city}",
            f"sales.{slug}@demo.example",
        ]  # fmt: skip


def customers(count: int, seed: int) -> Iterator[DemoCustomer]:
    """``count`` customers drawn from the regions and behaviours by their weights."""
    rng = random.Random(f"customers-{seed}")
    for i in range(1, count + 1):
        region = rng.choices(REGIONS, weights=[r.weight for r in REGIONS])[0]
        behaviour = rng.choices(BEHAVIOURS, weights=[b.weight for b in BEHAVIOURS])[0]
        name = f"{rng.choice(_FIRST)} {rng.choice(_SECOND)} {region.suffix}"
        yield DemoCustomer(
            external_id=f"C{i:06d}",
            name=name,
            region=region,
            behaviour=behaviour,
            terms=rng.choice((14, 30, 30, 30, 45, 60)),
            monthly_invoices=rng.choice((0.25, 0.5, 1, 1, 2, 4)),
            typical_amount=int(rng.lognormvariate(7.5, 1.0)) + 50,
        )


def _amount(rng: random.Random, typical: int) -> Decimal:
    return Decimal(int(typical * rng.uniform(0.3, 2.5) * 100)) / 100


def history(
    customer: DemoCustomer, seed: int, as_of: date, months: int = 24
) -> Iterator[tuple[list[str], list[list[str]]]]:
    """The customer's invoices over ``months`` before ``as_of``, each with the payment
    rows that settled it by ``as_of`` (none while it is open)."""
    rng = random.Random(f"history-{seed}-{customer.external_id}")
    start = as_of - timedelta(days=months * 30)
    gap = 30 / customer.monthly_invoices
    day = start + timedelta(days=rng.uniform(0, gap))
    serial = 0
    behaviour = customer.behaviour
    stop = (
        as_of - timedelta(days=behaviour.stops_paying_days)
        if behaviour.stops_paying_days
        else date.max
    )
    while day <= as_of:
        serial += 1
        number = f"INV-{customer.external_id[1:]}-{serial:04d}"
        total = _amount(rng, customer.typical_amount)
        tax = (total * Decimal("0.2") / Decimal("1.2")).quantize(Decimal("0.01"))
        due = day + timedelta(days=customer.terms)
        invoice = [
            number, customer.external_id, day.isoformat(), due.isoformat(), str(total),
            str(tax), customer.region.currency, f"PO-{rng.randint(1000, 99999)}",
        ]  # fmt: skip
        pay_day = due + timedelta(days=rng.randint(*behaviour.late))
        if rng.random() < behaviour.held_back:
            pay_day += timedelta(days=rng.randint(60, 200))
        payments = []
        if pay_day <= as_of and day < stop:
            parts = [total]
            if rng.random() < behaviour.partial:
                first = (total * Decimal(rng.uniform(0.3, 0.7))).quantize(Decimal("0.01"))
                parts = [first, total - first]
            for k, part in enumerate(parts):
                received = pay_day + timedelta(days=20 * k)
                if received > as_of:
                    break
                payments.append(
                    [
                        f"PAY-{number[4:]}-{k + 1}",
                        customer.external_id,
                        received.isoformat(),
                        str(part),
                        customer.region.currency,
                        "bank_transfer",
                        number,
                        customer.name,
                        f"{number}:{part}",
                    ]
                )
        yield invoice, payments
        day += timedelta(days=max(1, int(rng.expovariate(1 / gap))))


@dataclass
class Portfolio:
    """Rows for each import, under the canonical headers."""

    customers: list[list[str]]
    invoices: list[list[str]]
    payments: list[list[str]]


def portfolio(count: int, seed: int, as_of: date, months: int = 24) -> Portfolio:
    """A whole portfolio of ``count`` customers (the demo's size, held in memory)."""
    result = Portfolio([], [], [])
    for i, customer in enumerate(customers(count, seed)):
        result.customers.append(customer.row(COLLECTORS[i % len(COLLECTORS)]))
        for invoice, payments in history(customer, seed, as_of, months):
            result.invoices.append(invoice)
            result.payments.extend(payments)
    return result

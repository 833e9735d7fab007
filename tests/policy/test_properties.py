"""Properties of the engine over generated portfolios and policies (hypothesis)."""

from collections import Counter
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recoup.policy import core
from recoup.policy.core import ContactView, CustomerView, InvoiceView
from recoup.policy.definition import Policy, parse_policy
from tests.policy.simulate import days, simulate

START = date(2026, 3, 2)

_channels = st.sampled_from(["email", "letter", "sms"])
_opt_outs = st.frozensets(st.sampled_from(["email", "letter", "sms"]), max_size=2)


@st.composite
def contacts(draw: st.DrawFn, customer_id: int) -> tuple[ContactView, ...]:
    count = draw(st.integers(0, 2))
    shared = draw(st.booleans())  # two contacts may share one mailbox
    found = []
    for n in range(count):
        mailbox = "ap" if shared else f"c{n}"
        found.append(
            ContactView(
                id=customer_id * 10 + n,
                name=f"Contact {n}",
                email=draw(st.sampled_from(["", f"{mailbox}@c{customer_id}.example"])),
                phone=draw(st.sampled_from(["", f"+44 20 7946 {customer_id:02d}{n:02d}"])),
                role=draw(st.sampled_from(["billing", "ap", "other"])),
                opted_out=draw(_opt_outs),
            )
        )
    return tuple(found)


@st.composite
def customers(draw: st.DrawFn) -> list[CustomerView]:
    people = []
    for customer_id in range(1, draw(st.integers(1, 3)) + 1):
        invoices = tuple(
            InvoiceView(
                customer_id * 100 + n,
                f"INV-{customer_id}-{n}",
                START + timedelta(days=draw(st.integers(-90, 40))),
                "GBP",
                draw(st.integers(1, 500_000)),
            )
            for n in range(draw(st.integers(1, 4)))
        )
        people.append(
            CustomerView(
                id=customer_id,
                external_id=f"C{customer_id}",
                name=f"Customer {customer_id}",
                invoices=invoices,
                contacts=draw(contacts(customer_id)),
                country="GB",
                timezone="Europe/London",
                address=draw(st.sampled_from(["", f"{customer_id} High Street, London"])),
                collector="sam@us.example",
                is_consumer=draw(st.booleans()),
            )
        )
    return people


@st.composite
def policies(draw: st.DrawFn) -> Policy:
    steps = []
    trigger = draw(st.integers(-5, 3))
    for n in range(draw(st.integers(1, 4))):
        actions = draw(st.lists(_channels, min_size=1, max_size=3))
        lines = "".join(f"      - {kind}: formal_notice\n" for kind in actions)
        steps.append(
            f"  - name: step {n}\n    trigger: {{days_from_due: {trigger}}}\n    actions:\n{lines}"
        )
        trigger += draw(st.integers(1, 20))
    mode = draw(st.sampled_from(["consolidated", "per_invoice"]))
    text = f"name: generated\nmode: {mode}\nfrequency_cap: {{messages: 9, days: 7}}\nsteps:\n"
    return parse_policy(text + "".join(steps), "generated.yaml")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(portfolio=customers(), ladder=policies())
def test_never_the_same_message_twice(portfolio: list[CustomerView], ladder: Policy) -> None:
    """Per customer, step firing (cycle, step, day), channel and address: at most one
    customer message, whatever the fallbacks do."""
    history = simulate(
        portfolio,
        days(START, START + timedelta(days=60)),
        policies={"generated": ladder},
        default="generated",
    )
    messages = Counter(
        (a.customer_id, a.cycle_key, a.step, day.as_of, a.kind, a.recipient)
        for day in history
        for a in day.actions
        if core.is_customer_message(a)
    )
    assert [m for m, n in messages.items() if n > 1] == []

"""Statutory charges follow the debt, not the notice: a claim starts on each invoice that
becomes as late as its policy claims from, the fixed compensation is recorded once per
late invoice, and interest runs from the day after the due date until payment (shown
accrued to date, recorded when the invoice is paid or handed off).

Figures are worked by hand. A GB debt late from 11 July 2023 takes the Bank of England
rate of 30 June 2023, 5.00 % (in force since 22 June 2023), plus 8 points: 13 % a year,
fixed for the life of the debt, simple, actual/365.
"""

import json
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from recoup.audit.models import AuditEvent
from recoup.charges import service as charges
from recoup.charges.core import ClaimRule
from recoup.charges.models import Charge, ChargeKind, StatutoryClaim
from recoup.charges.service import ClaimRules
from recoup.comms.models import OutboxMessage
from recoup.config import Settings
from recoup.jobs.daily import statutory_claim_rule
from recoup.jobs.effects import LiveChannels
from recoup.ledger.models import Organisation
from recoup.policy.definition import parse_policy
from recoup.policy.service import available_policies
from recoup.portal import service as portal
from tests.charges.factories import make_customer, make_invoice, make_org, pay

DUE = date(2023, 7, 10)  # late from 11 July 2023
# The default policy claims interest and compensation in its formal notice, 45 days past due.
RULES = ClaimRules({"default": ClaimRule(True, True, 45)}, lambda customer, invoice: "default")


def run(session: Session, org: Organisation, day: date, **options: object) -> charges.StatutoryRun:
    """The day's statutory pass, then its outbox rows applied by the dispatcher's handler."""
    result = charges.claim_statutory_charges(
        session,
        org_id=org.id,
        as_of=day,
        rules=options.pop("rules", RULES),  # type: ignore[arg-type]
        **options,  # type: ignore[arg-type]
    )
    channels = LiveChannels(Settings())
    for effect in result.effects:
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.key == effect.key)).one()
        channels.apply(session, row)
    return result


def statutory(session: Session, invoice_id: int) -> list[tuple[str, int, date, date]]:
    rows = session.scalars(
        select(Charge).where(Charge.invoice_id == invoice_id).order_by(Charge.id)
    ).all()
    return [(c.kind, c.amount, c.period_start, c.period_end) for c in rows]


def test_the_claim_starts_at_the_policys_level_and_interest_runs_until_payment(
    session: Session,
) -> None:
    org = make_org(session, country="GB")
    customer = make_customer(session, org=org)
    invoice = make_invoice(session, customer=customer, total="999.99", due_date=DUE)

    # 23 August: 44 days past due; the policy claims from 45.
    assert run(session, org, date(2023, 8, 23)).claimed == []
    # 24 August: 45 days past due: the claim starts, £40 compensation (under £1,000).
    started = run(session, org, date(2023, 8, 24))
    assert started.claimed == [invoice.id]
    assert statutory(session, invoice.id) == [
        ("compensation", 4000, date(2023, 7, 11), date(2023, 7, 11))
    ]

    # 30 September: interest accrued, not recorded: 11 July to 30 September is 82 days;
    # 999.99 × 13 % × 82 / 365 = 29.2052 → £29.21.
    (accrued,) = charges.accrued_interest(
        session, org_id=org.id, customer_id=customer.id, as_of=date(2023, 9, 30)
    )
    assert (accrued.amount, accrued.start, accrued.end) == (
        2921,
        date(2023, 7, 11),
        date(2023, 9, 30),
    )
    lines = charges.statement_charges(
        session, org_id=org.id, customer_id=customer.id, as_of=date(2023, 9, 30)
    )
    assert [(line.amount, line.accrued) for line in lines] == [(4000, False), (2921, True)]
    assert lines[1].description == (
        "Interest on INV-1 from 11 July 2023 to 30 September 2023, accruing until payment"
    )
    # The customer's portal shows the same two lines, and they count in the balance.
    statement = portal.customer_statement(
        session, org_id=org.id, customer_id=customer.id, as_of=date(2023, 9, 30)
    )
    assert [(c.number, c.open_amount) for c in statement.charges] == [
        (lines[0].description, 4000),
        (lines[1].description, 2921),
    ]
    assert [b.balance for b in statement.balances] == [99999 + 4000 + 2921]
    assert run(session, org, date(2023, 9, 30)).effects == []  # nothing recorded yet

    # Paid in full on 31 March 2024 (long after the notice). Interest from 11 July 2023
    # through 30 March 2024 (the day of payment earns nothing): 21 + 31 + 30 + 31 + 30
    # + 31 + 31 + 29 + 30 = 264 days; 999.99 × 13 % × 264 / 365 = 94.0265 → £94.03.
    pay(session, invoice=invoice, amount="999.99", on=date(2024, 3, 31), external_id="P1")
    closed = run(session, org, date(2024, 4, 2))
    assert closed.closed == {invoice.id: "paid"}
    assert statutory(session, invoice.id) == [
        ("compensation", 4000, date(2023, 7, 11), date(2023, 7, 11)),
        ("interest", 9403, date(2023, 7, 11), date(2024, 3, 31)),
    ]
    claim = session.scalars(select(StatutoryClaim)).one()
    assert (claim.claimed_on, claim.closed_on, claim.close_reason) == (
        date(2023, 8, 24),
        date(2024, 4, 2),
        "paid",
    )
    # Nothing accrues any more, and another run records nothing.
    assert (
        charges.accrued_interest(
            session, org_id=org.id, customer_id=customer.id, as_of=date(2024, 4, 3)
        )
        == []
    )
    again = run(session, org, date(2024, 4, 3))
    assert (again.claimed, again.effects, again.closed) == ([], [], {})


def test_compensation_is_due_once_per_late_invoice_whatever_its_step(session: Session) -> None:
    """Two invoices of one customer: the one that joined later, and the one in dispute on
    the notice day and paid after the dispute was rejected, each get their own."""
    org = make_org(session, country="GB")
    customer = make_customer(session, org=org)
    first = make_invoice(session, customer=customer, number="A", total="999.99", due_date=DUE)
    disputed = make_invoice(session, customer=customer, number="B", total="1000.00", due_date=DUE)
    later = make_invoice(
        session, customer=customer, number="C", total="10000.00", due_date=date(2023, 8, 31)
    )
    # 24 August: A is claimed; B is in dispute, so nothing is claimed on it yet.
    day = date(2023, 8, 24)
    assert run(session, org, day, paused={disputed.id: "dispute #1"}).claimed == [first.id]
    # The dispute is rejected; B is claimed on the next run: £70 (£1,000 to £9,999.99).
    assert run(session, org, date(2023, 8, 25)).claimed == [disputed.id]
    # C (due 31 August) reaches 45 days on 15 October: £100 (£10,000 or more).
    assert run(session, org, date(2023, 10, 14)).claimed == []
    assert run(session, org, date(2023, 10, 15)).claimed == [later.id]
    amounts = {
        c.invoice_id: c.amount
        for c in session.scalars(select(Charge).where(Charge.kind == ChargeKind.COMPENSATION))
    }
    assert amounts == {first.id: 4000, disputed.id: 7000, later.id: 10000}
    # B paid after the rejected dispute: interest from 11 July through the payment day.
    pay(session, invoice=disputed, amount="1000.00", on=date(2023, 11, 1), external_id="P1")
    run(session, org, date(2023, 11, 1))
    # 11 July to 31 October: 21 + 31 + 30 + 31 = 113 days; 1000 × 13 % × 113 / 365
    # = 40.2466 → £40.25.
    assert statutory(session, disputed.id)[-1] == (
        "interest",
        4025,
        date(2023, 7, 11),
        date(2023, 11, 1),
    )


def test_a_hand_off_crystallises_the_interest_to_that_day(session: Session) -> None:
    org = make_org(session, country="GB")
    customer = make_customer(session, org=org)
    invoice = make_invoice(session, customer=customer, total="999.99", due_date=DUE)
    run(session, org, date(2023, 8, 24))
    # Placed with the agency on 16 October: 11 July to 16 October is 98 days;
    # 999.99 × 13 % × 98 / 365 = 34.9038 → £34.90.
    placed = run(session, org, date(2023, 10, 16), handed_off=[invoice.id])
    assert placed.closed == {invoice.id: "handed off"}
    assert statutory(session, invoice.id)[-1] == (
        "interest",
        3490,
        date(2023, 7, 11),
        date(2023, 10, 16),
    )
    claim = session.scalars(select(StatutoryClaim)).one()
    assert claim.close_reason == "handed off"


def test_an_invoice_paid_before_the_claim_level_gets_nothing(session: Session) -> None:
    org = make_org(session, country="GB")
    customer = make_customer(session, org=org)
    invoice = make_invoice(session, customer=customer, due_date=DUE)
    pay(session, invoice=invoice, amount="1000.00", on=date(2023, 7, 20), external_id="P1")
    assert run(session, org, date(2023, 9, 1)).claimed == []
    assert statutory(session, invoice.id) == []


def test_a_policy_without_statutory_actions_claims_nothing(session: Session) -> None:
    org = make_org(session, country="GB")
    invoice = make_invoice(session, customer=make_customer(session, org=org), due_date=DUE)
    rules = ClaimRules({"gentle": ClaimRule()}, lambda customer, invoice: "gentle")
    result = run(session, org, date(2024, 1, 1), rules=rules)
    assert (result.claimed, statutory(session, invoice.id)) == ([], [])


def test_consumers_get_no_statutory_claim(session: Session) -> None:
    org = make_org(session, country="GB")
    consumer = make_customer(session, org=org, is_consumer=True)
    invoice = make_invoice(session, customer=consumer, due_date=DUE)
    assert run(session, org, date(2024, 1, 1)).claimed == []
    assert statutory(session, invoice.id) == []


def test_waived_customers_are_not_claimed_and_the_waiver_is_audited(session: Session) -> None:
    org = make_org(session, country="GB")
    customer = make_customer(session, org=org)
    invoice = make_invoice(session, customer=customer, due_date=DUE)
    charges.waive_statutory_charges(
        session, org_id=org.id, customer_id=customer.id, reason="key account, CFO's decision"
    )
    assert charges.statutory_waiver(session, org_id=org.id, customer_id=customer.id) == (
        "key account, CFO's decision"
    )
    assert run(session, org, date(2023, 9, 1)).claimed == []
    # A step's compensation action respects the waiver too.
    refused = charges.charge_compensation(
        session, org_id=org.id, invoice_id=invoice.id, key="step", as_of=date(2023, 9, 1)
    )
    assert refused.charge is None
    assert refused.reason == (
        "statutory charges are waived for this customer (key account, CFO's decision)"
    )
    claimable = charges.what_can_be_claimed(
        session, org_id=org.id, invoice_id=invoice.id, as_of=date(2023, 9, 1)
    )
    assert claimable.interest.reason == refused.reason
    # Claimed again: the next run starts the claim.
    charges.waive_statutory_charges(session, org_id=org.id, customer_id=customer.id, reason=None)
    assert charges.statutory_waiver(session, org_id=org.id, customer_id=customer.id) is None
    assert run(session, org, date(2023, 9, 2)).claimed == [invoice.id]
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.entity == "charge_terms").order_by(AuditEvent.seq)
    ).all()
    assert [(e.action, json.loads(e.after or "{}").get("waive_statutory")) for e in events] == [
        ("create", True),
        ("update", False),
    ]


def test_what_can_be_claimed_on_an_invoice(session: Session) -> None:
    org = make_org(session, country="GB")
    customer = make_customer(session, org=org)
    invoice = make_invoice(session, customer=customer, total="999.99", due_date=DUE)
    run(session, org, date(2023, 8, 24))
    claimable = charges.what_can_be_claimed(
        session, org_id=org.id, invoice_id=invoice.id, as_of=date(2023, 9, 30)
    )
    assert claimable.interest.total == Decimal("29.21")
    assert claimable.compensation.amount == Decimal("40.00")
    assert claimable.late_fee.reason is not None
    assert claimable.claimed_on == date(2023, 8, 24)
    assert [c.kind for c in claimable.charged] == ["compensation"]


def test_each_shipped_policy_claims_from_its_formal_notice() -> None:
    policies = available_policies()
    # A gentle start begins at the due notice, one day past due.
    assert statutory_claim_rule(policies["default"]) == ClaimRule(True, True, 45, 1)
    assert statutory_claim_rule(policies["strict"]) == ClaimRule(True, True, 21, 1)
    assert statutory_claim_rule(policies["gentle"]) == ClaimRule()  # claims nothing
    after = parse_policy(
        "name: p\nsteps:\n"
        "  - {name: notice, trigger: {days_from_due: 30}, actions: [{email: formal_notice}]}\n"
        "  - {name: claim, trigger: {after_step: notice, days: 14}, actions: [interest]}\n"
    )
    assert statutory_claim_rule(after) == ClaimRule(interest=True, from_days=44, gentle_level=30)

"""``recoup run`` says when charges would use a reference rate past what its table is
known to hold, on its output and in one task per table and reference day."""

from datetime import date

from sqlalchemy.orm import Session

from recoup.charges import service as charges
from recoup.charges.terms import TermsInput
from tests.charges.conftest import Recoup
from tests.charges.factories import make_customer, make_org

STALE_GB = (
    "warning: boe_base is known through 2026-02-05, but charges on 2026-08-03 (GB) need the "
    "rate of 2026-06-30: the last known rate (3.75 %) is used until you run "
    "`recoup charges rates update`"
)

# Who sends and where to pay: `recoup run` refuses to send without them.
SENDER = ("--email", "ar@acme.example", "--address", "1 Market Street, Leeds",
          "--sort-code", "20-20-15", "--account-number", "55555555")  # fmt: skip


def test_run_warns_and_raises_one_task(recoup: Recoup) -> None:
    assert (
        recoup("init", "--org", "acme", "--country", "GB", "--currency", "GBP", *SENDER).exit_code
        == 0
    )
    # Debts late from 1 January 2026 take Bank Rate of 31 December 2025: known.
    fine = recoup("run", "--as-of", "2026-01-15", "--no-dispatch")
    assert fine.exit_code == 0, fine.output
    assert "warning" not in fine.output
    # Debts late from 1 July 2026 need Bank Rate of 30 June 2026: beyond the table.
    first = recoup("run", "--as-of", "2026-08-03", "--no-dispatch")
    assert first.exit_code == 0, first.output
    assert STALE_GB in first.stdout.splitlines()
    again = recoup("run", "--as-of", "2026-08-04", "--no-dispatch")
    assert STALE_GB.replace("2026-08-03", "2026-08-04") in again.stdout.splitlines()
    tasks = recoup("task", "list").stdout
    assert tasks.count("Reference rates out of date: boe_base (rate of 2026-06-30 unknown)") == 1


def test_check_warns_before_the_run(recoup: Recoup) -> None:
    assert (
        recoup("init", "--org", "acme", "--country", "GB", "--currency", "GBP", *SENDER).exit_code
        == 0
    )
    fine = recoup("check", "--as-of", "2026-01-15")
    assert "boe_base" not in fine.output
    stale = recoup("check", "--as-of", "2026-08-03")
    assert stale.exit_code == 0, stale.output  # a warning: the run still goes
    assert STALE_GB + " (recoup charges rates update)" in stale.stdout.splitlines()


def test_a_checked_table_and_the_terms_jurisdictions(session: Session) -> None:
    org = make_org(session, country="GB", currency="GBP")
    assert charges.stale_rates(session, org_id=org.id, as_of=date(2026, 1, 15)) == []
    customer = make_customer(session, org=org, currency="EUR")
    charges.apply_terms(
        session, org_id=org.id, customer_id=customer.id, given=TermsInput(jurisdiction="DE")
    )
    # Germany: the Basiszinssatz of 1 July 2026 is unknown; GB's of 30 June 2026 too.
    stale = charges.stale_rates(session, org_id=org.id, as_of=date(2026, 7, 2))
    assert [(table, day) for table, day, _ in stale] == [
        ("boe_base", date(2026, 6, 30)),
        ("de_basiszins", date(2026, 7, 1)),
    ]
    # A download of the publishers' series on 3 July 2026 makes both known through then.
    for table in ("boe_base", "de_basiszins"):
        charges.record_check(session, table=table, checked_through=date(2026, 7, 3), source="test")
    assert charges.stale_rates(session, org_id=org.id, as_of=date(2026, 7, 2)) == []

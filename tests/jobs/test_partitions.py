"""The daily run in partitions plans what the run in one transaction plans, a failed
partition leaves nothing of itself, and the audit chain (appended at each partition's
commit) verifies."""

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from recoup.analytics.models import KpiSnapshot
from recoup.audit import service as audit
from recoup.comms.models import OutboxMessage
from recoup.credit import service as credit
from recoup.credit.models import CreditHold, HoldSource
from recoup.db import make_engine, transaction
from recoup.db.migrate import upgrade
from recoup.jobs import daily, partitions
from recoup.jobs.models import DailyRun, RunPartition
from recoup.ledger.models import Customer
from recoup.policy.service import available_policies
from tests.jobs import portfolio

DAY = date(2026, 3, 3)
NOW = datetime(2026, 3, 3, 7, tzinfo=UTC)
CUSTOMERS = 12


def outbox_keys(engine: Engine) -> list[str]:
    with transaction(engine, actor="test", read_only=True) as session:
        return outbox_keys_in(session)


def outbox_keys_in(session: Session) -> list[str]:
    return sorted(session.scalars(select(OutboxMessage.key)))


def without_hold_ids(keys: list[str]) -> list[str]:
    return sorted(re.sub(r"^credit_hold:\d+:", "credit_hold:#:", key) for key in keys)


def test_partitions_plan_what_one_transaction_plans(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    org_id = portfolio.create(engine, customers=CUSTOMERS)
    policies = available_policies()
    with transaction(engine, actor="test") as session:  # the plan of one transaction, undone
        whole = daily.run_day(session, org_id=org_id, as_of=DAY, now=NOW, policies=policies)
        expected = outbox_keys_in(session)
        session.rollback()

    result, _ = partitions.run_day(
        engine, org_id=org_id, as_of=DAY, now=NOW, policies=policies, size=5
    )

    assert outbox_keys(engine) == expected
    assert result.planned == whole.planned == CUSTOMERS
    with transaction(engine, actor="test", read_only=True) as session:
        ranges = session.execute(
            select(RunPartition.first_customer_id, RunPartition.last_customer_id).order_by(
                RunPartition.first_customer_id
            )
        ).all()
        closed = session.scalar(select(DailyRun.closed_at))
        count, broken = audit.verify(session, org_id=org_id)
    assert [tuple(r) for r in ranges] == [(0, 5), (6, 10), (11, partitions.LAST_ID)]
    assert closed is not None
    assert broken is None
    assert count > 0
    engine.dispose()


def test_a_failed_partition_writes_nothing_and_the_next_run_does_it(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    org_id = portfolio.create(engine, customers=CUSTOMERS)
    policies = available_policies()
    plan_range = daily.plan_range
    calls = 0

    def failing_second(*args: object, **kwargs: object) -> daily.RunResult:
        nonlocal calls
        calls += 1
        result = plan_range(*args, **kwargs)  # type: ignore[arg-type]
        if calls == 2:
            raise RuntimeError("the process died here")
        return result

    monkeypatch.setattr(daily, "plan_range", failing_second)
    with pytest.raises(RuntimeError):
        partitions.run_day(engine, org_id=org_id, as_of=DAY, now=NOW, policies=policies, size=5)
    with transaction(engine, actor="test", read_only=True) as session:
        done = session.scalar(
            select(func.count()).select_from(RunPartition).where(RunPartition.done_at.is_not(None))
        )
        _, broken = audit.verify(session, org_id=org_id)
    assert done == 1
    assert len(outbox_keys(engine)) == 5  # the first partition's customers only
    assert broken is None

    monkeypatch.setattr(daily, "plan_range", plan_range)
    result, _ = partitions.run_day(
        engine, org_id=org_id, as_of=DAY, now=NOW, policies=policies, size=5
    )
    assert result.planned == CUSTOMERS - 5
    assert len(outbox_keys(engine)) == CUSTOMERS
    with transaction(engine, actor="test", read_only=True) as session:
        _, broken = audit.verify(session, org_id=org_id)
    assert broken is None
    engine.dispose()


def test_partitions_are_laid_out_by_customer_count() -> None:
    assert partitions.lay_out([1, 2, 3, 4], 2) == [(0, 2), (3, partitions.LAST_ID)]
    assert partitions.lay_out([7], 5) == [(0, partitions.LAST_ID)]
    with pytest.raises(ValueError, match="partition size 0"):
        partitions.lay_out([1], 0)


def test_each_partition_applies_the_credit_rule_to_its_own_customers(database_url: str) -> None:
    """The credit rule judges each customer on its own account: in the partitions, the
    holds placed and released are those of one transaction, each in its customer's
    partition."""
    engine = make_engine(database_url)
    upgrade(engine)
    org_id = portfolio.create(engine, customers=CUSTOMERS)
    policies = available_policies()
    with transaction(engine, actor="test") as session:
        ids = {row[0]: row[1] for row in session.execute(select(Customer.external_id, Customer.id))}
        # 1,200.00 open each: over a limit of 500.00, one customer in each partition.
        for number in ("C002", "C007", "C012", "C004"):
            credit.set_credit_limit(
                session, org_id=org_id, customer_id=ids[number], limit=Decimal("500.00")
            )
        # C004 was put on hold by the rule the day before; its limit has been raised since.
        (held,) = credit.evaluate_holds(
            session, org_id=org_id, as_of=date(2026, 3, 2), customer_range=(ids["C004"],) * 2
        ).placed
        credit.set_credit_limit(
            session, org_id=org_id, customer_id=ids["C004"], limit=Decimal("5000.00")
        )
    with transaction(engine, actor="test") as session:  # one transaction, undone
        whole = daily.run_day(session, org_id=org_id, as_of=DAY, now=NOW, policies=policies)
        expected = outbox_keys_in(session)
        session.rollback()

    result, _ = partitions.run_day(
        engine, org_id=org_id, as_of=DAY, now=NOW, policies=policies, size=5
    )

    assert (result.holds_placed, result.holds_released) == (whole.holds_placed, 1) == (3, 1)
    # The sales owners' notes are keyed by hold id (PostgreSQL's ids of the undone run are
    # not given again).
    assert without_hold_ids(outbox_keys(engine)) == without_hold_ids(expected)
    with transaction(engine, actor="test", read_only=True) as session:
        active = {
            h.customer_id
            for h in credit.holds(session, org_id=org_id, active_only=True)
            if h.source == HoldSource.RULE
        }
        released_on = session.scalar(select(CreditHold.released_on).where(CreditHold.id == held.id))
        _, broken = audit.verify(session, org_id=org_id)
    assert active == {ids["C002"], ids["C007"], ids["C012"]}
    assert released_on == DAY
    assert broken is None
    engine.dispose()


def test_yesterdays_snapshot_is_a_step_of_its_own_taken_once(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker takes yesterday's KPI snapshot beside the partitions (once; a second
    worker, or one that finds the day's row locked, goes on with the partitions), and
    the close does not take it again; with no worker taking it, the close does."""
    engine = make_engine(database_url)
    upgrade(engine)
    org_id = portfolio.create(engine, customers=CUSTOMERS)
    policies = available_policies()
    assert not partitions.take_snapshot(engine, org_id=org_id, as_of=DAY)  # not laid out
    start = partitions.start_day(
        engine, org_id=org_id, as_of=DAY, now=NOW, policies=policies, size=5
    )
    with transaction(engine, actor="test") as session:  # another worker holds the day
        session.scalars(select(DailyRun).with_for_update()).one()
        if engine.dialect.name == "postgresql":  # SQLite: one writer waits for the other
            assert not partitions.take_snapshot(engine, org_id=org_id, as_of=DAY)

    assert partitions.take_snapshot(engine, org_id=org_id, as_of=DAY)
    assert not partitions.take_snapshot(engine, org_id=org_id, as_of=DAY)  # taken
    with transaction(engine, actor="test", read_only=True) as session:
        taken = session.scalar(select(DailyRun.snapshot_at))
        rows = session.scalar(select(func.count()).select_from(KpiSnapshot))
    assert taken is not None
    assert rows > 0
    for partition_id in start.partitions:
        partitions.run_partition(engine, partition_id=partition_id, now=NOW, policies=policies)
    taking: list[dict[str, object]] = []
    original = daily.take_snapshot

    def counted(session: Session, **kwargs: object) -> None:
        taking.append(kwargs)
        original(session, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(daily, "take_snapshot", counted)
    assert partitions.close(engine, org_id=org_id, as_of=DAY, now=NOW) is not None
    with transaction(engine, actor="test", read_only=True) as session:
        day = session.scalars(select(DailyRun)).one()
        assert day.snapshot_at == taken  # the close kept the worker's
        assert day.closed_at is not None
    assert taking == []
    # ``recoup run`` again on the day: opened anew, and its close takes the snapshot.
    partitions.run_day(engine, org_id=org_id, as_of=DAY, now=NOW, policies=policies)
    assert taking == [{"org_id": org_id, "as_of": DAY}]
    engine.dispose()

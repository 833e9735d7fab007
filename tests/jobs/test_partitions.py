"""The daily run in partitions plans what the run in one transaction plans, a failed
partition leaves nothing of itself, and the audit chain (appended at each partition's
commit) verifies."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from recoup.audit import service as audit
from recoup.comms.models import OutboxMessage
from recoup.db import make_engine, transaction
from recoup.db.migrate import upgrade
from recoup.jobs import daily, partitions
from recoup.jobs.models import DailyRun, RunPartition
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

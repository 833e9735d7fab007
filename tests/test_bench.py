"""The benchmark's steps on a small book, so that they keep working between the runs of
``make bench`` (the figures themselves are measured there, never in tests)."""

from pathlib import Path

from bench import steps
from bench.api import api_step
from bench.data import files

from recoup.db import make_engine, transaction
from recoup.db.migrate import upgrade
from recoup.imports.columns import Kind
from recoup.ledger import service as ledger


def test_the_benchmark_steps_run_on_a_small_book(database_url: str, tmp_path: Path) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    with transaction(engine, actor="test") as session:
        ledger.create_organisation(session, slug="bench", name="Bench Ltd", base_currency="GBP")
    customers, invoices = files(tmp_path, customers=20, invoices=200)
    assert steps.import_step(engine, Kind.CUSTOMERS, customers)["rows"] == 40  # + contacts
    assert steps.import_step(engine, Kind.INVOICES, invoices)["rows"] == 200
    assert steps.aging_step(engine)["rows"] == 200
    kpis = steps.kpis_step(engine)
    assert (kpis["rows"], kpis["currencies"]) == (200, 4)  # the book's four currencies
    first = steps.plan_step(engine, steps.RUN_DAY)
    following = steps.plan_step(engine, steps.NEXT_DAY)
    # Every customer is past due on the first day; the next day the ladder waits.
    assert first["rows"] == following["rows"] == 200
    assert first["planned"] >= 20
    assert following["planned"] == 0
    dispatched = steps.dispatch_step(engine, sample=5)
    assert (dispatched["rows"], dispatched["failed"]) == (5, 0)
    assert set(steps.web_step(engine)["pages"]) == set(steps.WEB_PAGES)
    assert len(api_step(engine)["pages"]) == 7
    engine.dispose()

"""The cash-application benchmark on a small ledger, so that it keeps working (the
figures themselves are measured by ``python -m bench.cashapp``, never in tests)."""

from pathlib import Path

from bench import cashapp


def test_the_cash_application_benchmark_runs_on_a_small_ledger(
    database_url: str, tmp_path: Path
) -> None:
    engine = cashapp.ledger_of(database_url, tmp_path, customers=30, invoices=300)
    result = cashapp.measure(engine, lines=60, seed=3)
    engine.dispose()
    assert result["lines"] == 60
    assert result["wrongly_applied_share"] == 0
    assert result["auto_applied_share"] > 0.3
    assert result["proposed_correctly_of_review"] > 0.8

"""The cash-application benchmark on a small ledger, so that it keeps working (the
figures themselves are measured by ``python -m bench.cashapp``, never in tests)."""

from pathlib import Path

from bench import cashapp

from recoup.db import make_engine


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


def test_the_cash_application_step_at_scale_reads_matches_and_applies_a_camt_file(
    database_url: str, tmp_path: Path
) -> None:
    cashapp.ledger_of(database_url, tmp_path, customers=20, invoices=200).dispose()
    path = cashapp.write_statement(database_url, tmp_path / "statement.xml", lines=40, seed=2)
    engine = make_engine(database_url)
    first = cashapp.apply_step(engine, path)
    again = cashapp.apply_step(engine, path)
    engine.dispose()
    assert first["rows"] == 40
    assert first["auto_applied"] + first["proposed"] + first["unmatched"] == first["credits"]
    assert first["auto_applied"] > 0
    assert (again["rows"], again["duplicates"]) == (0, 40)  # the same file twice

"""``recoup model`` on a small book imported through ``recoup import``."""

import json
from pathlib import Path

from tests.cli.conftest import Recoup
from tests.cli.conftest import recoup as recoup

CUSTOMERS = "external_id,name,currency\nA,Alpha Ltd,EUR\nB,Beta Ltd,EUR\n"
INVOICES = (
    "number,customer,issue_date,due_date,total\n"
    "A1,A,2026-01-01,2026-01-31,100.00\n"
    "A2,A,2026-02-01,2026-03-03,100.00\n"
    "B1,B,2026-01-01,2026-01-31,100.00\n"
    "A3,A,2026-04-01,2026-05-01,400.00\n"
)
PAYMENTS = (
    "received_on,amount,invoices,customer\n"
    "2026-02-10,100.00,A1,A\n"
    "2026-03-13,100.00,A2,A\n"
    "2026-01-29,100.00,B1,B\n"
)


def _write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_train_show_score_and_forecast(recoup: Recoup, tmp_path: Path) -> None:
    recoup("init", "--org", "acme", "--name", "Acme Ltd")
    shown = recoup("model", "show")
    assert shown.exit_code == 1
    assert "recoup model train" in shown.stderr
    for kind, text in (("customers", CUSTOMERS), ("invoices", INVOICES), ("payments", PAYMENTS)):
        assert recoup("import", kind, _write(tmp_path, f"{kind}.csv", text)).exit_code == 0
    trained = recoup("model", "train", "--until", "2026-04-10")
    assert trained.exit_code == 0, trained.output
    assert "only 3 paid invoices" in trained.stdout
    assert "before 2026-04-10" in recoup("model", "show").stdout
    scores = json.loads(recoup("model", "score", "--on", "2026-04-10", "--format", "json").stdout)
    # A paid ten days late both times: A3 (due 1 May) is expected on 11 May.
    assert scores == [
        {
            "invoice": "A3",
            "customer": "Alpha Ltd",
            "currency": "EUR",
            "open": "400.00",
            "due": "2026-05-01",
            "probability_late": 1.0,
            "expected_on": "2026-05-11",
        }
    ]
    forecast = recoup("model", "forecast", "--on", "2026-04-10", "--weeks", "5")
    assert "2026-05-08            400.00 EUR" in forecast.stdout
    evaluated = recoup("model", "evaluate", "--split-date", "2026-02-01")
    assert evaluated.exit_code == 0
    assert "naive" in evaluated.stdout

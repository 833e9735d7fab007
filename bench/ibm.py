"""The late-payment model on the public IBM accounts-receivable sample (2,466 invoices).

``python -m bench.ibm`` imports the file through Recoup's own imports into a fresh
SQLite database, then for three split dates trains on the invoices issued before and
tests on the rest, with and without the Disputed column, beside the naive rule; and
backtests the cash forecast made on each split date. Targets on 2013-07-01: AUC >= 0.90
and MAE <= 4.5 days with disputes, better than 0.85 / 6.1 without. ``--monthly`` then
also prints the mean and the worst AUC and MAE over the first day of each month from
2012-10 to 2013-10 (``MONTHLY``), the check that the model is not tuned to one date.
"""

import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from statistics import mean

from recoup.analytics.prediction import ibm
from recoup.analytics.prediction import service as prediction
from recoup.analytics.prediction.core import evaluate_split
from recoup.db import make_engine, transaction
from recoup.db.migrate import upgrade
from recoup.ledger import service as ledger

DATA = Path(__file__).resolve().parents[1] / "tests/analytics/prediction/data"
SPLITS = (date(2013, 1, 1), date(2013, 7, 1), date(2013, 10, 1))
MONTHLY = tuple(date(2012 + (9 + m) // 12, (9 + m) % 12 + 1, 1) for m in range(13))
KNOWN_ON = date(2014, 2, 1)  # after the file's last settlement


def main() -> None:
    arguments = [a for a in sys.argv[1:] if a != "--monthly"]
    path = Path(arguments[0]) if arguments else DATA / "ibm_accounts_receivable.csv"
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/ibm.db")
        upgrade(engine)
        with transaction(engine, actor="bench") as session:
            org = ledger.create_organisation(session, slug="ibm", name="IBM", base_currency="USD")
            start = time.perf_counter()
            loaded = ibm.load(session, org_id=org.id, path=path)
            print(
                f"imported {loaded.invoices} invoices, {loaded.payments} payments, "
                f"{loaded.disputes} disputes in {time.perf_counter() - start:.1f} s"
            )
            print(
                f"{'split':<11} {'disputes':<9} {'train':>6} {'test':>5} {'AUC':>6} "
                f"{'acc':>6} {'Brier':>6} {'MAE':>6} {'naive AUC':>10} {'naive MAE':>10} {'s':>5}"
            )
            for disputes in (True, False):
                history = prediction.load_history(session, org_id=org.id, disputes=disputes)
                for split in SPLITS:
                    start = time.perf_counter()
                    r = evaluate_split(history, split=split, known_on=KNOWN_ON)
                    m, n = r.metrics, r.naive
                    print(
                        f"{split!s:<11} {'with' if disputes else 'without':<9} "
                        f"{r.trained_on:>6} {m.invoices:>5} {m.auc:>6.3f} {m.accuracy:>6.3f} "
                        f"{m.brier:>6.3f} {m.mae_days:>6.2f} {n.auc:>10.3f} {n.mae_days:>10.2f} "
                        f"{time.perf_counter() - start:>5.1f}"
                    )
            if "--monthly" in sys.argv[1:]:
                for disputes in (True, False):
                    history = prediction.load_history(session, org_id=org.id, disputes=disputes)
                    found = [
                        evaluate_split(history, split=split, known_on=KNOWN_ON).metrics
                        for split in MONTHLY
                    ]
                    aucs, maes = [m.auc for m in found], [m.mae_days for m in found]
                    print(
                        f"{len(MONTHLY)} monthly splits {MONTHLY[0]} to {MONTHLY[-1]}, "
                        f"{'with' if disputes else 'without'} disputes: AUC mean "
                        f"{mean(aucs):.3f} worst {min(aucs):.3f}, MAE mean {mean(maes):.2f} "
                        f"worst {max(maes):.2f}"
                    )
            for split in SPLITS:
                for check in prediction.backtest(session, org_id=org.id, made_on=split):
                    print(
                        f"cash forecast made on {split} ({check.currency}, 13 weeks): weekly "
                        f"error {check.error:.0%}, total {check.total_error:+.1%}"
                    )
        engine.dispose()


if __name__ == "__main__":
    main()

"""Analytics: KPIs over time, late-payment prediction, the cash forecast and reports.

Pure formulas live in ``core`` (no database, an explicit ``as_of``); the service reads
the ledger and stores snapshots; ``prediction`` trains and scores the late-payment model.
"""

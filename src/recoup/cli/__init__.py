"""The ``recoup`` command line: a thin shell over the services.

Each command opens one transaction (commit on success, roll back on error) and turns a
``RecoupError`` into a message and exit status 1, never a traceback.
"""

import sys

import typer
from pydantic import ValidationError

from recoup.cli import (
    accounting,
    allocations,
    analytics,
    api,
    approvals,
    audit,
    bank,
    cases,
    charges,
    customer,
    data,
    imports,
    model,
    org,
    outbox,
    payments,
    reports,
    run,
    web,
    webhooks,
    worker,
)
from recoup.cli import inbound as inbound_cli
from recoup.cli.app import app

app.add_typer(imports.app, name="import")
app.add_typer(reports.app, name="report")
app.add_typer(audit.app, name="audit")
app.add_typer(outbox.app, name="outbox")
app.add_typer(approvals.app, name="approval")
app.add_typer(charges.app, name="charges")
app.add_typer(customer.app, name="customer")
customer.app.command("waive-charges")(charges.waive_charges)
app.add_typer(run.policy_app, name="policy")
app.command("run")(run.run)
data.register(app)
cases.register(app)
web.register(app)
org.register(app)
model.register(app)
bank.register(app)
allocations.register(app)
analytics.register(app)
webhooks.register(app)
app.add_typer(payments.app, name="payments")
accounting.register(app)
app.add_typer(api.app, name="api")
inbound_cli.register(app)
app.add_typer(worker.app, name="worker")


def main() -> None:
    """Entry point of the ``recoup`` console script."""
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)
    except ValidationError as error:  # a RECOUP_* setting (environment or .env) is wrong
        for problem in error.errors():
            setting = "RECOUP_" + "_".join(str(part) for part in problem["loc"]).upper()
            message = str(problem["msg"]).removeprefix("Value error, ")
            if not message.startswith(setting):
                message = f"{setting}: {message}"
            typer.echo(f"error: {message}", err=True)
        sys.exit(1)


__all__ = ["app", "main"]

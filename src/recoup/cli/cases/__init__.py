"""``recoup dispute|promise|plan|handoff|task|note|call``, ``recoup writeoff``,
``recoup timeline`` and ``recoup feasibility``: working accounts from the terminal, one
module per sub-domain (``register`` adds them, and ``recoup credit``, to the app).

Every command runs in one transaction (``unit_of_work``): a bad argument or a refused
action prints ``error: ...``, exits with status 1 and writes nothing. Customers are named
by account number (external id), invoices by number.
"""

import typer

from recoup.cli import credit
from recoup.cli.cases.disputes import dispute_app
from recoup.cli.cases.handoffs import feasibility_command, handoff_app, writeoff
from recoup.cli.cases.plans import plan_app
from recoup.cli.cases.promises import promise_app
from recoup.cli.cases.tasks import call_app, note_app, task_app, timeline


def register(app: typer.Typer) -> None:
    """Add the case and credit commands to ``app``."""
    app.add_typer(dispute_app, name="dispute")
    app.add_typer(promise_app, name="promise")
    app.add_typer(plan_app, name="plan")
    app.add_typer(handoff_app, name="handoff")
    app.add_typer(task_app, name="task")
    app.add_typer(note_app, name="note")
    app.add_typer(call_app, name="call")
    app.add_typer(credit.app, name="credit")
    app.command("writeoff")(writeoff)
    app.command("timeline")(timeline)
    app.command("feasibility")(feasibility_command)

"""What the case commands share: invoices and customers named on the command line, amounts
as people write them, the approver's role."""

from collections.abc import Sequence
from decimal import Decimal
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from recoup import money
from recoup.cases.ledger_views import (
    CaseCustomerView,
    InvoiceView,
    customer_by_external_id,
    invoices_by_number,
)
from recoup.errors import InvalidInput, NotFound

Invoices = Annotated[
    list[str] | None,
    typer.Option("--invoice", "-i", help="invoice number (repeat for several)"),
]


def amount(value: str, field: str = "amount") -> Decimal:
    """An amount as people write it ("1,234.50")."""
    try:
        return money.parse_amount(value)
    except InvalidInput:
        raise InvalidInput(f"{value!r} is not an amount", field=field) from None


def named_customer(session: Session, org_id: int, external_id: str) -> CaseCustomerView:
    return customer_by_external_id(session, org_id=org_id, external_id=external_id)


def named_invoices(
    session: Session, org_id: int, numbers: Sequence[str] | None
) -> list[InvoiceView]:
    """The invoices a user names by number, in that order; any unknown one is an error."""
    if not numbers:
        raise InvalidInput("name at least one --invoice", field="invoice")
    found = invoices_by_number(session, org_id=org_id, numbers=list(numbers))
    missing = [n for n in numbers if n not in found]
    if missing:
        raise NotFound(f"no invoice {', '.join(repr(n) for n in missing)}")
    return [found[n] for n in numbers]


def approver_role(session: Session, org_id: int, approver: str, role: str | None) -> str:
    """The role of ``approver``: the user's, from ``recoup.auth``; ``--role`` only while
    the organisation has no users yet (a fresh command-line-only installation)."""
    from recoup.auth import service as auth  # the web app's users, when there are any

    if not approver.strip():
        raise InvalidInput("name the approver", field="approver")
    users = {u.email: u for u in auth.list_users(session, org_id=org_id)}
    user = users.get(approver.strip().lower())
    if user is not None:
        if not user.active:
            raise InvalidInput(f"{user.email} is deactivated", field="approver")
        if role is not None and role.strip().lower() != user.role:
            raise InvalidInput(f"{user.email} is a {user.role}, not a {role}", field="role")
        return str(user.role)
    if users:
        raise NotFound(f"no user {approver!r} in this organisation")
    if role is None:
        raise InvalidInput(
            "there are no users yet to look the approver up in: give --role", field="role"
        )
    return role

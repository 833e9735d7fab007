"""Charges on the portal: what the customer owes includes interest and fees charged."""

from recoup.charges import service as charges
from recoup.db import transaction
from tests.portal.links import issue
from tests.web.support import AS_OF, World, make_client


def test_charges_are_listed_and_owed(world: World) -> None:
    client = make_client(world)
    token = issue(world)
    before = client.get(f"/p/{token}").text
    # C1 owes 1,200.00 (45 days late) and 300.50 (not yet due), in euros.
    assert "1.500,50" in before
    assert "Zinsen und Gebühren" not in before

    with transaction(world.engine, actor="test") as session:
        charges.charge_compensation(
            session,
            org_id=world.a.id,
            invoice_id=world.a.invoices["A-C1-1"],
            key="test:compensation",
            as_of=AS_OF,
        )
    after = client.get(f"/p/{token}").text
    assert "Zinsen und Gebühren" in after
    # In the customer's language and words, never the engine's rule text.
    assert (
        "Verzugspauschale (Pauschale für Beitreibungskosten) zur Forderung von "
        "1.200,00\xa0€ (Rechnung A-C1-1)" in after
    )
    assert "Fixed compensation" not in after
    assert "or more" not in after
    assert "40,00" in after
    assert "1.540,50" in after  # the balance
    assert "davon überfällig 1.240,00" in after
    assert "1.500,50" not in after

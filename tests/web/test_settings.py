"""/settings: the organisation's details, bank accounts, readiness and a test message,
through the same services and checks as ``recoup org set`` / ``recoup check``."""

from pathlib import Path

import pytest

from recoup.db import transaction
from recoup.ledger import service as ledger
from recoup.ledger.organisation import bank_accounts
from tests.web.support import World, log_in, make_client


def test_details_are_checked_then_saved(world: World) -> None:
    client = make_client(world)
    csrf = log_in(client, "admin@alpha.example")
    page = client.get("/settings")
    assert page.status_code == 200
    assert 'value="Alpha Trading Ltd"' in page.text
    assert "Sending hours" in page.text
    assert "08:00–18:00" in page.text
    bad = client.post(
        "/settings/details",
        data={"phone": "+49 30 999", "vat_number": "DE000", "csrf_token": csrf},
    )
    assert bad.status_code == 422
    assert "vat_number" in bad.text
    with transaction(world.engine, actor="test") as session:
        org = ledger.get_organisation(session, org_id=world.a.id)
        assert org.phone == ""  # nothing written: the VAT number was wrong
    good = client.post(
        "/settings/details",
        data={"phone": "+49 30 999", "address": "Hauptstr. 1, 10115 Berlin",
              "first_run": "gentle", "csrf_token": csrf},
    )  # fmt: skip
    assert good.status_code == 303
    with transaction(world.engine, actor="test") as session:
        org = ledger.get_organisation(session, org_id=world.a.id)
        assert (org.phone, org.address, org.first_run) == (
            "+49 30 999",
            "Hauptstr. 1\n10115 Berlin",
            "gentle",
        )
    odd = client.post("/settings/details", data={"first_run": "sometimes", "csrf_token": csrf})
    assert odd.status_code == 422
    assert "first run is gentle or policy" in odd.text


def test_bank_accounts_are_added_checked_and_removed(world: World) -> None:
    client = make_client(world)
    csrf = log_in(client, "admin@alpha.example")
    wrong = client.post(
        "/settings/bank", data={"currency": "GBP", "iban": "GB00XXXX", "csrf_token": csrf}
    )
    assert wrong.status_code == 422
    added = client.post(
        "/settings/bank",
        data={"currency": "gbp", "sort_code": "20-20-15", "account_number": "55779911",
              "bank_name": "Barclays", "csrf_token": csrf},
    )  # fmt: skip
    assert added.status_code == 303
    with transaction(world.engine, actor="test") as session:
        accounts = {a.currency: a for a in bank_accounts(session, org_id=world.a.id)}
        assert accounts["GBP"].sort_code == "202015"
    page = client.get("/settings").text
    assert "Barclays" in page
    assert "sort code 20-20-15 · account 55779911" in page  # as customers read it
    gone = client.post("/settings/bank/GBP/remove", data={"csrf_token": csrf})
    assert gone.status_code == 303
    assert client.post("/settings/bank/GBP/remove", data={"csrf_token": csrf}).status_code == 404


def test_a_test_message_goes_through_the_mail_channel(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RECOUP_SMTP_URL", f"file://{tmp_path}/mail")
    client = make_client(world)
    csrf = log_in(client, "admin@alpha.example")
    refused = client.post("/settings/mail-test", data={"to": "not an address", "csrf_token": csrf})
    assert refused.status_code == 422
    sent = client.post("/settings/mail-test", data={"to": "me@alpha.example", "csrf_token": csrf})
    assert sent.status_code == 303
    [message] = list((tmp_path / "mail").glob("*.eml"))
    text = message.read_text()
    assert "To: me@alpha.example" in text
    assert "Recoup test message from Alpha Trading Ltd" in text

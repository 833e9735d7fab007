"""The team's pages through HTTP: login, dashboard figures, worklist, invoices, imports,
users; every bad form shows its message and writes nothing."""

import csv
import io

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from recoup.auth import service as auth
from recoup.auth.models import User
from recoup.db import transaction
from recoup.ledger.models import Invoice
from tests.web.support import PASSWORD, World, csrf_of, log_in, make_client


def count(world: World, model: type) -> int:  # type: ignore[type-arg]
    with transaction(world.engine, actor="test") as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_login_sets_a_safe_cookie_and_logout_ends_the_session(world: World) -> None:
    client = make_client(world)
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"email": "viewer@alpha.example", "password": PASSWORD,
              "csrf_token": csrf_of(page.text), "next": "/invoices"},
    )  # fmt: skip
    assert response.status_code == 303
    assert response.headers["location"] == "/invoices"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie
    assert client.get("/").status_code == 200
    csrf = csrf_of(client.get("/").text)
    assert client.post("/logout", data={"csrf_token": csrf}).status_code == 303
    assert client.get("/").headers["location"] == "/login?next=/"


def test_the_cookie_is_secure_behind_https(world: World) -> None:
    client = make_client(world, base_url="https://testserver")
    page = client.get("/login")
    assert "Secure" in page.headers["set-cookie"]
    response = client.post(
        "/login",
        data={"email": "viewer@alpha.example", "password": PASSWORD,
              "csrf_token": csrf_of(page.text)},
    )  # fmt: skip
    assert "Secure" in response.headers["set-cookie"]


def test_no_open_redirect_after_login(world: World) -> None:
    client = make_client(world)
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"email": "viewer@alpha.example", "password": PASSWORD,
              "csrf_token": csrf_of(page.text), "next": "//evil.example/"},
    )  # fmt: skip
    assert response.headers["location"] == "/"


def test_wrong_passwords_are_throttled(world: World) -> None:
    with transaction(world.engine, actor="test") as session:
        auth.create_user(
            session, org_id=world.a.id, email="unlucky@alpha.example", password=PASSWORD
        )
    client = make_client(world)
    csrf = csrf_of(client.get("/login").text)
    for _ in range(5):
        response = client.post(
            "/login",
            data={"email": "unlucky@alpha.example", "password": "nope", "csrf_token": csrf},
        )
    assert response.status_code == 429
    assert "Too many failed attempts. Try again in 1 minute." in response.text
    assert 0 < int(response.headers["retry-after"]) <= 61
    response = client.post(
        "/login",
        data={"email": "unlucky@alpha.example", "password": PASSWORD, "csrf_token": csrf},
    )
    assert response.status_code == 429


def test_a_wrong_password_says_so(world: World) -> None:
    client = make_client(world)
    csrf = csrf_of(client.get("/login").text)
    response = client.post(
        "/login", data={"email": "admin@beta.example", "password": "nope", "csrf_token": csrf}
    )
    assert response.status_code == 401
    assert "Wrong email or password." in response.text


def test_login_without_the_csrf_cookie_is_refused(world: World) -> None:
    client = make_client(world)
    response = client.post(
        "/login", data={"email": "admin@beta.example", "password": PASSWORD, "csrf_token": "x"}
    )
    assert response.status_code == 403


def logged_in(world: World, email: str) -> tuple[TestClient, str]:
    client = make_client(world)
    return client, log_in(client, email)


def test_dashboard_figures_per_currency(world: World) -> None:
    client, _ = logged_in(world, "viewer@alpha.example")
    page = client.get("/").text
    # Each currency: 1,200.00 overdue 45 days + 300.50 not yet due, all issued this year.
    assert "€1,500.50" in page
    assert "£1,500.50" in page
    assert "80.0%" in page  # 1200 / 1500.50
    assert "365.0" in page  # DSO: AR equals the year's credit sales
    assert "B C1" not in page


def test_worklist_shows_a_collector_their_own_accounts_with_reasons(world: World) -> None:
    client, _ = logged_in(world, "collector@alpha.example")
    page = client.get("/worklist").text
    assert "A C1 Kunde GmbH" in page
    assert "A C2 Kunde GmbH" not in page
    assert "€1,200.00 overdue on 1 invoice" in page
    assert "oldest 45 days past due" in page
    everyone = client.get("/worklist?collector=").text
    assert "A C2 Kunde GmbH" in everyone
    gbp = client.get("/worklist?collector=&currency=GBP").text
    assert "A C2 Kunde GmbH" in gbp
    assert "A C1 Kunde GmbH" not in gbp
    old = client.get("/worklist?collector=&bucket=90%2B").text
    assert "No overdue accounts match" in old
    partial = client.get("/worklist?collector=", headers={"hx-request": "true"}).text
    assert "<html" not in partial
    assert "A C2 Kunde GmbH" in partial
    assert "No overdue accounts match" in client.get("/worklist?page=99").text


def test_invoices_search_sort_and_csv(world: World) -> None:
    client, _ = logged_in(world, "viewer@alpha.example")
    page = client.get("/invoices?q=c2&sort=open&dir=desc").text
    assert page.index("A-C2-1") < page.index("A-C2-2")
    assert "A-C1-1" not in page
    assert "B-C1" not in page
    by_customer = client.get("/invoices?sort=customer&dir=desc").text  # no search: by ids first
    assert by_customer.index("A-C2-1") < by_customer.index("A-C1-1")
    response = client.get("/invoices.csv?status=all")
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert sorted(r["number"] for r in rows) == ["A-C1-1", "A-C1-2", "A-C2-1", "A-C2-2"]
    first = next(r for r in rows if r["number"] == "A-C1-1")
    assert (first["open"], first["days_past_due"], first["currency"]) == ("1200.00", "45", "EUR")


def test_import_dry_run_then_confirm(world: World) -> None:
    client, csrf = logged_in(world, "manager@alpha.example")
    before = count(world, Invoice)
    body = (
        "number,customer,issue_date,due_date,total,Memo\nA-NEW-1,C1,2026-06-01,2026-07-01,99.00,\n"
    )
    response = client.post(
        "/imports",
        data={"kind": "invoices", "csrf_token": csrf},
        files={"file": ("new.csv", body.encode(), "text/csv")},
    )
    assert response.status_code == 200, response.text
    assert "1 to create" in response.text
    assert "row 2: create A-NEW-1" in response.text
    assert "ignored columns: Memo" in response.text
    assert count(world, Invoice) == before
    action = response.text.split('action="/imports/')[1].split('"')[0]
    confirmed = client.post(f"/imports/{action}", data={"kind": "invoices", "csrf_token": csrf})
    assert confirmed.status_code == 303
    assert count(world, Invoice) == before + 1
    assert "Imported invoices: 1 created" in client.get("/imports").text


def test_a_bad_import_lists_its_problems_and_writes_nothing(world: World) -> None:
    client, csrf = logged_in(world, "admin@alpha.example")
    before = count(world, Invoice)
    body = "number,customer,issue_date,total\nA-BAD-1,C9,2026-06-01,5\n"
    response = client.post(
        "/imports",
        data={"kind": "invoices", "csrf_token": csrf},
        files={"file": ("bad.csv", body.encode(), "text/csv")},
    )
    assert response.status_code == 422
    assert "1 problem found; nothing was written" in response.text
    assert "row 2, customer: unknown customer &#39;C9&#39;" in response.text
    assert count(world, Invoice) == before
    missing = client.post("/imports", data={"kind": "", "csrf_token": csrf})
    assert missing.status_code == 422
    assert "Choose what the file holds." in missing.text
    assert "Choose a file" in missing.text


def test_adding_a_user(world: World) -> None:
    client, csrf = logged_in(world, "admin@alpha.example")
    before = count(world, User)
    bad = client.post(
        "/users",
        data={"email": "new@alpha.example", "role": "viewer", "password": "short",
              "csrf_token": csrf},
    )  # fmt: skip
    assert bad.status_code == 422
    assert "must have at least 10 characters" in bad.text
    assert count(world, User) == before
    good = client.post(
        "/users", data={"email": "new@alpha.example", "role": "viewer", "csrf_token": csrf}
    )
    assert good.status_code == 201  # the generated password is shown in this response
    assert "Added new@alpha.example as viewer. Their password is" in good.text
    page = client.get("/users").text
    assert "new@alpha.example" in page
    assert count(world, User) == before + 1
    assert "admin@beta.example" not in page


def test_a_deactivated_user_is_logged_out(world: World) -> None:
    admin, csrf = logged_in(world, "admin@alpha.example")
    spare, _ = logged_in(world, "spare@alpha.example")
    assert spare.get("/").status_code == 200
    user_id = world.a.users["spare"]
    admin.post(f"/users/{user_id}/active", data={"active": "0", "csrf_token": csrf})
    assert spare.get("/").status_code == 303
    admin.post(f"/users/{user_id}/active", data={"active": "1", "csrf_token": csrf})


def test_errors_are_pages_not_tracebacks(world: World) -> None:
    client, _ = logged_in(world, "viewer@alpha.example")
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "There is no such page." in response.text
    assert "Traceback" not in response.text

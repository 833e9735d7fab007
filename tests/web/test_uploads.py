"""Import uploads through the web: kept privately and briefly, hostile files refused with
the row at fault, and the server answering ``/healthz`` while an import runs."""

import io
import os
import socket
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from openpyxl import Workbook
from sqlalchemy import func, select

from recoup.db import transaction
from recoup.ledger.models import Invoice
from recoup.web.app import create_app
from tests.web.support import AS_OF, World, log_in, make_client

INVOICE = "number,customer,issue_date,due_date,total\nA-UP-{n},C1,2026-06-01,2026-07-01,9.00\n"


def count_invoices(world: World) -> int:
    with transaction(world.engine, actor="test") as session:
        return session.scalar(select(func.count()).select_from(Invoice)) or 0


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def stored(upload_dir: Path, world: World) -> list[Path]:
    folder = upload_dir / str(world.a.id)
    return sorted(folder.iterdir()) if folder.is_dir() else []


def dry_run(client: httpx.Client, csrf: str, name: str, body: bytes, kind: str = "invoices"):  # type: ignore[no-untyped-def]
    return client.post(
        "/imports",
        data={"kind": kind, "csrf_token": csrf},
        files={"file": (name, body, "application/octet-stream")},
    )


def upload_id_of(html: str) -> str:
    return html.split('action="/imports/')[1].split("/confirm")[0]


def test_an_upload_is_private_under_the_upload_dir_and_removed_after_confirm(
    world: World, upload_dir: Path
) -> None:
    client = make_client(world)
    csrf = log_in(client, "manager@alpha.example")
    before = count_invoices(world)
    response = dry_run(client, csrf, "new.csv", INVOICE.format(n=1).encode())
    assert response.status_code == 200, response.text
    (kept,) = stored(upload_dir, world)
    assert kept.name == f"{upload_id_of(response.text)}.csv"
    assert (mode(upload_dir), mode(kept.parent), mode(kept)) == (0o700, 0o700, 0o600)
    confirmed = client.post(
        f"/imports/{upload_id_of(response.text)}/confirm",
        data={"kind": "invoices", "csrf_token": csrf},
    )
    assert confirmed.status_code == 303
    assert count_invoices(world) == before + 1
    assert stored(upload_dir, world) == []


def test_a_rejected_dry_run_keeps_nothing(world: World, upload_dir: Path) -> None:
    client = make_client(world)
    csrf = log_in(client, "manager@alpha.example")
    response = dry_run(client, csrf, "bad.csv", b"number,customer\nA-UP-9,C9\n")
    assert response.status_code == 422
    assert stored(upload_dir, world) == []


def test_a_failed_confirmation_removes_the_upload(world: World, upload_dir: Path) -> None:
    client = make_client(world)
    csrf = log_in(client, "manager@alpha.example")
    response = dry_run(client, csrf, "new.csv", INVOICE.format(n=2).encode())
    upload_id = upload_id_of(response.text)
    # The same file confirmed as payments fails: required columns are missing.
    failed = client.post(
        f"/imports/{upload_id}/confirm", data={"kind": "payments", "csrf_token": csrf}
    )
    assert failed.status_code == 422
    assert "required column is missing" in failed.text
    assert stored(upload_dir, world) == []
    again = client.post(
        f"/imports/{upload_id}/confirm", data={"kind": "invoices", "csrf_token": csrf}
    )
    assert again.status_code == 404


def test_an_expired_upload_is_removed(world: World, upload_dir: Path) -> None:
    client = make_client(world)
    csrf = log_in(client, "manager@alpha.example")
    first = dry_run(client, csrf, "old.csv", INVOICE.format(n=3).encode())
    (old,) = stored(upload_dir, world)
    two_hours_ago = time.time() - 2 * 3600
    os.utime(old, (two_hours_ago, two_hours_ago))
    expired = client.post(
        f"/imports/{upload_id_of(first.text)}/confirm",
        data={"kind": "invoices", "csrf_token": csrf},
    )
    assert expired.status_code == 404
    assert not old.exists()
    # An expired upload nobody confirms is swept by the next upload (of any user).
    dry_run(client, csrf, "old.csv", INVOICE.format(n=4).encode())
    (older,) = stored(upload_dir, world)
    os.utime(older, (two_hours_ago, two_hours_ago))
    dry_run(client, csrf, "new.csv", INVOICE.format(n=5).encode())
    assert not older.exists()
    assert len(stored(upload_dir, world)) == 1


def test_a_field_over_128_kib_is_a_row_error_not_a_500(world: World, upload_dir: Path) -> None:
    client = make_client(world)
    csrf = log_in(client, "manager@alpha.example")
    body = INVOICE.format(n=6) + "A-UP-7," + "x" * (200 * 1024) + ",2026-06-01,,1\n"
    response = dry_run(client, csrf, "huge.csv", body.encode())
    assert response.status_code == 422
    assert "row 3: a cell from line 3 on is longer than 32,767 characters" in response.text
    assert stored(upload_dir, world) == []


def test_a_sheet_claiming_a_million_rows_is_refused_at_the_upload_limit(
    world: World, upload_dir: Path
) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["number", "customer", "issue_date", "due_date", "total"])
    sheet["XFD1048576"] = "x"
    buffer = io.BytesIO()
    workbook.save(buffer)
    client = make_client(world)
    csrf = log_in(client, "manager@alpha.example")
    start = time.perf_counter()
    response = dry_run(client, csrf, "far.xlsx", buffer.getvalue())
    assert time.perf_counter() - start < 10
    assert response.status_code == 422
    assert "row 100002: the file has more than 100,000 rows" in response.text
    assert stored(upload_dir, world) == []


@pytest.fixture
def server(world: World) -> Iterator[str]:
    """The app served by uvicorn on 127.0.0.1 (a real event loop and thread pool)."""
    app = create_app(engine=world.engine, clock=lambda: AS_OF, migrate=False)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, log_level="warning", lifespan="off")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    while not running.started:
        time.sleep(0.01)
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    running.should_exit = True
    thread.join(timeout=10)
    listener.close()


def test_healthz_answers_while_an_import_runs(world: World, server: str) -> None:
    rows = "".join(f"K{n},Customer {n} Ltd,GBP,GB\n" for n in range(40_000))
    body = f"external_id,name,currency,country\n{rows}".encode()
    client = httpx.Client(base_url=server, timeout=120)
    csrf = log_in(client, "manager@alpha.example")  # type: ignore[arg-type]
    outcome: dict[str, httpx.Response] = {}

    def upload() -> None:
        outcome["dry run"] = dry_run(client, csrf, "big.csv", body, kind="customers")

    importing = threading.Thread(target=upload)
    importing.start()
    latencies = []
    with httpx.Client(base_url=server, timeout=120) as probe:
        while importing.is_alive():
            start = time.perf_counter()
            assert probe.get("/healthz").status_code == 200
            if importing.is_alive():
                latencies.append(time.perf_counter() - start)
            time.sleep(0.05)
    importing.join()
    assert outcome["dry run"].status_code == 200, outcome["dry run"].text[:500]
    assert "40000 rows" in outcome["dry run"].text
    assert len(latencies) >= 5  # the import took a while, and the server answered meanwhile
    assert max(latencies) < 1.0

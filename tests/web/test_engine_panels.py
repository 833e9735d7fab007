"""The dashboard says what the engine did yesterday and plans today (counts by step and
channel); the worklist says each account's next step and when."""

from datetime import UTC, datetime

from recoup.comms.models import OutboxKind, OutboxMessage, OutboxStatus
from recoup.db import transaction
from tests.web.support import World, log_in, make_client


def _message(world: World, key: str, template: str, kind: OutboxKind, status: OutboxStatus,
             at: datetime, customer: str = "C2") -> OutboxMessage:  # fmt: skip
    return OutboxMessage(
        org_id=world.a.id,
        key=key,
        customer_id=world.a.customers[customer],
        kind=kind,
        template=template,
        recipient="ap@c2.example",
        status=status,
        next_attempt_at=at,
        sent_at=at if status == OutboxStatus.SENT else None,
        payload={},
    )


def _at(day: int, hour: int) -> datetime:
    return datetime(2026, 6, day, hour, tzinfo=UTC)


def test_the_engine_panels(world: World) -> None:
    sent, pending = OutboxStatus.SENT, OutboxStatus.PENDING
    email, letter = OutboxKind.EMAIL, OutboxKind.LETTER
    with transaction(world.engine, actor="test") as session:
        session.add_all(
            [
                # Yesterday (29 June): two reminders by email, one letter.
                _message(world, "y1", "friendly_reminder", email, sent, _at(29, 9)),
                _message(world, "y2", "friendly_reminder", email, sent, _at(29, 23)),
                _message(world, "y3", "formal_notice", letter, sent, _at(29, 10)),
                # The day before: not counted.
                _message(world, "old", "friendly_reminder", email, sent, _at(28, 9)),
                # Today (30 June): a formal notice waits for 14:00; one for tomorrow.
                _message(world, "t1", "formal_notice", email, pending, _at(30, 14)),
                _message(world, "t2", "final_demand", email, pending, datetime(2026, 7, 1, 8, tzinfo=UTC)),
            ]
        )  # fmt: skip
    client = make_client(world)
    log_in(client, "manager@alpha.example")
    page = client.get("/").text
    done = page.split('id="engine-yesterday"', 1)[1].split("</section>", 1)[0]
    rows = [
        [cell.strip() for cell in row.split("</td><td")]
        for row in done.split("<tbody>", 1)[1].split("</tbody>", 1)[0].split("<tr>")[1:]
    ]
    cells = [[c.split(">", 1)[-1].split("<", 1)[0] for c in row] for row in rows]
    assert cells == [["friendly reminder", "email", "2"], ["formal notice", "letter", "1"]]
    today = page.split('id="engine-today"', 1)[1].split("</section>", 1)[0]
    assert "formal notice" in today
    assert "final demand" not in today
    assert 'href="/outbox?status=pending"' in today
    # The worklist: C2's next step is the formal notice by email at 14:00 today.
    worklist = client.get("/worklist").text
    c2 = worklist.split("A C2 Kunde GmbH", 1)[1].split("</tr>", 1)[0]
    assert "formal notice by email, 30 Jun 2026, 14:00" in c2
    c1 = worklist.split("A C1 Kunde GmbH", 1)[1].split("</tr>", 1)[0]
    assert "Task: Call A C1 about the overdue invoice, due 28 Jun 2026" in c1

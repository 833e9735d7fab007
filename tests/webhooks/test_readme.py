"""The README's five lines of Python verify a real delivery (and refuse a forged one)."""

import contextlib
import io
from pathlib import Path

import pytest
from standardwebhooks import WebhookVerificationError

from recoup.comms.dispatcher import dispatch
from recoup.db import transaction
from recoup.webhooks import service
from tests.webhooks.sink import Sink
from tests.webhooks.test_delivery import channels, make_book

README = Path(__file__).resolve().parents[2] / "README.md"


def snippet() -> str:
    section = README.read_text().split("## Webhooks", 1)[1]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


def test_the_readme_verifies_a_delivery_in_five_lines(
    database_url: str, sink: Sink, tmp_path: Path
) -> None:
    code = snippet()
    assert len([line for line in code.splitlines() if line.strip()]) == 5
    book = make_book(database_url, sink.url, events="promise.broken")
    with transaction(book.engine, actor="test") as session:
        service.emit(
            session,
            org_id=book.org_id,
            type="promise.broken",
            data={"promise_id": 1, "promised_amount": "250.00"},
        )
    dispatch(book.engine, channels(tmp_path), org_id=book.org_id)
    (received,) = sink.received
    run = code.replace("whsec_...", book.secret)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(run, {"request_body": received.body, "request_headers": received.headers})
    assert printed.getvalue() == "broken: 1 250.00\n"
    forged = received.body.replace(b'"promise_id":1', b'"promise_id":2')
    with pytest.raises(WebhookVerificationError):
        exec(run, {"request_body": forged, "request_headers": received.headers})

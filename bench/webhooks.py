"""Webhook deliveries per second through the outbox, to a local HTTP sink.

``python -m bench.webhooks [--deliveries N] [--databases sqlite,postgresql] [--url URL]``
plans N events for one subscription (one outbox row each), then times the dispatcher
delivering them (claim, sign, POST, record the attempt: two short transactions per
delivery) to a threaded HTTP server on 127.0.0.1. The reference, measured in the same
run against the same sink: bare httpx POSTs of the same bodies, one client, no database.
The target is 1,000 deliveries a minute, sustained (the whole batch, not a burst).
``--url`` runs on an existing database (a copy of a large book) instead of a fresh one.
"""

import argparse
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import psycopg
from sqlalchemy import make_url
from standardwebhooks import Webhook

from recoup.comms.dispatcher import dispatch
from recoup.config import Settings
from recoup.db import make_engine, transaction
from recoup.db.migrate import upgrade
from recoup.jobs.effects import LiveChannels
from recoup.ledger import service as ledger
from recoup.webhooks import service
from recoup.webhooks.core import EVENT_TYPES
from recoup.webhooks.delivery import signed_headers

TARGET_PER_MINUTE = 1000


class Counter:
    def __init__(self) -> None:
        self.count = 0
        self.last: tuple[bytes, dict[str, str]] = (b"", {})
        self.lock = threading.Lock()


@contextmanager
def sink() -> Iterator[tuple[str, Counter]]:
    """A local endpoint that answers 200 and counts what it receives."""
    counter = Counter()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body apart: no 40 ms delayed ACK

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            with counter.lock:
                counter.count += 1
                counter.last = (body, dict(self.headers.items()))
            self.send_response(200)
            self.send_header("content-length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hooks", counter
    finally:
        server.shutdown()
        server.server_close()


def fresh_database(kind: str, directory: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{directory}/webhooks.db"
    base = make_url(os.environ["RECOUP_TEST_DATABASE_URL"])
    admin = base.set(drivername="postgresql", database="postgres").render_as_string(False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute("DROP DATABASE IF EXISTS recoup_bench_webhooks WITH (FORCE)")
        connection.execute("CREATE DATABASE recoup_bench_webhooks")
    return base.set(database="recoup_bench_webhooks").render_as_string(False)


def measure(
    url: str, deliveries: int, directory: Path, dispatchers: int = 1
) -> tuple[float, float, int]:
    """Seconds to dispatch ``deliveries`` with ``dispatchers`` dispatchers side by side
    (threads here, ``recoup worker`` processes in production: each claims its own rows),
    seconds of the bare POSTs, deliveries received."""
    engine = make_engine(url)
    upgrade(engine)
    with sink() as (endpoint, counter):
        with transaction(engine, actor="bench") as session:
            slug = f"hooks{int(time.time())}"
            org = ledger.create_organisation(session, slug=slug, name="Hooks Ltd")
            subscription = service.add_subscription(
                session, org_id=org.id, url=endpoint, events=list(EVENT_TYPES)
            )
            org_id, secret = org.id, subscription.secret
            service.emit_many(
                session,
                org_id=org_id,
                type="payment.applied",
                events=[
                    (f"bench:{n}", {"allocation_id": n, "amount": "120.00", "currency": "EUR"})
                    for n in range(deliveries)
                ],
            )
        settings = Settings(smtp_url=f"file://{directory}/mail", letters_dir=str(directory))
        sent: list[int] = []

        def run() -> None:
            channels = LiveChannels(settings)
            sent.append(dispatch(engine, channels, org_id=org_id).sent)
            channels.webhooks.close()

        threads = [threading.Thread(target=run) for _ in range(dispatchers)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - started
        received = counter.count
        assert sum(sent) == received == deliveries, (sent, received)
        body, headers = counter.last
        Webhook(secret).verify(body, headers)  # what arrived is signed right
        started = time.perf_counter()
        with httpx.Client(timeout=10) as client:
            for n in range(deliveries):
                text = body.decode().replace('"allocation_id":', f'"n":{n},"allocation_id":', 1)
                client.post(
                    endpoint,
                    content=text.encode(),
                    headers=signed_headers(secret=secret, event_id=f"ref_{n}", body=text),
                )
        reference = time.perf_counter() - started
    engine.dispose()
    return seconds, reference, received


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deliveries", type=int, default=3000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--url", default="", help="an existing database instead")
    parser.add_argument("--dispatchers", default="1,4", help="side by side, e.g. 1,4")
    args = parser.parse_args()
    header = (
        f"{'database':<11} {'dispatchers':>11} {'deliveries':>10} {'seconds':>8} {'per s':>7} "
        f"{'per min':>8} {'reference s':>11} {'ratio':>6}  target {TARGET_PER_MINUTE}/min"
    )
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        targets = (
            [(make_url(args.url).get_backend_name(), args.url)]
            if args.url
            else [(k, fresh_database(k, directory)) for k in args.databases.split(",")]
        )
        for (kind, url), count in (
            (target, int(n)) for target in targets for n in args.dispatchers.split(",")
        ):
            seconds, reference, received = measure(url, args.deliveries, directory, count)
            rate = received / seconds
            verdict = "met" if rate * 60 >= TARGET_PER_MINUTE else "NOT met"
            print(
                f"{kind:<11} {count:>11} {received:>10,} {seconds:>8.2f} {rate:>7.1f} "
                f"{rate * 60:>8,.0f} {reference:>11.2f} {seconds / reference:>5.1f}x  {verdict}",
                flush=True,
            )
    print(
        "reference: the same bodies POSTed with one httpx client, no database; "
        "deliveries: dispatch (claim, sign, POST, record the attempt) of one outbox row each"
    )


if __name__ == "__main__":
    main()

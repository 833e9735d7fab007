"""Running ``recoup worker`` in production: log lines, metrics, health.

- **Logs**: one line per event on stderr, as text or as JSON (``--log-format json``:
  ``{"at", "level", "event", "worker", ...}`` with the event's fields, for a log shipper).
- **Metrics** (``--metrics-port``): ``/metrics`` in Prometheus' text format — jobs done
  and failed by task (``recoup_jobs_total``), how long they took, the outbox by status
  (``recoup_outbox_rows``) and its lag (``recoup_outbox_lag_seconds``: how long the
  oldest due row has waited), read from the database at each scrape — and ``/health``
  (200 while the worker runs and its database answers, 503 otherwise).
"""

import json
import logging
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import Collector
from sqlalchemy import Engine, func, select, text

from recoup.comms.dispatcher import dispatcher_id
from recoup.comms.models import WAITING, OutboxMessage
from recoup.db import transaction
from recoup.db.base import utcnow

log = logging.getLogger("recoup.worker")
T = TypeVar("T")

# The standard attributes of a log record: everything else came in ``extra``.
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message"}


class JsonFormatter(logging.Formatter):
    """A log record as one JSON object on one line."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "at": datetime.fromtimestamp(record.created).astimezone().isoformat(),
            "level": record.levelname.lower(),
            "event": record.getMessage(),
            "logger": record.name,
            "worker": dispatcher_id(),
        }
        line |= {k: v for k, v in record.__dict__.items() if k not in _STANDARD}
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


class TextFormatter(logging.Formatter):
    """``time level event key=value ...``."""

    def format(self, record: logging.LogRecord) -> str:
        fields = " ".join(f"{k}={v}" for k, v in record.__dict__.items() if k not in _STANDARD)
        stamp = datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="seconds")
        line = f"{stamp} {record.levelname.lower():<7} {record.getMessage()} {fields}".rstrip()
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def configure_logging(log_format: str, level: int = logging.INFO) -> None:
    """Send the worker's log (and the queue library's) to stderr as ``log_format``."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("procrastinate").setLevel(logging.WARNING)


class Metrics:
    """The worker's counters and the database-read gauges, in their own registry."""

    def __init__(self, engine: Engine) -> None:
        self.registry = CollectorRegistry()
        self.jobs = Counter(
            "recoup_jobs", "Jobs run by this worker", ["task", "outcome"], registry=self.registry
        )
        self.seconds = Histogram(
            "recoup_job_seconds", "How long jobs took", ["task"], registry=self.registry
        )
        self.registry.register(_OutboxCollector(engine))
        self.started = time.monotonic()
        self.stopping = False

    def run(self, task: str, body: Callable[[], T]) -> T:
        """Run ``body`` as job ``task``: counted, timed and logged."""
        started = time.perf_counter()
        try:
            result = body()
        except Exception:
            self.jobs.labels(task, "failed").inc()
            log.exception("job failed", extra={"task": task})
            raise
        finally:
            self.seconds.labels(task).observe(time.perf_counter() - started)
        self.jobs.labels(task, "done").inc()
        log.info(
            "job done",
            extra={"task": task, "seconds": round(time.perf_counter() - started, 3)},
        )
        return result


class _OutboxCollector(Collector):
    """The outbox by status and its lag, read at each scrape."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[GaugeMetricFamily]:
        rows = GaugeMetricFamily("recoup_outbox_rows", "Outbox rows by status", labels=["status"])
        lag = GaugeMetricFamily(
            "recoup_outbox_lag_seconds", "How long the oldest due outbox row has waited"
        )
        now = utcnow()
        with transaction(self.engine, actor="metrics", read_only=True) as session:
            counts = session.execute(
                select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
            ).all()
            oldest = session.scalar(
                select(func.min(OutboxMessage.next_attempt_at)).where(
                    text(WAITING), OutboxMessage.next_attempt_at <= now
                )
            )
        for status, count in counts:
            rows.add_metric([str(status)], count)
        lag.add_metric([], 0 if oldest is None else (now - oldest).total_seconds())
        yield rows
        yield lag


def serve(
    metrics: Metrics, engine: Engine, port: int, host: str = "127.0.0.1"
) -> ThreadingHTTPServer:
    """Serve ``/metrics`` and ``/health`` on ``host:port`` from a daemon thread."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.startswith("/metrics"):
                try:
                    body, status = generate_latest(metrics.registry), 200
                except Exception as error:  # the database is down: say so, as a scrape error
                    body, status = f"metrics unavailable: {error}\n".encode(), 503
                self._answer(status, CONTENT_TYPE_LATEST, body)
            elif self.path.startswith("/health"):
                healthy = not metrics.stopping and _database_answers(engine)
                report = {
                    "status": "ok" if healthy else "unavailable",
                    "worker": dispatcher_id(),
                    "uptime_seconds": round(time.monotonic() - metrics.started, 1),
                    "stopping": metrics.stopping,
                }
                self._answer(
                    200 if healthy else 503, "application/json", json.dumps(report).encode()
                )
            else:
                self._answer(404, "text/plain", b"not found: /metrics or /health\n")

        def _answer(self, status: int, kind: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return  # scrapes are not worth a log line each

    server = ThreadingHTTPServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    return server


def _database_answers(engine: Engine) -> bool:
    try:
        with transaction(engine, actor="health", read_only=True) as session:
            session.execute(text("SELECT 1"))
    except Exception:
        return False
    return True

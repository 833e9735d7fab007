"""The web server's logging: portal tokens never reach a log line.

A portal link (``/p/<token>/...``) is a bearer secret: whoever has it sees the
customer's account. The access log prints every request's path and an unexpected error
prints the path it failed on, so ``RedactPortalTokens`` — a filter on every handler of
``recoup serve`` — replaces the token with ``[redacted]`` in the message, its arguments
and any traceback before a line is written.
"""

import copy
import logging
import re
from collections.abc import Mapping
from typing import Any

#: A portal link's token: the path segment after ``/p/`` (in a path or a full URL).
_PORTAL_TOKEN = re.compile(r"(/p/)[^/?#\s\"'<>]+")
REDACTED = "[redacted]"


def redact(text: str) -> str:
    """``text`` with every portal token replaced.

    >>> redact('GET /p/Zx8_kq-3/statement.pdf?lang=de HTTP/1.1')
    'GET /p/[redacted]/statement.pdf?lang=de HTTP/1.1'
    >>> redact("https://pay.example/p/abc123 and /customers/7")
    'https://pay.example/p/[redacted] and /customers/7'
    """
    return _PORTAL_TOKEN.sub(rf"\g<1>{REDACTED}", text)


def _redact_value(value: object) -> object:
    return redact(value) if isinstance(value, str) else value


class RedactPortalTokens(logging.Filter):
    """Redacts portal tokens in a record (message, arguments, traceback); drops nothing."""

    _traceback = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redact_value(arg) for arg in record.args)
        elif isinstance(record.args, Mapping):
            record.args = {key: _redact_value(arg) for key, arg in record.args.items()}
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(self._traceback.formatException(record.exc_info))
        return True


def server_log_config(base: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Uvicorn's logging configuration (``base``, default uvicorn's own) with the token
    filter on every handler, and the application's loggers sent through it too."""
    if base is None:
        from uvicorn.config import LOGGING_CONFIG

        base = LOGGING_CONFIG
    config = copy.deepcopy(dict(base))
    config.setdefault("filters", {})["redact_portal_tokens"] = {"()": RedactPortalTokens}
    for handler in config.get("handlers", {}).values():
        handler["filters"] = [*handler.get("filters", []), "redact_portal_tokens"]
    # Recoup's own loggers (an unexpected error names its path) go through the same handler.
    config.setdefault("loggers", {})["recoup"] = {
        "handlers": ["default"],
        "level": "INFO",
        "propagate": False,
    }
    return config

"""Structured JSON logs: one line per request, and never a body, a student ref or a token.

`configure()` gives the `toewijzing` logger one handler that writes each record as one JSON
object on stdout (CloudWatch keeps a line per object). `access()` is the only thing the HTTP
layer logs per request: request id, method, the route *template* (never the concrete path or its
query string, which may hold a student ref), status, duration and its storage calls (count and
milliseconds, `storage/metering.py`). Anything else a module logs
goes through the same formatter; only the fields named in `FIELDS` are copied from `extra`.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from collections.abc import Mapping
from typing import Any

LOGGER = "toewijzing"
ACCESS_LOGGER = "toewijzing.access"
LEVEL = "TOEWIJZING_LOG_LEVEL"
# The only `extra` fields a record may carry into a log line: none of them holds request data.
FIELDS = (
    "request_id",
    "method",
    "route",
    "status",
    "duration_ms",
    "storage_calls",
    "storage_ms",
    "message_id",
    "error",
)


class JsonFormatter(logging.Formatter):
    """A record as one JSON object: time, level, logger, message and the allowed fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in FIELDS:
            if name in record.__dict__:
                line[name] = record.__dict__[name]
        if record.exc_info:
            # The exception's type and where it was raised; its message may quote input.
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class _Stdout(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stdout` is at the time (test runners swap it)."""

    def __init__(self) -> None:
        super().__init__(sys.stdout)

    @property
    def stream(self) -> Any:
        return sys.stdout

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


def configure(environ: Mapping[str, str]) -> logging.Logger:
    """Idempotent: the `toewijzing` logger with one JSON handler, not propagating to root.

    Not propagating keeps Lambda's own root handler from wrapping our JSON in its text format.
    """
    logger = logging.getLogger(LOGGER)
    if not any(isinstance(h, _Stdout) for h in logger.handlers):
        handler = _Stdout()
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
    logger.setLevel(environ.get(LEVEL, "INFO").upper())
    logger.propagate = False
    return logger


def access(
    request_id: str,
    method: str,
    route: str,
    status: int,
    duration_ms: float,
    storage: tuple[int, float] = (0, 0.0),
) -> None:
    """The one line per request: no body, no query string, no header; `storage`: the count
    and milliseconds of its DynamoDB, S3 and SQS calls."""
    logging.getLogger(ACCESS_LOGGER).info(
        "request",
        extra={
            "request_id": request_id,
            "method": method,
            "route": route,
            "status": status,
            "duration_ms": round(duration_ms, 2),
            "storage_calls": storage[0],
            "storage_ms": round(storage[1], 2),
        },
    )

"""The storage calls of the current request: how many DynamoDB, S3 and SQS calls it made and
how long they took, for its access log line (`storage_calls`, `storage_ms`).

`watch(client)` hooks a boto3 client's botocore events: `before-call` starts the clock,
`after-call` (or `after-call-error`) stops it. A call is one API operation with its retries
(botocore retries inside it); a paginated query is a call per page. Counts are per thread: a
request is answered on one thread (Lambda runs one at a time; chalice local one a thread), and
`start()` begins its count. Imports nothing heavy: `import app` loads it.
"""

from __future__ import annotations

import threading
import time
from typing import Any

EVENTS = ("before-call", "after-call", "after-call-error")


class _Meter(threading.local):
    def __init__(self) -> None:
        self.calls = 0
        self.seconds = 0.0
        self.began: float | None = None


_meter = _Meter()


def start() -> None:
    """Begin counting the calls of a new request on this thread."""
    _meter.calls, _meter.seconds, _meter.began = 0, 0.0, None


def totals() -> tuple[int, float]:
    """The calls made on this thread since `start()`, and their time in milliseconds."""
    return _meter.calls, _meter.seconds * 1e3


def _before(**_: Any) -> None:
    _meter.calls += 1
    _meter.began = time.perf_counter()


def _after(**_: Any) -> None:
    if _meter.began is not None:
        _meter.seconds += time.perf_counter() - _meter.began
        _meter.began = None


def watch(client: Any) -> Any:
    """`client`, its calls counted from now on; returns it."""
    events = client.meta.events
    events.register("before-call", _before, unique_id="toewijzing-meter-before")
    events.register("after-call", _after, unique_id="toewijzing-meter-after")
    events.register("after-call-error", _after, unique_id="toewijzing-meter-error")
    return client

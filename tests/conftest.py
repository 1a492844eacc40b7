"""Log hygiene for the whole test session: no student data and no token in any log line.

Every log record of the session (the root logger and `toewijzing`, which does not propagate)
is written as JSON to `test-output/logs-<worker>.jsonl`. Tests register what must never be
logged with `sensitive(...)`; the API fixture (tests/api/conftest.py) does so for every
student ref, BSN-like value and token it sends or receives. At the end of the session every
registered value (6 characters or more) and every BSN-like number (9 digits passing the
11-test, standing alone) is searched for in that file; a hit fails the run (exit status 1) and
is written to `test-output/log-scan-<worker>.txt`. tests/security/test_logs.py shows the scan
catches a leak. Each xdist worker scans its own records.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from chalicelib.logs import LOGGER, JsonFormatter

OUTPUT = Path(__file__).resolve().parents[1] / "test-output"
SENSITIVE: set[str] = set()
MIN_LENGTH = 6
BSN_LIKE = re.compile(r"(?<![0-9A-Za-z])[0-9]{9}(?![0-9A-Za-z])")
_handler: logging.FileHandler | None = None


def sensitive(*values: object) -> None:
    """Values that must never appear in a log line (strings; others are ignored)."""
    SENSITIVE.update(v for v in values if isinstance(v, str) and v)


def _refs(document: Any) -> Iterable[str]:
    if isinstance(document, dict):
        for key, value in document.items():
            if key in ("ref", "student_ref") and isinstance(value, str):
                yield value
            yield from _refs(value)
    elif isinstance(document, list):
        for item in document:
            yield from _refs(item)


def sensitive_exchange(path: str, body: Any, headers: dict[str, str], response: Any) -> None:
    """Register the student refs and tokens of one API call (request and response)."""
    authorization = headers.get("Authorization") or headers.get("authorization") or ""
    sensitive(authorization.partition(" ")[2].strip())
    if isinstance(body, str | bytes):
        try:
            body = json.loads(body)
        except (ValueError, RecursionError):  # not JSON, or a hostile nesting
            body = None
    sensitive(*_refs(body), *_refs(response))
    if isinstance(response, dict):
        sensitive(response.get("token"))
    for match in re.finditer(r"student_ref=([^&]+)", path):
        sensitive(match.group(1))


def is_bsn(value: str) -> bool:
    digits = [int(c) for c in value]
    total = sum(d * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True)) - digits[8]
    return total % 11 == 0


def scan(text: str, values: Iterable[str]) -> list[str]:
    """What a log text leaks: registered values and BSN-like numbers."""
    leaks = [
        f"registered value {v!r}" for v in sorted(values) if len(v) >= MIN_LENGTH and v in text
    ]
    leaks += [f"BSN-like number {m}" for m in sorted(set(BSN_LIKE.findall(text))) if is_bsn(m)]
    return leaks


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def pytest_configure(config: pytest.Config) -> None:
    global _handler
    OUTPUT.mkdir(exist_ok=True)
    _handler = logging.FileHandler(OUTPUT / f"logs-{_worker()}.jsonl", mode="w", encoding="utf-8")
    _handler.setFormatter(JsonFormatter())
    _handler.setLevel(logging.DEBUG)
    for name in (None, LOGGER):
        logging.getLogger(name).addHandler(_handler)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _handler is None:
        return
    _handler.flush()
    text = Path(_handler.baseFilename).read_text(encoding="utf-8", errors="replace")
    leaks = scan(text, SENSITIVE)
    report = OUTPUT / f"log-scan-{_worker()}.txt"
    lines = text.count("\n")
    report.write_text(
        f"{lines} log lines, {len(SENSITIVE)} registered values\n" + "\n".join(leaks) + "\n",
        encoding="utf-8",
    )
    if leaks:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = f"log hygiene: {len(leaks)} leak(s) in {_handler.baseFilename}, see {report}"
        if reporter is not None:
            reporter.write_line(message, red=True)
            for leak in leaks[:20]:
                reporter.write_line(f"  {leak}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


class Lines(logging.Handler):
    """Keeps the service's log lines of one test, formatted as they are written."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def lines() -> Iterator[list[str]]:
    """The JSON log lines the service writes during the test."""
    handler = Lines()
    logger = logging.getLogger(LOGGER)
    logger.addHandler(handler)
    try:
        yield handler.lines
    finally:
        logger.removeHandler(handler)

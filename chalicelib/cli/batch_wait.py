"""Waiting for a batch: the status polled until it is `completed` or `failed`, a progress bar
on stderr when stderr is a terminal (a line every LINE_EVERY seconds otherwise), and a deadline:
after `--timeout` seconds `WaitTimeoutError`, and the rows still pending, named from the results.
"""

from __future__ import annotations

import sys
import time
import urllib.parse
from pathlib import Path
from typing import IO, Any

from chalicelib.cli.api_client import Api
from chalicelib.cli.common import WaitTimeoutError, language
from chalicelib.messages import msg, render

LINE_EVERY = 10.0  # seconds between progress lines when stderr is not a terminal
PAGE = 1000  # the API's largest results page
SHOWN_RANGES = 10  # pending row ranges named in the message; the rest are counted


def bar(done: int, total: int, width: int = 10) -> str:
    """`[#####.....] 512/1000`"""
    filled = width if total <= 0 else min(width, done * width // total)
    return f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total}"


class Progress:
    """A bar redrawn in place on a terminal; otherwise a line now and then."""

    def __init__(self, stream: IO[str], batch_id: str) -> None:
        self.stream = stream
        self.batch_id = batch_id
        self.tty = stream.isatty()
        self.last_line = 0.0
        self.last_text = ""

    def show(self, status: dict[str, Any]) -> None:
        counts = status.get("counts") or {}
        total = counts.get("total")
        if total is None:
            token = msg("cli.progress_counting", batch=self.batch_id, status=status["status"])
        else:
            done = total - (counts.get("pending") or 0)
            token = msg("cli.progress", batch=self.batch_id, status=status["status"],
                        bar=bar(done, total))  # fmt: skip
        text = render(token, language())
        if self.tty:
            self.stream.write(f"\r{text}\x1b[K")
            self.stream.flush()
        elif text != self.last_text and time.monotonic() - self.last_line >= LINE_EVERY:
            print(text, file=self.stream, flush=True)
            self.last_line = time.monotonic()
            self.last_text = text

    def end(self, status: dict[str, Any]) -> None:
        self.last_line = 0.0
        self.show(status)
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


def wait(
    api: Api, status_url: str, batch_id: str, interval: float, timeout: float
) -> dict[str, Any]:
    progress = Progress(sys.stderr, batch_id)
    started = time.monotonic()
    while True:
        status: dict[str, Any] = api.get(status_url).json()
        if status["status"] in ("completed", "failed"):
            progress.end(status)
            return status
        progress.show(status)
        waited = time.monotonic() - started
        if waited >= timeout:
            progress.end(status)
            raise WaitTimeoutError(status, waited)
        time.sleep(max(0.0, min(interval, timeout - waited)))


def pending_rows(api: Api, status: dict[str, Any]) -> list[tuple[int, int]]:
    """The rows without a result, as ranges (first, last), from the results pages."""
    total = (status.get("counts") or {}).get("total")
    if not total:
        return []
    done: set[int] = set()
    cursor: str | None = None
    while True:
        query = {"limit": str(PAGE), **({"cursor": cursor} if cursor else {})}
        page = api.get(f"{status['results_url']}?{urllib.parse.urlencode(query)}").json()
        done.update(int(item["row"]) for item in page["items"])
        cursor = page.get("next")
        if not cursor:
            break
    ranges: list[tuple[int, int]] = []
    for row in range(1, total + 1):
        if row in done:
            continue
        if ranges and ranges[-1][1] == row - 1:
            ranges[-1] = (ranges[-1][0], row)
        else:
            ranges.append((row, row))
    return ranges


def timeout_message(api: Api, timeout: WaitTimeoutError, state: Path) -> str:
    """What is still pending, and how to go on."""
    status = timeout.status
    counts = status.get("counts") or {}
    batch_id, now = status.get("batch_id"), status.get("status")
    where = {
        "batch": batch_id,
        "status": now,
        "seconds": round(timeout.waited),
        "state": str(state),
    }
    if counts.get("total") is None:
        return msg("cli.timeout_unsplit", **where)
    ranges = pending_rows(api, status)
    named = ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in ranges[:SHOWN_RANGES])
    more = len(ranges) - SHOWN_RANGES
    pending = sum(b - a + 1 for a, b in ranges)
    code = "cli.timeout_more" if more > 0 else "cli.timeout"
    return msg(code, pending=pending, total=counts["total"], rows=named, more=more, **where)

"""CSV text read a bounded line at a time (`formats.csv_rows`).

The bytes are decoded as UTF-8 with a bad byte read as U+FFFD (`NOT_UTF8`), so that a row with
bytes that are not UTF-8 is rejected on its own; a line longer than `MAX_LINE_CHARS` is read to
its end a piece at a time and given as `TOO_LONG` (its row is rejected), never held whole.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import IO, Any

MAX_LINE_CHARS = 10_000  # a CSV line (the header: a 400; a row: rejected)
TOO_LONG = "\ue000"  # stands for a line longer than MAX_LINE_CHARS (private use)
NOT_UTF8 = "\ufffd"  # what a byte that is not UTF-8 is read as


def text(stream: IO[bytes]) -> io.TextIOWrapper:
    """UTF-8 text of the stream, line endings kept (as `csv` wants them)."""
    buffered = stream if isinstance(stream, io.BufferedIOBase) else io.BufferedReader(_Raw(stream))
    return io.TextIOWrapper(
        buffered, encoding="utf-8-sig", errors="replace", newline=""
    )  # a bad byte becomes U+FFFD


class _Raw(io.RawIOBase):
    """Any stream with `read` (an S3 body) as a raw stream `io.BufferedReader` can wrap."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def lines(decoded: io.TextIOWrapper) -> Iterator[str]:
    """Lines of the decoded stream; a line longer than MAX_LINE_CHARS is read to its end (a
    piece at a time) and given as TOO_LONG."""
    while line := decoded.readline(MAX_LINE_CHARS + 1):
        if len(line) > MAX_LINE_CHARS:
            while line and not line.endswith(("\n", "\r")):
                line = decoded.readline(MAX_LINE_CHARS)
            line = TOO_LONG + "\n"
        yield line

"""Memory stays bounded: a CSV batch is streamed from its blob into chunk messages, never loaded
whole. The splitter's peak (tracemalloc) on 100,000 rows is small and about what it is on 10,000.
`bench/bench_batch.py` reports the same figure with `split_peak`."""

from __future__ import annotations

import datetime as dt
import tracemalloc
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from chalicelib.config import Settings
from chalicelib.services import Services
from chalicelib.services.batches.pipeline import Batches
from chalicelib.storage.memory import MemoryStorage
from chalicelib.storage.transport import DirectoryBlobStore
from tests.api.test_batches import as_csv, cohort

MB = 1024 * 1024


class CountingQueue:
    """A queue that keeps nothing: it counts the chunk messages and their rows."""

    def __init__(self) -> None:
        self.messages = 0
        self.rows = 0

    def send(self, messages: Iterable[dict[str, Any]]) -> None:
        for message in messages:
            self.messages += 1
            self.rows += len(message.get("rows", ()))


LEAN = "student_ref,arrangement,application_date,iq_score\r\nll-,lwoo,2017-03-01,82\r\n"


def write_csv(path: Path, rows: int, full: bool = True) -> int:
    """A CSV batch of `rows` rows, each a template row with its own student ref; returns its
    size in bytes. Full rows fill every column (four complete dossiers, ~270 bytes a row);
    lean rows only the required ones and the IQ score: tracemalloc slows the splitter down
    about eightfold, and lean rows keep a 100,000-row test within seconds."""
    header, *templates = (as_csv(cohort()) if full else LEAN).splitlines(keepends=True)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(header)
        for i in range(rows):
            out.write(templates[i % len(templates)].replace("ll-", f"ll-{i:06d}-", 1))
    return path.stat().st_size


def split_peak(path: Path) -> tuple[int, CountingQueue]:
    """Split the CSV file at `path` as the worker does; the peak of traced memory in bytes."""
    settings = Settings(stage="test", table_name="unused", storage="memory", admin_token=None)
    now = dt.datetime(2017, 3, 1, tzinfo=dt.UTC)
    services = Services(MemoryStorage(), settings, lambda: now, lambda: "0" * 32)
    queue = CountingQueue()
    batches = Batches(services, DirectoryBlobStore(path.parent), queue, lambda _: b"unused")
    record = {"batch_id": "b" * 32, "region_id": "VO2001", "format": "text/csv",
              "status": "accepted", "accepted_at": now.isoformat(), "parameters": {},
              "blob": path.name}  # fmt: skip
    services.storage.put_batch("VO2001", "b" * 32, record)
    tracemalloc.start()
    try:
        batches.split("VO2001", "b" * 32)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, queue


def test_a_100000_row_csv_is_split_in_bounded_memory(tmp_path: Path) -> None:
    (tmp_path / "small").mkdir()
    (tmp_path / "large").mkdir()
    small, large = tmp_path / "small" / "10k.csv", tmp_path / "large" / "100k.csv"
    write_csv(small, 10_000, full=False)
    size = write_csv(large, 100_000, full=False)

    peak_10k, queue_10k = split_peak(small)
    peak_100k, queue_100k = split_peak(large)

    assert (queue_10k.rows, queue_100k.rows) == (10_000, 100_000)
    assert queue_100k.messages == 1_000  # chunks of 100 rows
    assert large.exists()  # kept until its chunks are decided: the sweeper may resend them
    assert peak_100k < 30 * MB, f"peak {peak_100k / MB:.1f} MB for a {size / MB:.0f} MB file"
    assert peak_100k < size / 2  # less than the file itself
    assert peak_100k < 2 * peak_10k + 2 * MB, (peak_10k / MB, peak_100k / MB)

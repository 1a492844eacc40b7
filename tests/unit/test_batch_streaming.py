"""Memory stays bounded: a batch is streamed from its blob into chunk messages, never loaded
whole. The splitter's peak (tracemalloc) on 100,000 CSV rows is small and about what it is on
10,000; a JSON batch and a zip of OSO dossiers are split in a fraction of their size (issue 16.5:
under 50 MB for 50 MB bodies, which `bench/bench_batch.py` measures with `split_peak`; here
smaller bodies and a proportional bound keep `make test` fast)."""

from __future__ import annotations

import datetime as dt
import json
import tracemalloc
import zipfile
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
    """A queue that keeps nothing: it counts the chunk messages and their rows, and keeps the
    split messages of an archive's later parts (`split_peak` handles them)."""

    def __init__(self) -> None:
        self.messages = 0
        self.rows = 0
        self.unread = 0  # rows without a document (rejected while reading)
        self.splits: list[dict[str, Any]] = []

    def send(self, messages: Iterable[dict[str, Any]]) -> None:
        for message in messages:
            if message["kind"] == "split":
                self.splits.append(message)
                continue
            self.messages += 1
            self.rows += len(message.get("rows", ()))
            self.unread += sum(1 for r in message.get("rows", ()) if r["document"] is None)


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


OSO = Path(__file__).resolve().parents[1] / "data" / "oso" / "examples"
OSO_PARAMETERS = {"arrangement": "lwoo", "date": "2016-03-01"}


def write_json(path: Path, size: int) -> int:
    """A JSON batch of about `size` bytes of complete dossiers; its size in bytes."""
    templates = [json.dumps(d) for d in cohort()]
    with path.open("w", encoding="utf-8") as out:
        out.write('{"items": [')
        i = 0
        while out.tell() < size:
            out.write(("," if i else "") + templates[i % 4].replace('"ll-', f'"ll-{i:07d}-', 1))
            i += 1
        out.write("]}")
    return path.stat().st_size


def write_zip(path: Path, size: int) -> int:
    """A zip of about `size` bytes of the example OSO dossiers (stored, as a school's export
    of many already compressed files may be); its size in bytes."""
    dossiers = [p.read_bytes() for p in sorted(OSO.glob("Voorbeelddossier_*.xml"))]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        i = 0
        while path.stat().st_size < size:
            archive.writestr(f"dossier-{i:05d}.xml", dossiers[i % len(dossiers)])
            i += 1
    return path.stat().st_size


def split_peak(
    path: Path, media: str = "text/csv", parameters: dict[str, str] | None = None
) -> tuple[int, CountingQueue]:
    """Split the file at `path` as the worker does, every part of it; the peak of traced memory
    in bytes."""
    settings = Settings(stage="test", table_name="unused", storage="memory", admin_token=None)
    now = dt.datetime(2017, 3, 1, tzinfo=dt.UTC)
    services = Services(MemoryStorage(), settings, lambda: now, lambda: "0" * 32)
    queue = CountingQueue()
    batches = Batches(
        services,
        DirectoryBlobStore(path.parent),
        queue,
        lambda _: b"bench-pseudonym-key-0123456789",
    )
    record = {"batch_id": "b" * 32, "region_id": "VO2001", "format": media,
              "status": "accepted", "accepted_at": now.isoformat(),
              "parameters": parameters or {}, "blob": path.name}  # fmt: skip
    services.storage.put_batch("VO2001", "b" * 32, record)
    tracemalloc.start()
    try:
        batches.split("VO2001", "b" * 32)
        while queue.splits:  # an archive's later parts
            batches.handle(queue.splits.pop(0))
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
    assert queue_100k.messages == 400  # chunks of 250 rows
    assert large.exists()  # kept until its chunks are decided: the sweeper may resend them
    assert peak_100k < 30 * MB, f"peak {peak_100k / MB:.1f} MB for a {size / MB:.0f} MB file"
    assert peak_100k < size / 2  # less than the file itself
    assert peak_100k < 2 * peak_10k + 2 * MB, (peak_10k / MB, peak_100k / MB)


def test_a_json_batch_is_split_in_a_fraction_of_its_size(tmp_path: Path) -> None:
    body = tmp_path / "batch.json"
    size = write_json(body, 8 * MB)  # the peak is about one chunk's rows: ~2.3 MB at 250 rows
    peak, queue = split_peak(body, "application/json")
    assert queue.rows > 5_000 and queue.unread == 0
    assert body.exists()  # kept until its chunks are decided: the sweeper may resend them
    assert peak < size / 3, f"peak {peak / MB:.1f} MB for a {size / MB:.1f} MB body"


def test_a_zip_of_dossiers_is_split_in_a_fraction_of_its_size(tmp_path: Path) -> None:
    body = tmp_path / "dossiers.zip"
    size = write_zip(body, 4 * MB)
    with zipfile.ZipFile(body) as archive:
        members = len(archive.infolist())
    peak, queue = split_peak(body, "application/zip", OSO_PARAMETERS)
    assert (queue.rows, queue.unread) == (members, 0)
    assert body.exists()  # kept until its chunks are decided: the sweeper may resend them
    assert peak < size / 2, f"peak {peak / MB:.1f} MB for a {size / MB:.1f} MB body"

"""The batch use cases: accept, split into chunks, decide a chunk, report status and results.

Nothing is lost and nothing is doubled: a chunk is decided by one worker at a time, under the
chunk's lease, and each row's decision id is derived from the batch and the row, so a
redelivered chunk finds what it wrote before (`chunks.py`); a chunk's summary is written once,
after its rows, and the batch's counts are the sum of the summaries. A failure in the middle
of a chunk (throttling, a crash) makes the whole chunk come back, and the rows already done
are found, not done again.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from chalicelib.errors import (
    AlreadyExistsError,
    NotFoundError,
    RequestValidationError,
    ServiceUnavailableError,
    UploadsUnavailableError,
)
from chalicelib.messages import msg
from chalicelib.models.batch_responses import (
    BatchAccepted,
    BatchResultsPage,
    BatchStatus,
    UploadForm,
)
from chalicelib.models.common import OUTCOMES
from chalicelib.services import Services
from chalicelib.services.batches import formats, submission
from chalicelib.services.batches.chunks import ChunkDecider
from chalicelib.storage.caching import CachingStorage
from chalicelib.storage.transport import BlobStore, Message, Queue

log = logging.getLogger("toewijzing.batch")
# 250 rows: besides its bulk writes a chunk costs about seven requests (lease, numbers, counts,
# summary, completion); at 100 rows dynalite spent ~1.4x the CPU of writing the batch's items
# alone, at 250 ~1.1x (bench/bench_batch.py). 250 rows of ~700 bytes stay within CHUNK_BYTES.
CHUNK_ROWS = 250
CHUNK_BYTES = 200_000  # SQS takes 256 KB a message
ROW_BYTES = 50_000  # a row larger than this is rejected (README, "Budgets")


def blob_key(region_id: str, batch_id: str) -> str:
    return f"batches/{region_id}/{batch_id}"


class Batches:
    """Batch submissions of one deployment: the API side and the worker side."""

    def __init__(
        self,
        services: Services,
        blobs: BlobStore,
        queue: Queue | None,
        pseudonym_secret: Callable[[str], bytes],
    ) -> None:
        self.storage = services.storage
        self.settings = services.settings
        self.clock = services.clock
        self.new_id = services.new_id
        self.regions = services.regions
        self.blobs = blobs
        self.queue = queue
        self.pseudonym_secret = pseudonym_secret
        self.chunk_rows = CHUNK_ROWS

    # The API side

    def accept(
        self,
        region_id: str,
        media: str,
        body: bytes | None,
        params: dict[str, Any],
        idempotency_key: str | None = None,
    ) -> tuple[BatchAccepted, bool]:
        """Record a batch, check what can be checked at once, queue it; its URLs, and whether
        it is the batch an earlier submission with the same `Idempotency-Key` made."""
        self.regions.get_region(region_id)
        if media not in formats.FORMATS:
            raise RequestValidationError(msg("batch.formats", formats=list(formats.FORMATS)))
        self._oso_parameters(region_id, media, params)  # 400 now rather than per row later
        if body is not None:
            formats.precheck(media, body)
        batch_id = self.new_id()
        if idempotency_key is not None:
            fingerprint = submission.fingerprint(media, params, body)
            claimed = submission.claim(self.storage, region_id, idempotency_key, fingerprint,
                                       batch_id)  # fmt: skip
            if claimed != batch_id and self.storage.get_batch(region_id, claimed) is not None:
                return submission.accepted(region_id, claimed), True
            batch_id = claimed  # ours, or one whose first submission died before its record
        key = params.pop("upload_key", None) or blob_key(region_id, batch_id)
        if body is None:
            submission.check_upload(self.blobs, key, formats.MAX_UPLOAD_BYTES)
        else:
            self.blobs.put(key, body)
        record = {
            "batch_id": batch_id,
            "region_id": region_id,
            "format": media,
            "status": "accepted",
            "accepted_at": self.clock().isoformat(timespec="seconds"),
            "parameters": params,
            "blob": key,
        }
        try:
            self.storage.put_batch(region_id, batch_id, record)
        except AlreadyExistsError:  # the same key at the same moment: that one is the batch
            return submission.accepted(region_id, batch_id), True
        try:
            self._send([{"kind": "split", "region_id": region_id, "batch_id": batch_id}])
        except ServiceUnavailableError:  # not queued: leave no batch behind that looks queued
            error = {"code": "service_unavailable", "message": msg("batch.not_queued")}
            self.storage.update_batch(region_id, batch_id, {"status": "failed", "error": error})
            if body is not None:
                self.blobs.delete(key)
            raise
        return submission.accepted(region_id, batch_id), False

    def upload(self, region_id: str, media: str) -> UploadForm:
        """A presigned POST for a body larger than the API takes (S3 refuses one over
        MAX_UPLOAD_BYTES), and how to submit it after."""
        self.regions.get_region(region_id)
        upload_id = self.new_id()
        key = f"uploads/{region_id}/{upload_id}"
        form = self.blobs.upload_form(key, media, formats.MAX_UPLOAD_BYTES)
        if form is None:
            raise UploadsUnavailableError(msg("batch.no_uploads"))
        return UploadForm.model_validate({
            "upload_id": upload_id, "upload_url": form["url"], "method": "POST",
            "fields": form["fields"], "max_bytes": formats.MAX_UPLOAD_BYTES,
        })  # fmt: skip

    def queue_work(self, messages: Iterable[Message]) -> None:
        """Send `split` or `chunk` messages to the worker (the sweeper's requeueing)."""
        self._send(messages)

    def _send(self, messages: Iterable[Message]) -> None:
        if self.queue is None:
            raise ServiceUnavailableError(msg("batch.no_queue"))
        self.queue.send(messages)

    def _oso_parameters(
        self, region_id: str, media: str, params: dict[str, Any]
    ) -> formats.OsoParameters | None:
        return submission.oso_parameters(media, params, lambda: self.pseudonym_secret(region_id))

    def status(self, region_id: str, batch_id: str) -> BatchStatus:
        record = self._record(region_id, batch_id)
        summaries = self.storage.chunk_summaries(region_id, batch_id)
        decided = Counter[str]()
        rejected = 0
        for summary in summaries:
            decided.update(summary["decided"])
            rejected += summary["rejected"]
        total = record.get("total")
        done = sum(decided.values()) + rejected
        if record["status"] == "failed":
            status = "failed"
        elif total is not None and len(summaries) == record.get("chunks"):
            status = "completed"
        elif summaries or total is not None:
            status = "processing"
        else:
            status = record["status"]
        return BatchStatus.model_validate({
            "batch_id": batch_id,
            "status": status,
            "format": record["format"],
            "accepted_at": record["accepted_at"],
            "counts": {
                "total": total,
                "decided": {o: decided.get(o, 0) for o in OUTCOMES},
                "rejected": rejected,
                "pending": None if total is None else total - done,
            },
            "results_url": f"/v1/regions/{region_id}/batches/{batch_id}/results",
            **({"error": record["error"]} if "error" in record else {}),
        })  # fmt: skip

    def results(
        self, region_id: str, batch_id: str, cursor: str | None, limit: int
    ) -> BatchResultsPage:
        self._record(region_id, batch_id)
        page = submission.row_results_page(self.storage, region_id, batch_id, cursor, limit)
        return BatchResultsPage.model_validate(page)

    def _record(self, region_id: str, batch_id: str) -> dict[str, Any]:
        record = self.storage.get_batch(region_id, batch_id)
        if record is None or record.get("kind") == "impact":  # an impact run: not a batch
            raise NotFoundError(msg("error.no_batch", region=region_id, batch=batch_id))
        return record

    # The worker side

    def handle(self, message: Message) -> None:
        """One queued message: `split` a batch (or a part of an archive) into chunks, or decide
        one `chunk` of rows."""
        if message["kind"] == "impact":  # an impact run's page (services/impact_runs.py)
            from chalicelib.services.impact_runs import ImpactRuns

            ImpactRuns(self).run_page(message)
        elif message["kind"] == "split" and "chunks" in message:
            self.resend(message["region_id"], message["batch_id"], message["chunks"])
        elif message["kind"] == "split":
            self.split(message["region_id"], message["batch_id"], message.get("part"))
        else:
            self.process_chunk(message)
            self.finish(message["region_id"], message["batch_id"])

    def split(self, region_id: str, batch_id: str, part: dict[str, int] | None = None) -> None:
        """Stream the batch's body into chunk messages; then record the total. The body stays
        until every chunk is decided (`finish`): a lost chunk message is sent again from it
        (`resend`, by the sweeper).

        An archive is split in parts (`archives.SPLIT_MEMBERS`): each part's message sends
        its chunks and then the next part's message; the last one records the total. Any
        error but an outage (which brings the message back) fails the batch with a reason:
        every upload ends, and its body is deleted."""
        record = self._record(region_id, batch_id)
        if record.get("total") is not None:
            return  # split before: the chunks were sent
        part = part or {"start": 0, "chunks": 0, "rows": 0}
        reading = formats.Part(part["start"])
        total, chunks = part["rows"], part["chunks"]
        outcome: dict[str, Any] = {"status": "processing"}
        try:
            params = self._oso_parameters(region_id, record["format"], dict(record["parameters"]))
            with self.blobs.open(record["blob"]) as stream:
                found = formats.rows(record["format"], stream, params, reading)
                for chunk in self._chunks(found):
                    self._send([{"kind": "chunk", "region_id": region_id, "batch_id": batch_id,
                                 "chunk": chunks, "rows": chunk}])  # fmt: skip
                    total += len(chunk)
                    chunks += 1
            if reading.next_start is not None:
                rest = {"start": reading.next_start, "chunks": chunks, "rows": total}
                self._send([{"kind": "split", "region_id": region_id, "batch_id": batch_id,
                             "part": rest}])  # fmt: skip
                return
        except ServiceUnavailableError:
            raise  # an outage: the message comes back
        except RequestValidationError as exc:  # a body that is not what its format says
            outcome = {"status": "failed", "error": {"code": exc.code, "message": exc.message}}
        except Exception as exc:  # whatever it is, the batch ends
            outcome = {"status": "failed", "error": {"code": "unreadable_body", "message":
                       msg("batch.unreadable_body", format=record["format"])}}  # fmt: skip
            log.warning("batch body unreadable", extra={"error": type(exc).__name__})
        if outcome["status"] == "failed":
            log.warning("batch failed", extra={"batch_id": batch_id,
                                               "code": outcome["error"]["code"]})  # fmt: skip
        self.storage.update_batch(
            region_id, batch_id, {**outcome, "total": total, "chunks": chunks}
        )
        if outcome["status"] == "failed":
            self.blobs.delete(record["blob"])
        else:
            self.finish(region_id, batch_id)

    def resend(self, region_id: str, batch_id: str, wanted: list[int]) -> None:
        """Send the chunk messages numbered `wanted` again, streamed from the stored body as
        `split` made them (the sweeper asks for the chunks that have no summary)."""
        record = self._record(region_id, batch_id)
        missing = set(wanted)
        if not missing or record.get("status") in ("failed", "completed"):
            return
        params = self._oso_parameters(region_id, record["format"], dict(record["parameters"]))
        # Numbered as `split` numbered them: an archive part by part, each part's chunks on.
        start: int | None = 0
        number = 0
        while start is not None:
            reading = formats.Part(start)
            with self.blobs.open(record["blob"]) as stream:
                rows = formats.rows(record["format"], stream, params, reading)
                for chunk in self._chunks(rows):
                    if number in missing:
                        self._send([{"kind": "chunk", "region_id": region_id,
                                     "batch_id": batch_id, "chunk": number,
                                     "rows": chunk}])  # fmt: skip
                        missing.discard(number)
                        if not missing:
                            return
                    number += 1
            start = reading.next_start

    def finish(self, region_id: str, batch_id: str) -> bool:
        """When every chunk has its summary: mark the batch completed and delete its body,
        which may hold names (an OSO dossier) that are never to be kept. True when done."""
        record = self.storage.get_batch(region_id, batch_id)
        if record is None or record.get("total") is None or record.get("status") == "failed":
            return False
        if record.get("status") != "completed":
            if len(self.storage.chunk_summaries(region_id, batch_id)) < record["chunks"]:
                return False
            self.storage.update_batch(region_id, batch_id, {"status": "completed"})
        self.blobs.delete(record["blob"])
        return True

    def _chunks(self, rows: Iterator[formats.Row]) -> Iterator[list[dict[str, Any]]]:
        """Chunks of at most `chunk_rows` rows and CHUNK_BYTES of JSON (an SQS message); a
        row larger than ROW_BYTES is rejected (its document is not sent on)."""
        chunk: list[dict[str, Any]] = []
        size = 0
        for row in rows:
            item = {"row": row.number, "document": row.document, "errors": row.errors,
                    "warnings": row.warnings}  # fmt: skip
            length = len(json.dumps(item, default=str))
            if length > ROW_BYTES:
                message = msg("batch.row_size", limit=ROW_BYTES)
                error = {"path": "", "code": "row_size", "message": message}
                item = {"row": row.number, "document": None, "warnings": [], "errors": [error]}
                length = 200
            if chunk and size + length > CHUNK_BYTES:
                yield chunk
                chunk, size = [], 0
            chunk.append(item)
            size += length
            if len(chunk) >= self.chunk_rows:
                yield chunk
                chunk, size = [], 0
        if chunk:
            yield chunk

    def process_chunk(self, message: Message) -> None:
        """Decide one chunk, over use cases whose storage reads the region, its opt-outs and
        criteria once a chunk (not once a row)."""
        cached = Services(CachingStorage(self.storage), self.settings, self.clock, self.new_id)
        decider = ChunkDecider(
            self.storage, cached.regions, cached.decisions, self.clock, self.new_id
        )
        decider.process(
            message["region_id"], message["batch_id"], message["chunk"], message["rows"]
        )

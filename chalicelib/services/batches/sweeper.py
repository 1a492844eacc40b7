"""The sweeper: a lost or dead-lettered message delays a batch, it never strands it.

Every few minutes (`app.batch_sweeper`, a scheduled Lambda; with `make run` a thread of the
local server, and once at its start) the sweeper looks at every batch that is neither completed
nor failed. Its progress is the number of things done: split (0 or 1) plus the chunks with a
summary. When that number has not moved for `STALL_SECONDS`, the work left is queued again: the
`split` message of a batch not split yet, or the chunk messages of the chunks without a summary
(`Batches.resend`, from the stored body, which is kept until the batch is completed). Sending
again is safe: a split that was done returns, and a chunk decided before finds its rows and
writes nothing twice (`chunks.py`). A batch whose chunks all have summaries is finished
(`Batches.finish`: marked completed, body deleted), whatever happened to its last message.
An impact run (a record of `kind: impact`) is resumed from its last page
(`ImpactRuns.resume`); its progress is its pages done.

What the sweeper saw is kept in an item of its own (`set_batch_progress`), never in the batch
record, so it never races the worker's writes.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from chalicelib.services.batches.pipeline import Batches

log = logging.getLogger("toewijzing.sweeper")

# Longer than a chunk can take (the worker's 60 s timeout, a 120 s lease) and than SQS waits
# before it delivers a failed message again (a 360 s visibility timeout): a batch that is
# merely being retried keeps moving within this time; one that does not has lost a message.
STALL_SECONDS = 15 * 60
DEAD_LEASE_NOW = 2**52  # "now" far beyond any lease: breaks the lease of a dead process
SWEEP_MINUTES = 5  # how often the scheduled sweeper runs (app.py)


class Sweeper:
    def __init__(self, batches: Batches, clock: Callable[[], dt.datetime] | None = None) -> None:
        self.orphaned_before: dt.datetime | None = None
        self.batches = batches
        self.storage = batches.storage
        self.clock = clock or batches.clock

    def sweep(
        self, stalled_after: float = STALL_SECONDS, orphaned_before: dt.datetime | None = None
    ) -> dict[str, int]:
        """One round over every open batch; how many were requeued, finished, left alone.

        `orphaned_before` (the local server's start): the batches accepted before it were
        being decided by a process that is gone, so the chunk leases it held are dead too;
        they are broken, so that the requeued chunks need not wait for them to run out."""
        self.orphaned_before = orphaned_before
        counts = {"requeued": 0, "finished": 0, "moving": 0}
        for region in self.storage.list_regions():
            for record in self.storage.list_batches(region["region_id"]):
                if record.get("status") in ("completed", "failed"):
                    continue
                try:
                    counts[self._one(record, stalled_after)] += 1
                except Exception:  # one batch's trouble must not stop the round
                    log.exception("sweeping a batch failed", extra={"batch_id": record["batch_id"]})
        if counts["requeued"] or counts["finished"]:
            log.info("batches swept", extra=counts)
        return counts

    def _one(self, record: dict[str, Any], stalled_after: float) -> str:
        region_id, batch_id = record["region_id"], record["batch_id"]
        if self.batches.finish(region_id, batch_id):
            return "finished"
        done = {s["chunk"] for s in self.storage.chunk_summaries(region_id, batch_id)}
        split = record.get("total") is not None
        progress = int(split) + len(done)
        now = self.clock()
        seen = self.storage.batch_progress(region_id, batch_id)
        if seen is None:  # first sight: it has not moved since it was accepted, at best
            seen = {"progress": progress, "since": record["accepted_at"]}
            self.storage.set_batch_progress(region_id, batch_id, seen)
        elif seen["progress"] != progress:
            since = now.isoformat(timespec="seconds")
            self.storage.set_batch_progress(
                region_id, batch_id, {"progress": progress, "since": since}
            )
            return "moving"
        if (now - dt.datetime.fromisoformat(seen["since"])).total_seconds() < stalled_after:
            return "moving"
        orphaned = self.orphaned_before is not None and (
            dt.datetime.fromisoformat(record["accepted_at"]) < self.orphaned_before
        )
        self.requeue(record, done, break_leases=orphaned)
        self._seen(region_id, batch_id, progress, now)
        return "requeued"

    def _seen(self, region_id: str, batch_id: str, progress: int, now: dt.datetime) -> None:
        since = now.isoformat(timespec="seconds")
        self.storage.set_batch_progress(region_id, batch_id, {"progress": progress, "since": since})

    def requeue(self, record: dict[str, Any], done: set[int], break_leases: bool = False) -> None:
        region_id, batch_id = record["region_id"], record["batch_id"]
        if record.get("kind") == "impact":  # an impact run: its last page again (no leases)
            from chalicelib.services.impact_runs import ImpactRuns

            ImpactRuns(self.batches).resume(record)
            return
        message: dict[str, Any] = {"kind": "split", "region_id": region_id, "batch_id": batch_id}
        if record.get("total") is not None:
            message["chunks"] = [c for c in range(record["chunks"]) if c not in done]
        for chunk in message.get("chunks", []) if break_leases else []:
            # a lease that ran out at 0 (epoch): the next claim takes it, whoever holds it
            self.storage.claim_chunk(region_id, batch_id, chunk, "orphaned", DEAD_LEASE_NOW, 0)
        log.warning(
            "batch made no progress: its work is queued again",
            extra={"batch_id": batch_id, "chunks": len(message.get("chunks", [])) or None},
        )
        self.batches.queue_work([message])

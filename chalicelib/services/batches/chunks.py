"""Deciding one chunk of a batch: every row decided once, the chunk written in bulk.

A chunk is up to 250 rows. Row by row, each decision would cost five conditional writes, each
a round trip; here a chunk costs a handful of requests whatever its size:

1. take the chunk's lease (one conditional put), so that one worker at a time writes it; the
   put says whether the lease was ever taken before;
2. if it was (a redelivery, a sweep), read what an earlier delivery left: row results, and
   decisions under the chunk's own ids; a first delivery has nothing to find, and skips this;
3. decide the other rows in memory (the region and its criteria are read once a chunk);
4. reserve their volgnummers with one atomic ADD per decision year;
5. write health records, then decisions, then row results, 25 to a BatchWriteItem;
6. write the chunk's summary (a conditional put, once) and give the lease back.

A row's decision id is derived from the batch id and the row number (it is the row's
idempotency key), so a redelivered chunk finds the decisions it wrote before and decides
nothing twice. A crash between 4 and 5 leaves unused volgnummers (gaps), never a double.
Bulk writes cannot be conditional; the lease and the check of step 2 are what keep them from
overwriting anything (see `BatchStorage.put_chunk_rows`). Skipping step 2 on a first delivery
is safe because rows are written only under a lease taken before them, and a lease item is
never deleted: a delivery that wrote anything left its lease behind, so the next one reads.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from chalicelib.documents import validation_details
from chalicelib.errors import ChunkBusyError, ServiceUnavailableError, ToewijzingError
from chalicelib.messages import clip, msg
from chalicelib.models.decision import Evaluation
from chalicelib.models.request import DecisionRequest
from chalicelib.services.decisions import Decisions
from chalicelib.services.regions import Regions
from chalicelib.storage.ports import Storage, StoredDecision

log = logging.getLogger("toewijzing.batch")

# Longer than the worker Lambda's timeout (60 s, scripts/gen_resources.py) and shorter than
# the queue's visibility timeout (360 s): a worker that died has lost its lease by the time
# SQS delivers the chunk again, and a live one keeps it while a duplicate delivery is refused.
CHUNK_LEASE_SECONDS = 120
MAX_REF_CHARS = 64  # a longer student.ref is invalid, and not echoed in its row's result
MAX_LISTED, MAX_ERROR_CHARS = 20, 500  # errors and warnings of a row's result, and their texts
ROW_IDS = uuid.UUID("6f1c2a52-3c4e-4d0b-9d55-7a1f0c0e2b61")  # namespace of row decision ids


def row_decision_id(region_id: str, batch_id: str, row: int) -> str:
    """The decision id of a batch row: the same on every delivery, in `new_id`'s format."""
    return uuid.uuid5(ROW_IDS, f"{region_id}/{batch_id}/{row}").hex


@dataclass(frozen=True)
class Row:
    """One row of a chunk message: the dossier (None when it could not be read) and what the
    reading said about it."""

    number: int
    document: dict[str, Any] | None
    errors: list[dict[str, Any]]
    warnings: list[dict[str, Any]]

    @classmethod
    def of(cls, item: dict[str, Any]) -> Row:
        return cls(item["row"], item["document"], item["errors"], item.get("warnings") or [])

    def base(self) -> dict[str, Any]:
        ref = ((self.document or {}).get("student") or {}).get("ref")
        echoed = isinstance(ref, str) and len(ref) <= MAX_REF_CHARS and self.document is not None
        return {"row": self.number, "warnings": self.warnings[:MAX_LISTED],
                "student_ref": ref if echoed else None}  # fmt: skip


def _bounded(errors: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [{k: clip(str(v), MAX_ERROR_CHARS) for k, v in e.items()} for e in errors[:MAX_LISTED]]


def decided_result(row: Row, stored: StoredDecision) -> dict[str, Any]:
    """A decided row's result; an `incomplete` one says why: its error findings."""
    doc = stored.document
    reasons = [
        {"code": f["code"], "path": f["path"], "message": f["message"]}
        for f in doc.get("findings") or ()
        if f.get("severity") == "error"
    ]
    return {
        **row.base(),
        "status": "decided",
        "decision_id": stored.decision_id,
        "volgnummer": doc["volgnummer"],
        "outcome": doc["outcome"],
        "eligible_for": doc["eligible_for"],
        "errors": [],
        **({"findings": _bounded(reasons)} if doc["outcome"] == "incomplete" else {}),
    }


def rejected_result(row: Row, errors: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    """A rejected row's result, its errors bounded (a row result is one table item)."""
    return {**row.base(), "status": "rejected", "errors": _bounded(errors), **extra}


class ChunkDecider:
    """Decides chunks of one deployment's batches (steps 1-6 of the module docstring)."""

    def __init__(
        self,
        storage: Storage,
        regions: Regions,
        decisions: Decisions,
        clock: Callable[[], dt.datetime],
        new_id: Callable[[], str],
    ) -> None:
        self.storage = storage
        self.regions = regions  # reading the region once a chunk (`Batches.process_chunk`)
        self.decisions = decisions  # likewise its opt-outs and criteria
        self.clock = clock
        self.new_id = new_id

    def process(
        self, region_id: str, batch_id: str, chunk: int, items: list[dict[str, Any]]
    ) -> None:
        rows = [Row.of(item) for item in items]
        storage = self.storage
        holder = self.new_id()
        now = int(self.clock().timestamp())
        claim = (region_id, batch_id, chunk, holder, now, now + CHUNK_LEASE_SECONDS)
        taken = storage.claim_chunk(*claim)
        if taken is None:
            raise ChunkBusyError(msg("batch.chunk_busy", chunk=chunk, batch=batch_id))
        try:
            results = self._decide_and_write(region_id, batch_id, rows, taken == "again")
            # after the write, and on a redelivery too (services/statistics.py, snapshots)
            storage.touch_statistics(region_id)
            decided = Counter(r["outcome"] for r in results.values() if r["status"] == "decided")
            summary = {
                "chunk": chunk,
                "first": rows[0].number,
                "last": rows[-1].number,
                "decided": dict(decided),
                "rejected": sum(1 for r in results.values() if r["status"] == "rejected"),
            }
            storage.put_chunk_summary(region_id, batch_id, chunk, summary)
        finally:
            self._release(region_id, batch_id, chunk, holder)

    def _release(self, region_id: str, batch_id: str, chunk: int, holder: str) -> None:
        """Give the lease back; if the database cannot take that now, the lease runs out by
        itself, and the error that ended the chunk (if any) is the one that is reported."""
        try:
            self.storage.release_chunk(region_id, batch_id, chunk, holder)
        except ServiceUnavailableError:
            log.warning("chunk lease not released; it runs out", extra={"chunk": chunk})

    def _decide_and_write(
        self, region_id: str, batch_id: str, rows: list[Row], again: bool
    ) -> dict[int, dict[str, Any]]:
        """Every row's result: those stored before (`again`: the chunk was taken before), and
        the others decided and written now."""
        storage = self.storage
        first, last = rows[0].number, rows[-1].number
        results = storage.row_results(region_id, batch_id, first, last) if again else {}
        todo = [row for row in rows if row.number not in results]
        if not todo:
            return results
        ids = {row.number: row_decision_id(region_id, batch_id, row.number) for row in todo}
        earlier: dict[str, StoredDecision] = {}
        if again:
            earlier = storage.get_decisions(region_id, list(ids.values()), self.clock().date())
        new: dict[int, dict[str, Any]] = {}
        evaluated: list[tuple[Row, DecisionRequest, Evaluation]] = []
        self.regions.get_region(region_id)  # as `create_decision` checks it for one decision
        for row in todo:
            if ids[row.number] in earlier:  # decided by a delivery that died before its result
                new[row.number] = decided_result(row, earlier[ids[row.number]])
                continue
            outcome = self._evaluate(region_id, row)
            if isinstance(outcome, dict):
                new[row.number] = outcome
            else:
                evaluated.append((row, *outcome))
        decisions = self._number(region_id, ids, evaluated)
        for (row, _, _), (stored, _) in zip(evaluated, decisions, strict=True):
            new[row.number] = decided_result(row, stored)
        storage.put_chunk_rows(region_id, batch_id, decisions, new)
        return {**results, **new}

    def _evaluate(
        self, region_id: str, row: Row
    ) -> dict[str, Any] | tuple[DecisionRequest, Evaluation]:
        """The row's request and evaluation; or its rejected result."""
        if row.document is None or row.errors:  # unreadable (a document holds a ref at most)
            return rejected_result(row, row.errors)
        try:
            request = DecisionRequest.model_validate(row.document)
            return request, self.decisions.evaluate(region_id, request, "enacted")
        except ServiceUnavailableError:
            raise  # the chunk comes back
        except ToewijzingError as exc:
            details = getattr(exc, "details", ())
            errors = list(details) or [{"path": "", "code": exc.code, "message": exc.message}]
            findings = [f.model_dump(mode="json") for f in exc.findings]
            return rejected_result(row, errors, findings=findings)
        except ValidationError as exc:
            return rejected_result(row, validation_details(exc, row.document))
        except Exception as exc:  # a row the service cannot decide: it alone is rejected
            log.warning("row not decided", extra={"row": row.number, "error": type(exc).__name__})
            message = msg("batch.row_not_decided")
            return rejected_result(
                row, [{"path": "", "code": "internal_error", "message": message}]
            )

    def _number(
        self,
        region_id: str,
        ids: dict[int, str],
        evaluated: list[tuple[Row, DecisionRequest, Evaluation]],
    ) -> list[tuple[StoredDecision, int]]:
        """Volgnummers for the evaluated rows (one reservation per year), and their decisions
        as stored, in the order of `evaluated`."""
        by_year: dict[int, list[int]] = defaultdict(list)
        for i, (_, _, evaluation) in enumerate(evaluated):
            by_year[evaluation.decided_on.year].append(i)
        numbers: dict[int, int] = {}
        for year, indexes in sorted(by_year.items()):
            last = self.storage.reserve_volgnummers(region_id, year, len(indexes))
            numbers.update(zip(indexes, range(last - len(indexes) + 1, last + 1), strict=True))
        stored = self.decisions.stored_decision
        return [
            stored(region_id, ids[row.number], request, evaluation, numbers[i])
            for i, (row, request, evaluation) in enumerate(evaluated)
        ]

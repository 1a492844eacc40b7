"""The storage port: what the service layer needs from a database, and nothing more.

Two adapters implement it with one contract (tests/contract/): `memory.MemoryStorage` and
`dynamodb.DynamoStorage`. Records are plain JSON-able dicts or models; only adapters know keys.
Adapters raise the storage errors of `chalicelib/errors.py`: `AlreadyExistsError` (a conditional
write lost), `StorageUnavailableError` (an outage, a 503 by class) and `InvalidCursorError`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple, Protocol

Role = Literal["admin", "region", "ministry"]
# A chunk's lease taken: by its first delivery (no delivery took it before, so nothing of the
# chunk can be stored yet), or again (a redelivery, a sweep: it may find what was written).
ChunkClaim = Literal["first", "again"]


def region_hash(region: Mapping[str, Any]) -> str:
    """SHA-256 of a region document as stored (sorted-key JSON): what a statistics snapshot's
    `basis` names, and what `national_snapshot` reads beside each region's change count."""
    return hashlib.sha256(json.dumps(region, sort_keys=True).encode()).hexdigest()


class RegionState(NamedTuple):
    """What a national snapshot's `basis` names of one region: its change count and the
    `region_hash` of its document."""

    change_count: int
    doc_hash: str


@dataclass(frozen=True)
class TokenRecord:
    """A bearer token, known only by the SHA-256 hash of its value; `token_id` names it in
    lists and revocations; `created_at` and `expires_at` are ISO date-times (UTC). A record
    without `expires_at` (made before tokens expired) is never valid."""

    token_hash: str
    role: Role
    region_id: str | None
    label: str | None = None
    token_id: str | None = None
    created_at: str | None = None
    expires_at: str | None = None


@dataclass(frozen=True)
class StoredDecision:
    """A decision as stored: the public document without health data, and its health record.

    `document` is the decision as the API returns it, with the measured values (`actual`)
    removed from the explanation; `health` holds those values and the dossier, and is kept only
    until `health_expires_on` (three years after the decision, WVO 2020 art. 2.47 lid 16).
    """

    region_id: str
    decision_id: str
    student_ref: str
    decided_on: dt.date
    document: dict[str, Any]
    health: dict[str, Any] | None
    health_expires_on: dt.date


# How long an Idempotency-Key is kept: a retry within this time gets the first decision again;
# after it, the key is free and the same key decides anew (README "Decisions"). DynamoDB's TTL
# removes the item (`expires_at`) up to days later; a claim treats an expired one as absent.
IDEMPOTENCY_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True)
class IdempotencyRecord:
    region_id: str
    key: str
    body_hash: str
    decision_id: str


@dataclass(frozen=True)
class Page:
    items: list[StoredDecision]
    next_cursor: str | None


class BatchStorage(Protocol):
    """Batches: one record per batch, one result per row, one summary per chunk of rows.

    A chunk's rows are written in bulk by the one worker that holds the chunk's lease; chunk
    summaries are written once (a conditional put). A redelivered chunk finds what an earlier
    delivery wrote and changes nothing, so every row is counted exactly once.
    """

    def put_batch(self, region_id: str, batch_id: str, document: dict[str, Any]) -> None: ...

    def get_batch(self, region_id: str, batch_id: str) -> dict[str, Any] | None: ...

    def update_batch(self, region_id: str, batch_id: str, changes: dict[str, Any]) -> None:
        """Set top-level fields of the batch record (status, total, chunks)."""

    def put_row_result(
        self, region_id: str, batch_id: str, row: int, result: dict[str, Any]
    ) -> bool:
        """Store a row's result unless it exists; True when it was new."""

    def row_results(
        self, region_id: str, batch_id: str, first: int, last: int
    ) -> dict[int, dict[str, Any]]:
        """The stored results of rows first..last (inclusive)."""

    def list_row_results(
        self, region_id: str, batch_id: str, after: int, limit: int
    ) -> tuple[list[dict[str, Any]], int | None]:
        """Results of rows after `after`, in row order; and the last row if there are more."""

    def claim_chunk(
        self, region_id: str, batch_id: str, chunk: int, holder: str, now: int, until: int
    ) -> ChunkClaim | None:
        """Take the chunk's lease until `until` (epoch seconds) unless another holder's lease
        is still running at `now`; None when not taken. One worker at a time writes a chunk.
        Taken, it says whether the chunk's lease was ever taken before ("again") or never
        ("first"): a lease, once taken, is never forgotten (given back, it runs out at 0)."""

    def release_chunk(self, region_id: str, batch_id: str, chunk: int, holder: str) -> None:
        """Give the lease back, if `holder` still has it (it stays on record as taken)."""

    def put_chunk_rows(
        self,
        region_id: str,
        batch_id: str,
        decisions: list[tuple[StoredDecision, int]],
        results: dict[int, dict[str, Any]],
    ) -> None:
        """Write a chunk's new decisions (with their health records, expiring at the given
        epoch second) and its row results, in bulk and in that order.

        Unlike every other write these are not conditional (BatchWriteItem has no
        conditions): call it only under the chunk's lease, for decision ids that are the
        chunk's own and were checked absent under that lease.
        """

    def put_chunk_summary(
        self, region_id: str, batch_id: str, chunk: int, summary: dict[str, Any]
    ) -> bool: ...

    def chunk_summaries(self, region_id: str, batch_id: str) -> list[dict[str, Any]]: ...

    def list_batches(self, region_id: str) -> list[dict[str, Any]]:
        """The records of every batch of the region (the sweeper's round)."""

    def batch_progress(self, region_id: str, batch_id: str) -> dict[str, Any] | None:
        """What the sweeper last saw of the batch (`set_batch_progress`), if anything."""

    def set_batch_progress(self, region_id: str, batch_id: str, seen: dict[str, Any]) -> None:
        """Replace what the sweeper saw of the batch (an item of its own, never the record)."""


class Storage(BatchStorage, Protocol):
    """Everything the service layer stores; batches are in `BatchStorage`."""

    def put_region(self, region: dict[str, Any]) -> bool:
        """Store or replace a region; True when it was new."""

    def get_region(self, region_id: str) -> dict[str, Any] | None: ...

    def put_token(self, token: TokenRecord) -> None: ...

    def get_token(self, token_hash: str) -> TokenRecord | None: ...

    def list_tokens(self, region_id: str | None) -> list[TokenRecord]:
        """The tokens of a region, or (None) the ministry and admin tokens; by `token_id`."""

    def delete_token(self, region_id: str | None, token_id: str) -> bool:
        """Revoke at once: the token is gone for every later `get_token`; False if unknown."""

    def count_request(self, region_id: str, window: int, expires_at: int) -> int:
        """Count one request of the region in the quota window (its number, from epoch
        seconds); returns the region's count in that window so far, this one included."""

    def next_volgnummer(self, region_id: str, year: int) -> int:
        """Atomically allocate the next number of this region and year (1, 2, 3, ...)."""

    def reserve_volgnummers(self, region_id: str, year: int, count: int) -> int:
        """Atomically allocate the next `count` numbers; returns the last of them."""

    def claim_idempotency(self, record: IdempotencyRecord) -> IdempotencyRecord:
        """Keep `record` for `IDEMPOTENCY_SECONDS` unless an unexpired record of the key
        exists; the record now kept for the key (`record`, or the earlier one)."""

    def put_decision(self, decision: StoredDecision, expires_at: int) -> None:
        """Store a new decision; `AlreadyExistsError` if its id exists (never overwrites)."""

    def store_decision(
        self, decision: StoredDecision, expires_at: int, claim: IdempotencyRecord | None = None
    ) -> None:
        """Store a new decision with its health record, count it for the statistics
        (`touch_statistics`) and, with `claim`, keep the key for it (`claim_idempotency`): in
        one write where the store has transactions, else in that order.

        Raises `IdempotencyKeyHeldError` when the key is held for another decision id, and
        `AlreadyExistsError` when the decision id exists: in both cases nothing was written.
        """

    def get_decision(
        self, region_id: str, decision_id: str, today: dt.date
    ) -> StoredDecision | None:
        """The decision; its health record only while `today` is before it expires."""

    def get_decisions(
        self, region_id: str, decision_ids: list[str], today: dt.date
    ) -> dict[str, StoredDecision]:
        """Those of the decisions that exist, by id (as `get_decision` each)."""

    def list_decisions(
        self, region_id: str, student_ref: str, today: dt.date, limit: int, cursor: str | None
    ) -> Page: ...

    def list_dossiers(self, region_id: str, today: dt.date) -> list[dict[str, Any]]:
        """The health records of the region's decisions still within their retention."""

    def dossier_page(
        self, region_id: str, today: dt.date, after: str | None, limit: int
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page of `list_dossiers`, in decision id order after the decision id `after`: at
        most `limit` health records still retained; and the decision id the next page starts
        after, or None when none follow. Paging from None to None reads every dossier of
        `list_dossiers` once; the same `after` reads the same page, unless decisions were
        stored in between. A page may be short, or empty, with more to follow."""

    def put_region_document(
        self, region_id: str, kind: str, key: str, document: dict[str, Any]
    ) -> None:
        """Store a new document of a kind (`optout`, `criteria`, ...); never overwrites."""

    def list_region_documents(self, region_id: str, kind: str) -> list[dict[str, Any]]:
        """All documents of a kind for the region, in key order."""

    # Monitoring (issue 7): every region, every decision of a region, national documents

    def list_regions(self) -> list[dict[str, Any]]:
        """Every stored region, in region id order."""

    def list_region_decisions(self, region_id: str) -> list[dict[str, Any]]:
        """The public documents (no health data) of all the region's decisions, in any order."""

    def list_region_decision_views(self, region_id: str) -> list[dict[str, Any]]:
        """`domain.statistics.statistics_view` of every decision of the region, in any order:
        what the statistics read, without the rest of each document."""

    def put_national_document(self, kind: str, key: str, document: dict[str, Any]) -> None:
        """Store a new national document of a kind (`budgetshares`, ...); never overwrites."""

    def list_national_documents(self, kind: str) -> list[dict[str, Any]]:
        """All national documents of a kind, in key order."""

    # Statistics snapshots (issue 15; KEYS.md "Statistics snapshots")

    def touch_statistics(self, region_id: str) -> None:
        """Count one change to what the region's statistics read (a decision, an enrolment):
        call it after the change is stored. The count only grows."""

    def statistics_snapshots(
        self, region_ids: list[str], teldatum: dt.date
    ) -> dict[str, tuple[int, dict[str, Any] | None]]:
        """Per region: its change count (0 before the first) and its stored snapshot for the
        count date, or None; a bounded read (two small items a region), however long the
        region's history."""

    def put_statistics_snapshot(
        self, region_id: str, teldatum: dt.date, stamp: int, snapshot: dict[str, Any]
    ) -> None:
        """Store the snapshot computed from what was stored when the change count was `stamp`,
        unless a snapshot of a later count is stored already (then it is kept)."""

    # The national snapshot (KEYS.md "National snapshot")

    def record_region_hash(self, region_id: str) -> None:
        """Give a region stored before its document's hash was kept beside its change count
        that hash (read from the document), unless it has one by now (KEYS.md)."""

    def touch_national_statistics(self) -> None:
        """Count one change to the national documents the national statistics read (budget
        shares): call it after the change is stored. The count only grows."""

    def national_snapshot(
        self, teldatum: dt.date
    ) -> tuple[dict[str, RegionState], int, dict[str, Any] | None]:
        """In two calls however many regions, without their documents: every stored
        region's change count and document hash (a region stored before the hashes were kept
        has none and is left out until `record_region_hash`), the national change count, and
        the national snapshot of the count date or None."""

    def put_national_snapshot(
        self, teldatum: dt.date, stamp: int, snapshot: dict[str, Any]
    ) -> None:
        """Store the national snapshot computed at change counts summing to `stamp`, unless one
        with a larger sum is stored already (then it is kept)."""

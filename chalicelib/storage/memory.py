"""The in-memory twin of the DynamoDB adapter: same contract, for unit and API tests."""

from __future__ import annotations

import copy
import datetime as dt
import threading
import time
from collections.abc import Callable
from typing import Any

from chalicelib.domain.statistics import statistics_view
from chalicelib.errors import AlreadyExistsError, IdempotencyKeyHeldError
from chalicelib.storage import cursor as cursors
from chalicelib.storage.memory_statistics import MemoryStatistics
from chalicelib.storage.ports import (
    IDEMPOTENCY_SECONDS,
    ChunkClaim,
    IdempotencyRecord,
    Page,
    StoredDecision,
    TokenRecord,
)


def decision_sort_key(decision: StoredDecision) -> str:
    return f"{decision.decided_on.isoformat()}#{decision.decision_id}"


class MemoryStorage(MemoryStatistics):
    """Dictionaries behind one lock; copies in and out so callers cannot alias stored state."""

    def __init__(self, now: Callable[[], float] = time.time) -> None:
        self._now = now  # epoch seconds, for the expiry of idempotency keys
        self._lock = threading.RLock()
        self._regions: dict[str, dict[str, Any]] = {}
        self._tokens: dict[str, TokenRecord] = {}
        self._counters: dict[tuple[str, int], int] = {}
        self._idempotency: dict[tuple[str, str], tuple[IdempotencyRecord, float]] = {}
        self._decisions: dict[tuple[str, str], StoredDecision] = {}
        self._documents: dict[tuple[str, str, str], dict[str, Any]] = {}
        self._batches: dict[tuple[str, str], dict[str, Any]] = {}
        self._rows: dict[tuple[str, str], dict[int, dict[str, Any]]] = {}
        self._chunks: dict[tuple[str, str], dict[int, dict[str, Any]]] = {}
        self._leases: dict[tuple[str, str, int], tuple[str, int]] = {}  # holder, until
        self._national: dict[tuple[str, str], dict[str, Any]] = {}
        self._quota: dict[tuple[str, int], int] = {}
        self._progress: dict[tuple[str, str], dict[str, Any]] = {}
        MemoryStatistics.__init__(self)

    def put_region(self, region: dict[str, Any]) -> bool:
        with self._lock:
            new = region["region_id"] not in self._regions
            self._regions[region["region_id"]] = copy.deepcopy(region)
            return new

    def get_region(self, region_id: str) -> dict[str, Any] | None:
        with self._lock:
            return copy.deepcopy(self._regions.get(region_id))

    def put_token(self, token: TokenRecord) -> None:
        with self._lock:
            if token.token_hash in self._tokens:
                raise AlreadyExistsError("token")
            self._tokens[token.token_hash] = token

    def get_token(self, token_hash: str) -> TokenRecord | None:
        with self._lock:
            return self._tokens.get(token_hash)

    def list_tokens(self, region_id: str | None) -> list[TokenRecord]:
        with self._lock:
            found = [t for t in self._tokens.values() if t.region_id == region_id and t.token_id]
        return sorted(found, key=lambda t: t.token_id or "")

    def delete_token(self, region_id: str | None, token_id: str) -> bool:
        with self._lock:
            for token_hash, token in list(self._tokens.items()):
                if token.region_id == region_id and token.token_id == token_id:
                    del self._tokens[token_hash]
                    return True
            return False

    def count_request(self, region_id: str, window: int, expires_at: int) -> int:
        with self._lock:
            self._quota = {k: n for k, n in self._quota.items() if k[1] >= window}  # the TTL
            count = self._quota.get((region_id, window), 0) + 1
            self._quota[(region_id, window)] = count
            return count

    def next_volgnummer(self, region_id: str, year: int) -> int:
        return self.reserve_volgnummers(region_id, year, 1)

    def reserve_volgnummers(self, region_id: str, year: int, count: int) -> int:
        with self._lock:
            value = self._counters.get((region_id, year), 0) + count
            self._counters[(region_id, year)] = value
            return value

    def claim_idempotency(self, record: IdempotencyRecord) -> IdempotencyRecord:
        with self._lock:
            now = self._now()
            held = self._idempotency.get((record.region_id, record.key))
            if held is not None and held[1] > now:
                return held[0]
            self._idempotency[(record.region_id, record.key)] = (record, now + IDEMPOTENCY_SECONDS)
            return record

    def put_decision(self, decision: StoredDecision, expires_at: int) -> None:
        key = (decision.region_id, decision.decision_id)
        with self._lock:
            if key in self._decisions:
                raise AlreadyExistsError(decision.decision_id)
            self._decisions[key] = copy.deepcopy(decision)

    def store_decision(
        self, decision: StoredDecision, expires_at: int, claim: IdempotencyRecord | None = None
    ) -> None:
        with self._lock:  # reentrant: all or nothing, as one DynamoDB transaction
            if (decision.region_id, decision.decision_id) in self._decisions:
                raise AlreadyExistsError(decision.decision_id)
            if claim is not None and (held := self.claim_idempotency(claim)) != claim:
                raise IdempotencyKeyHeldError(held.body_hash, held.decision_id)
            self.put_decision(decision, expires_at)
            self.touch_statistics(decision.region_id)

    def _visible(self, decision: StoredDecision, today: dt.date) -> StoredDecision:
        found = copy.deepcopy(decision)
        if today >= found.health_expires_on:
            return StoredDecision(**{**found.__dict__, "health": None})
        return found

    def get_decision(
        self, region_id: str, decision_id: str, today: dt.date
    ) -> StoredDecision | None:
        with self._lock:
            found = self._decisions.get((region_id, decision_id))
            return None if found is None else self._visible(found, today)

    def get_decisions(
        self, region_id: str, decision_ids: list[str], today: dt.date
    ) -> dict[str, StoredDecision]:
        with self._lock:
            found = {d: self._decisions.get((region_id, d)) for d in decision_ids}
            return {d: self._visible(f, today) for d, f in found.items() if f is not None}

    def list_decisions(
        self, region_id: str, student_ref: str, today: dt.date, limit: int, cursor: str | None
    ) -> Page:
        after = cursors.decode(cursor) if cursor else ""
        with self._lock:
            matching = sorted(
                (
                    d
                    for (r, _), d in self._decisions.items()
                    if r == region_id and d.student_ref == student_ref
                ),
                key=decision_sort_key,
            )
            page = [d for d in matching if decision_sort_key(d) > after][: limit + 1]
            items = [self._visible(d, today) for d in page[:limit]]
        more = len(page) > limit
        next_cursor = cursors.encode(decision_sort_key(items[-1])) if more and items else None
        return Page(items, next_cursor)

    def list_dossiers(self, region_id: str, today: dt.date) -> list[dict[str, Any]]:
        with self._lock:
            return [
                copy.deepcopy(d.health)
                for (r, _), d in sorted(self._decisions.items())
                if r == region_id and d.health is not None and today < d.health_expires_on
            ]

    def dossier_page(
        self, region_id: str, today: dt.date, after: str | None, limit: int
    ) -> tuple[list[dict[str, Any]], str | None]:
        with self._lock:
            ids = sorted(d for (r, d) in self._decisions if r == region_id and d > (after or ""))
            chosen = ids[:limit]
            found = [self._decisions[(region_id, d)] for d in chosen]
            page = [copy.deepcopy(d.health) for d in found
                    if d.health is not None and today < d.health_expires_on]  # fmt: skip
            return page, (chosen[-1] if len(ids) > limit else None)

    def put_region_document(
        self, region_id: str, kind: str, key: str, document: dict[str, Any]
    ) -> None:
        with self._lock:
            if (region_id, kind, key) in self._documents:
                raise AlreadyExistsError(f"{kind} {key}")
            self._documents[(region_id, kind, key)] = copy.deepcopy(document)

    def list_region_documents(self, region_id: str, kind: str) -> list[dict[str, Any]]:
        with self._lock:
            return [
                copy.deepcopy(doc)
                for (r, k, _), doc in sorted(self._documents.items())
                if r == region_id and k == kind
            ]

    # Monitoring

    def list_regions(self) -> list[dict[str, Any]]:
        with self._lock:
            return [copy.deepcopy(self._regions[r]) for r in sorted(self._regions)]

    def list_region_decisions(self, region_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return [
                copy.deepcopy(d.document)
                for (r, _), d in sorted(self._decisions.items())
                if r == region_id
            ]

    def list_region_decision_views(self, region_id: str) -> list[dict[str, Any]]:
        return [statistics_view(d) for d in self.list_region_decisions(region_id)]

    def put_national_document(self, kind: str, key: str, document: dict[str, Any]) -> None:
        with self._lock:
            if (kind, key) in self._national:
                raise AlreadyExistsError(f"{kind} {key}")
            self._national[(kind, key)] = copy.deepcopy(document)

    def list_national_documents(self, kind: str) -> list[dict[str, Any]]:
        with self._lock:
            return [copy.deepcopy(d) for (k, _), d in sorted(self._national.items()) if k == kind]

    # Batches

    def put_batch(self, region_id: str, batch_id: str, document: dict[str, Any]) -> None:
        with self._lock:
            if (region_id, batch_id) in self._batches:
                raise AlreadyExistsError(batch_id)
            self._batches[(region_id, batch_id)] = copy.deepcopy(document)

    def get_batch(self, region_id: str, batch_id: str) -> dict[str, Any] | None:
        with self._lock:
            return copy.deepcopy(self._batches.get((region_id, batch_id)))

    def update_batch(self, region_id: str, batch_id: str, changes: dict[str, Any]) -> None:
        with self._lock:
            self._batches[(region_id, batch_id)].update(copy.deepcopy(changes))

    def put_row_result(
        self, region_id: str, batch_id: str, row: int, result: dict[str, Any]
    ) -> bool:
        with self._lock:
            rows = self._rows.setdefault((region_id, batch_id), {})
            if row in rows:
                return False
            rows[row] = copy.deepcopy(result)
            return True

    def row_results(
        self, region_id: str, batch_id: str, first: int, last: int
    ) -> dict[int, dict[str, Any]]:
        with self._lock:
            rows = self._rows.get((region_id, batch_id), {})
            return {n: copy.deepcopy(r) for n, r in rows.items() if first <= n <= last}

    def list_row_results(
        self, region_id: str, batch_id: str, after: int, limit: int
    ) -> tuple[list[dict[str, Any]], int | None]:
        with self._lock:
            rows = self._rows.get((region_id, batch_id), {})
            numbers = sorted(n for n in rows if n > after)
            page = [copy.deepcopy(rows[n]) for n in numbers[:limit]]
            more = len(numbers) > limit
            return page, (numbers[limit - 1] if more else None)

    def claim_chunk(
        self, region_id: str, batch_id: str, chunk: int, holder: str, now: int, until: int
    ) -> ChunkClaim | None:
        with self._lock:
            held = self._leases.get((region_id, batch_id, chunk))
            if held is not None and held[1] >= now:
                return None
            self._leases[(region_id, batch_id, chunk)] = (holder, until)
            return "first" if held is None else "again"

    def release_chunk(self, region_id: str, batch_id: str, chunk: int, holder: str) -> None:
        with self._lock:
            held = self._leases.get((region_id, batch_id, chunk))
            if held is not None and held[0] == holder:  # kept, run out: the chunk was taken
                self._leases[(region_id, batch_id, chunk)] = (holder, 0)

    def put_chunk_rows(
        self,
        region_id: str,
        batch_id: str,
        decisions: list[tuple[StoredDecision, int]],
        results: dict[int, dict[str, Any]],
    ) -> None:
        # Unconditional, as BatchWriteItem is: the caller holds the chunk's lease.
        with self._lock:
            for decision, _ in decisions:
                self._decisions[(region_id, decision.decision_id)] = copy.deepcopy(decision)
            rows = self._rows.setdefault((region_id, batch_id), {})
            rows.update(copy.deepcopy(results))

    def put_chunk_summary(
        self, region_id: str, batch_id: str, chunk: int, summary: dict[str, Any]
    ) -> bool:
        with self._lock:
            chunks = self._chunks.setdefault((region_id, batch_id), {})
            if chunk in chunks:
                return False
            chunks[chunk] = copy.deepcopy(summary)
            return True

    def chunk_summaries(self, region_id: str, batch_id: str) -> list[dict[str, Any]]:
        with self._lock:
            chunks = self._chunks.get((region_id, batch_id), {})
            return [copy.deepcopy(chunks[n]) for n in sorted(chunks)]

    def list_batches(self, region_id: str) -> list[dict[str, Any]]:
        with self._lock:
            listed = sorted(self._batches.items())
            return [copy.deepcopy(d) for (r, _), d in listed if r == region_id]

    def batch_progress(self, region_id: str, batch_id: str) -> dict[str, Any] | None:
        with self._lock:
            return copy.deepcopy(self._progress.get((region_id, batch_id)))

    def set_batch_progress(self, region_id: str, batch_id: str, seen: dict[str, Any]) -> None:
        with self._lock:
            self._progress[(region_id, batch_id)] = copy.deepcopy(seen)

"""The container's cache of what rarely changes: regions, and a region's opt-out notices,
criteria versions and support plan publications (issue 15). Token records are not cached: a
revoked token must be refused at once in every container (issue 17), so each request reads its
token.

Every decision reads them; here a warm container reads them at most once every `ttl` seconds.

- **Staleness bound.** An entry is used for at most `ttl` seconds (default 30) after it was
  read. Another container therefore sees a new criteria version, opt-out notice or region
  change within `ttl` seconds (README "Decisions: round trips and caching").
- **Invalidation in this container.** A write through this cache drops what it may have
  changed once it is made: `put_region` the region, `put_region_document` the region's
  documents of that kind. Any other operation that is not
  known to leave the cached reads alone (`UNRELATED`: reads, decisions, numbers, batches,
  statistics) drops the whole cache, so a write added later (a token revocation, a document
  deletion) can never be answered from a stale entry in the container that made it. A read
  that overlapped an invalidation (another thread) returns its answer but does not keep it.
- **Small, one place.** Entries are keyed per region and kind; nothing absent is cached (a
  region made in another container works at once); callers get copies.
  `clear()` empties it.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable
from typing import Any

from chalicelib.storage.ports import Storage

TTL_SECONDS = 30.0
KINDS = frozenset({"optout", "criteria", "planpub"})
# Operations that change nothing cached: they pass through and keep the cache.
UNRELATED = frozenset(
    {
        "get_decision", "get_decisions", "list_decisions", "list_dossiers", "list_regions",
        "dossier_page",
        "list_region_decisions", "list_national_documents", "put_national_document",
        "next_volgnummer", "reserve_volgnummers", "claim_idempotency", "put_decision",
        "store_decision",
        "touch_statistics", "statistics_snapshots", "put_statistics_snapshot",
        "record_region_hash", "touch_national_statistics", "national_snapshot",
        "put_national_snapshot",
        "put_batch", "get_batch", "update_batch", "put_row_result", "row_results",
        "list_row_results", "claim_chunk", "release_chunk", "put_chunk_rows",
        "put_chunk_summary", "chunk_summaries", "list_batches", "batch_progress",
        "set_batch_progress", "list_region_decision_views", "count_request", "list_tokens",
        "get_token", "put_token",
    }
)  # fmt: skip


class ReadCache:
    """`storage`, with regions and the documents of `KINDS` kept for `ttl` seconds in this
    container."""

    def __init__(
        self,
        storage: Storage,
        ttl: float = TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.inner = storage
        self.ttl = ttl
        self.clock = clock
        self._entries: dict[tuple[str, ...], tuple[float, Any]] = {}
        self._lock = threading.Lock()
        # bumped by every invalidation: a read that overlapped one does not store its answer
        self._generation = 0

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._generation += 1

    def _drop(self, key: tuple[str, ...]) -> None:
        with self._lock:
            self._entries.pop(key, None)
            self._generation += 1

    def _cached(self, key: tuple[str, ...], read: Callable[[], Any]) -> Any:
        now = self.clock()
        with self._lock:
            held = self._entries.get(key)
            generation = self._generation
        if held is not None and now - held[0] < self.ttl:
            return copy.deepcopy(held[1])
        value = read()
        if value is not None:
            with self._lock:
                if generation == self._generation:
                    self._entries[key] = (now, copy.deepcopy(value))
        return value

    def get_region(self, region_id: str) -> dict[str, Any] | None:
        region: dict[str, Any] | None = self._cached(
            ("region", region_id), lambda: self.inner.get_region(region_id)
        )
        return region

    def put_region(self, region: dict[str, Any]) -> bool:
        created = self.inner.put_region(region)
        self._drop(("region", region["region_id"]))
        return created

    def list_region_documents(self, region_id: str, kind: str) -> list[dict[str, Any]]:
        if kind not in KINDS:
            return self.inner.list_region_documents(region_id, kind)
        documents: list[dict[str, Any]] = self._cached(
            ("documents", region_id, kind),
            lambda: self.inner.list_region_documents(region_id, kind),
        )
        return documents

    def put_region_document(
        self, region_id: str, kind: str, key: str, document: dict[str, Any]
    ) -> None:
        self.inner.put_region_document(region_id, kind, key, document)
        self._drop(("documents", region_id, kind))

    def __getattr__(self, name: str) -> Any:
        operation = getattr(self.inner, name)
        if name in UNRELATED or not callable(operation):
            return operation

        def unknown(*args: Any, **kwargs: Any) -> Any:
            try:
                return operation(*args, **kwargs)
            finally:
                self.clear()  # it might have changed something cached: forget everything

        return unknown

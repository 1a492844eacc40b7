"""A storage wrapper that reads a region and its documents once: the per-chunk read cache.

A batch chunk decides up to 250 rows of one region; each row reads the region, its opt-outs,
its criteria versions and plan publications. Over this wrapper (one per chunk, so one per
thread) those reads reach the database once; every other operation passes through. Callers get
copies, so a row cannot change what the next one reads.
"""

from __future__ import annotations

import copy
from typing import Any

from chalicelib.storage.ports import Storage


class CachingStorage:
    """`storage`, with `get_region` and `list_region_documents` answered from memory after
    their first call (per arguments)."""

    CACHED = frozenset({"get_region", "list_region_documents"})

    def __init__(self, storage: Storage) -> None:
        self.inner = storage
        self._cache: dict[tuple[Any, ...], Any] = {}

    def __getattr__(self, name: str) -> Any:
        operation = getattr(self.inner, name)
        if name not in self.CACHED:
            return operation

        def cached(*args: Any) -> Any:
            key = (name, *args)
            if key not in self._cache:
                self._cache[key] = operation(*args)
            return copy.deepcopy(self._cache[key])

        return cached

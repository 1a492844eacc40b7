"""The in-memory twin's statistics snapshots: change counts, region snapshots and the national
snapshot (KEYS.md "Statistics snapshots", "National snapshot")."""

from __future__ import annotations

import copy
import datetime as dt
import threading
from typing import Any

from chalicelib.storage.ports import RegionState, region_hash


class MemoryStatistics:
    """The statistics part of `MemoryStorage` (which holds `_lock` and `_regions`)."""

    _lock: threading.RLock
    _regions: dict[str, dict[str, Any]]

    def __init__(self) -> None:
        self._stamps: dict[str, int] = {}
        self._snapshots: dict[tuple[str, dt.date], tuple[int, dict[str, Any]]] = {}
        self._national_stamp = 0
        self._national_snapshots: dict[dt.date, tuple[int, dict[str, Any]]] = {}

    def touch_statistics(self, region_id: str) -> None:
        with self._lock:
            self._stamps[region_id] = self._stamps.get(region_id, 0) + 1

    def statistics_snapshots(
        self, region_ids: list[str], teldatum: dt.date
    ) -> dict[str, tuple[int, dict[str, Any] | None]]:
        with self._lock:
            return {
                r: (
                    self._stamps.get(r, 0),
                    copy.deepcopy(self._snapshots.get((r, teldatum), (0, None))[1]),
                )
                for r in region_ids
            }

    def put_statistics_snapshot(
        self, region_id: str, teldatum: dt.date, stamp: int, snapshot: dict[str, Any]
    ) -> None:
        with self._lock:
            held = self._snapshots.get((region_id, teldatum))
            if held is None or held[0] <= stamp:
                self._snapshots[(region_id, teldatum)] = (stamp, copy.deepcopy(snapshot))

    def record_region_hash(self, region_id: str) -> None:
        """Nothing to do: the twin hashes its regions' documents when it is read."""

    def touch_national_statistics(self) -> None:
        with self._lock:
            self._national_stamp += 1

    def national_snapshot(
        self, teldatum: dt.date
    ) -> tuple[dict[str, RegionState], int, dict[str, Any] | None]:
        with self._lock:
            regions = {
                r: RegionState(self._stamps.get(r, 0), region_hash(self._regions[r]))
                for r in sorted(self._regions)
            }
            held = self._national_snapshots.get(teldatum, (0, None))[1]
            return regions, self._national_stamp, copy.deepcopy(held)

    def put_national_snapshot(
        self, teldatum: dt.date, stamp: int, snapshot: dict[str, Any]
    ) -> None:
        with self._lock:
            held = self._national_snapshots.get(teldatum)
            if held is None or held[0] <= stamp:
                self._national_snapshots[teldatum] = (stamp, copy.deepcopy(snapshot))

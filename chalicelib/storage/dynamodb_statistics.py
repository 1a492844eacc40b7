"""The DynamoDB adapter's statistics snapshots: the change counts, all in the one `STATS`
partition beside each region's document hash; a region's figures per count date stored with
the count they include; the national snapshot (KEYS.md "Statistics snapshots", "National
snapshot")."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import zlib
from typing import Any

from chalicelib.errors import AlreadyExistsError
from chalicelib.storage.dynamodb_table import DynamoTable, Item, _s, region_pk
from chalicelib.storage.ports import RegionState, region_hash
from chalicelib.storage.retrying import conflicts_retried
from chalicelib.storage.schema import PK, SK

REGIONS_KEY = "REGIONS"  # the index key every region item is listed under
NATIONAL_PK = "NATIONAL"  # national documents' partition: no region id reaches it
# The counts: `STATS`/`REGION#<id>` (with the region's `doc_hash`) and `STATS`/`NATIONAL`, so
# that one query reads them all. No region (`REGION#<id>`) or other key reaches `STATS`.
STATS_PK = "STATS"
NATIONAL_SK = "NATIONAL"
# Snapshots: `figures#<count date>` in the region's or the national partition. Lower case: no
# document kind (`KIND#...`, upper case) reaches it. (The counts once sat at `stats` in those
# partitions, with snapshots at `stats#<date>`: those items are never read; KEYS.md.)
SNAPSHOT_PREFIX = "figures#"
SNAPSHOT_BYTES = 300_000  # compressed; a larger snapshot is not stored (items hold 400 KB)
DOC_HASH = "doc_hash"  # on a region's count item: `region_hash` of its document


def count_key(region_id: str | None) -> dict[str, Any]:
    """The key of a region's change count, or of the national one (`None`)."""
    sk = NATIONAL_SK if region_id is None else region_pk(region_id)
    return {PK: _s(STATS_PK), SK: _s(sk)}


def change_count_update(region_id: str | None) -> dict[str, Any]:
    """The `UpdateItem` (or transaction update) that counts one change of a region, or of the
    national documents (`None`)."""
    return {
        "Key": count_key(region_id),
        "UpdateExpression": "ADD n :one",
        "ExpressionAttributeValues": {":one": {"N": "1"}},
    }


def hash_update(region_id: str, doc_hash: str) -> dict[str, Any]:
    """The `UpdateItem` (or transaction update) that records a region document's hash beside
    its change count."""
    return {
        "Key": count_key(region_id),
        "UpdateExpression": f"SET {DOC_HASH} = :h",
        "ExpressionAttributeValues": {":h": _s(doc_hash)},
    }


def _snapshot_sk(teldatum: dt.date) -> str:
    return f"{SNAPSHOT_PREFIX}{teldatum.isoformat()}"


def _unpacked(item: Item | None) -> dict[str, Any] | None:
    return None if item is None else dict(json.loads(zlib.decompress(item["doc"]["B"])))


def _count(item: Item | None) -> int:
    return 0 if item is None or "n" not in item else int(item["n"]["N"])


class DynamoStatistics(DynamoTable):
    """The statistics snapshots' part of `DynamoStorage`."""

    def touch_statistics(self, region_id: str) -> None:
        self._touch(region_id)

    def touch_national_statistics(self) -> None:
        self._touch(None)

    def _touch(self, region_id: str | None) -> None:
        # A decision's transaction also writes a region's count: a plain write to it while
        # that runs is refused (TransactionConflict), and tried again (KEYS.md).
        update = change_count_update(region_id)
        conflicts_retried(lambda: self._call(self._client.update_item, **update), self._sleep)

    def record_region_hash(self, region_id: str) -> None:
        item = self._get(region_pk(region_id), "REGION")
        if item is None:
            return
        update = hash_update(region_id, region_hash(json.loads(item["doc"]["S"])))
        update["ConditionExpression"] = f"attribute_not_exists({DOC_HASH})"
        with contextlib.suppress(AlreadyExistsError):  # a failed condition: one is there
            conflicts_retried(lambda: self._call(self._client.update_item, **update), self._sleep)

    def statistics_snapshots(
        self, region_ids: list[str], teldatum: dt.date
    ) -> dict[str, tuple[int, dict[str, Any] | None]]:
        snapshot_sk = _snapshot_sk(teldatum)
        counts = {r: (STATS_PK, region_pk(r)) for r in region_ids}
        snapshots = {r: (region_pk(r), snapshot_sk) for r in region_ids}
        found = self._get_keys([*counts.values(), *snapshots.values()])
        return {
            r: (_count(found.get(counts[r])), _unpacked(found.get(snapshots[r])))
            for r in region_ids
        }

    def put_statistics_snapshot(
        self, region_id: str, teldatum: dt.date, stamp: int, snapshot: dict[str, Any]
    ) -> None:
        self._put_snapshot(region_pk(region_id), teldatum, stamp, snapshot)

    def national_snapshot(
        self, teldatum: dt.date
    ) -> tuple[dict[str, RegionState], int, dict[str, Any] | None]:
        """Two calls, however many regions: one consistent query of the `STATS` partition (every
        count and hash: about 80 bytes a region), one GetItem of the snapshot."""
        items = self._query(
            KeyConditionExpression=f"{PK} = :pk",
            ExpressionAttributeValues={":pk": _s(STATS_PK)},
            ConsistentRead=True,
        )
        regions, national = {}, 0
        for item in items:
            sk = item[SK]["S"]
            if sk == NATIONAL_SK:
                national = _count(item)
            elif DOC_HASH in item:  # a region stored before the hashes were kept here has none
                regions[sk.removeprefix("REGION#")] = RegionState(_count(item), item[DOC_HASH]["S"])
        snapshot = _unpacked(self._get(NATIONAL_PK, _snapshot_sk(teldatum)))
        return dict(sorted(regions.items())), national, snapshot

    def put_national_snapshot(
        self, teldatum: dt.date, stamp: int, snapshot: dict[str, Any]
    ) -> None:
        self._put_snapshot(NATIONAL_PK, teldatum, stamp, snapshot)

    def _put_snapshot(
        self, pk: str, teldatum: dt.date, stamp: int, snapshot: dict[str, Any]
    ) -> None:
        packed = zlib.compress(json.dumps(snapshot, sort_keys=True).encode())
        if len(packed) > SNAPSHOT_BYTES:  # pragma: no cover - hundreds of schools
            return
        item = {
            PK: _s(pk),
            SK: _s(_snapshot_sk(teldatum)),
            "stamp": {"N": str(stamp)},
            "doc": {"B": packed},
        }
        with contextlib.suppress(AlreadyExistsError):  # a snapshot of a later count is kept
            self._call(
                self._client.put_item,
                Item=item,
                ConditionExpression="attribute_not_exists(PK) OR stamp <= :s",
                ExpressionAttributeValues={":s": {"N": str(stamp)}},
            )

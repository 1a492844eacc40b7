"""The DynamoDB adapter's statistics snapshots: a region's change count, and its figures per
count date stored with the count they include; the national change count and the national
snapshot (KEYS.md "Statistics snapshots", "National snapshot")."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import zlib
from typing import Any

from chalicelib.errors import AlreadyExistsError
from chalicelib.storage.dynamodb_table import DynamoTable, _s, region_pk
from chalicelib.storage.ports import region_hash
from chalicelib.storage.retrying import conflicts_retried
from chalicelib.storage.schema import GSI1, GSI1PK, GSI1SK, PK, SK

REGIONS_KEY = "REGIONS"  # the index key every region item is listed under
NATIONAL_PK = "NATIONAL"  # national documents' partition: no region id reaches it
STAMP_SK = "stats"  # lower case: no region or national document kind (`KIND#...`) reaches it
SNAPSHOT_BYTES = 300_000  # compressed; a larger snapshot is not stored (items hold 400 KB)
DOC_HASH = "doc_hash"  # on a region item: `region_hash` of its `doc`, written with it


def _unpacked(item: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if item is None else dict(json.loads(zlib.decompress(item["doc"]["B"])))


def _count(item: dict[str, Any] | None) -> int:
    return 0 if item is None else int(item["n"]["N"])


def change_count_update(pk: str) -> dict[str, Any]:
    """The `UpdateItem` (or transaction update) that counts one change of a region
    (`REGION#<id>`) or of the national documents (`NATIONAL`)."""
    return {
        "Key": {PK: _s(pk), SK: _s(STAMP_SK)},
        "UpdateExpression": "ADD n :one",
        "ExpressionAttributeValues": {":one": {"N": "1"}},
    }


class DynamoStatistics(DynamoTable):
    """The statistics snapshots' part of `DynamoStorage`."""

    def touch_statistics(self, region_id: str) -> None:
        self._touch(region_pk(region_id))

    def touch_national_statistics(self) -> None:
        self._touch(NATIONAL_PK)

    def _touch(self, pk: str) -> None:
        # A decision's transaction also writes a region's count: a plain write to it while
        # that runs is refused (TransactionConflict), and tried again (KEYS.md).
        update = change_count_update(pk)
        conflicts_retried(lambda: self._call(self._client.update_item, **update), self._sleep)

    def statistics_snapshots(
        self, region_ids: list[str], teldatum: dt.date
    ) -> dict[str, tuple[int, dict[str, Any] | None]]:
        snapshot_sk = f"{STAMP_SK}#{teldatum.isoformat()}"
        keys = [(region_pk(r), sk) for r in region_ids for sk in (STAMP_SK, snapshot_sk)]
        found = self._get_keys(keys)
        return {
            r: (
                _count(found.get((region_pk(r), STAMP_SK))),
                _unpacked(found.get((region_pk(r), snapshot_sk))),
            )
            for r in region_ids
        }

    def put_statistics_snapshot(
        self, region_id: str, teldatum: dt.date, stamp: int, snapshot: dict[str, Any]
    ) -> None:
        self._put_snapshot(region_pk(region_id), teldatum, stamp, snapshot)

    def region_hashes(self) -> dict[str, str]:
        """One query of the region listing projected to the id and the hash; a region stored
        before its item held the hash is read whole (one BatchGetItem) and hashed here."""
        items = self._query(
            IndexName=GSI1,
            KeyConditionExpression=f"{GSI1PK} = :p",
            ExpressionAttributeValues={":p": _s(REGIONS_KEY)},
            ProjectionExpression=f"{GSI1SK}, {DOC_HASH}",
        )
        hashes = {i[GSI1SK]["S"]: i[DOC_HASH]["S"] for i in items if DOC_HASH in i}
        older = [i[GSI1SK]["S"] for i in items if DOC_HASH not in i]
        whole = self._get_keys([(region_pk(r), "REGION") for r in older])
        for (pk, _), item in whole.items():
            hashes[pk.removeprefix("REGION#")] = region_hash(json.loads(item["doc"]["S"]))
        return dict(sorted(hashes.items()))

    def national_snapshot(
        self, region_ids: list[str], teldatum: dt.date
    ) -> tuple[dict[str, int], int, dict[str, Any] | None]:
        """One BatchGetItem (while the regions fit one: 98): each region's count item (PK,
        SK, `n`: nothing to project away), the national count and the national snapshot."""
        snapshot_sk = f"{STAMP_SK}#{teldatum.isoformat()}"
        national = [(NATIONAL_PK, STAMP_SK), (NATIONAL_PK, snapshot_sk)]
        found = self._get_keys([*national, *((region_pk(r), STAMP_SK) for r in region_ids)])
        counts = {r: _count(found.get((region_pk(r), STAMP_SK))) for r in region_ids}
        snapshot = _unpacked(found.get((NATIONAL_PK, snapshot_sk)))
        return counts, _count(found.get((NATIONAL_PK, STAMP_SK))), snapshot

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
            SK: _s(f"{STAMP_SK}#{teldatum.isoformat()}"),
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

"""The DynamoDB adapter's statistics snapshots: a region's change count, and its figures per
count date stored with the count they include (KEYS.md "Statistics snapshots")."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import zlib
from typing import Any

from chalicelib.errors import AlreadyExistsError
from chalicelib.storage.dynamodb_table import DynamoTable, _s, region_pk
from chalicelib.storage.retrying import conflicts_retried
from chalicelib.storage.schema import PK, SK

STAMP_SK = "stats"  # lower case: no region document kind (`KIND#...`) reaches it
SNAPSHOT_BYTES = 300_000  # compressed; a larger snapshot is not stored (items hold 400 KB)


def change_count_update(region_id: str) -> dict[str, Any]:
    """The `UpdateItem` (or transaction update) that counts one change of the region."""
    return {
        "Key": {PK: _s(region_pk(region_id)), SK: _s(STAMP_SK)},
        "UpdateExpression": "ADD n :one",
        "ExpressionAttributeValues": {":one": {"N": "1"}},
    }


class DynamoStatistics(DynamoTable):
    """The statistics snapshots' part of `DynamoStorage`."""

    def touch_statistics(self, region_id: str) -> None:
        update = change_count_update(region_id)
        conflicts_retried(lambda: self._call(self._client.update_item, **update), self._sleep)

    def statistics_snapshots(
        self, region_ids: list[str], teldatum: dt.date
    ) -> dict[str, tuple[int, dict[str, Any] | None]]:
        snapshot_sk = f"{STAMP_SK}#{teldatum.isoformat()}"
        keys = [(region_pk(r), sk) for r in region_ids for sk in (STAMP_SK, snapshot_sk)]
        found = self._get_keys(keys)
        result: dict[str, tuple[int, dict[str, Any] | None]] = {}
        for region_id in region_ids:
            stamp = found.get((region_pk(region_id), STAMP_SK))
            held = found.get((region_pk(region_id), snapshot_sk))
            document = None if held is None else json.loads(zlib.decompress(held["doc"]["B"]))
            result[region_id] = (0 if stamp is None else int(stamp["n"]["N"]), document)
        return result

    def put_statistics_snapshot(
        self, region_id: str, teldatum: dt.date, stamp: int, snapshot: dict[str, Any]
    ) -> None:
        packed = zlib.compress(json.dumps(snapshot, sort_keys=True).encode())
        if len(packed) > SNAPSHOT_BYTES:  # pragma: no cover - hundreds of schools
            return
        item = {
            PK: _s(region_pk(region_id)),
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

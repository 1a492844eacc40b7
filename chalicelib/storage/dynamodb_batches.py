"""The batch part of the DynamoDB adapter: batch records, row results, chunk leases and
summaries (`BatchStorage` of the port).

The record lives under the region; rows, leases and chunk summaries in the batch's own
partition. Row results and chunk summaries are written once; a chunk's rows are written in bulk
(BatchWriteItem, which takes no conditions) only by the holder of the chunk's lease. A lease
item is never deleted: its existence is what tells a redelivery from a first delivery.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from chalicelib.errors import AlreadyExistsError
from chalicelib.storage.dynamodb_table import (
    DynamoTable,
    Item,
    _decision_item,
    _health_item,
    _s,
    batch_pk,
    region_pk,
)
from chalicelib.storage.ports import ChunkClaim, StoredDecision
from chalicelib.storage.schema import PK, SK


class DynamoBatches(DynamoTable):
    """Batches on the table (see chalicelib/storage/KEYS.md)."""

    def put_batch(self, region_id: str, batch_id: str, document: dict[str, Any]) -> None:
        self._put_new(
            {
                PK: _s(region_pk(region_id)),
                SK: _s(f"BATCH#{batch_id}"),
                "doc": _s(json.dumps(document, sort_keys=True)),
            }
        )

    def get_batch(self, region_id: str, batch_id: str) -> dict[str, Any] | None:
        item = self._get(region_pk(region_id), f"BATCH#{batch_id}")
        return None if item is None else json.loads(item["doc"]["S"])

    def update_batch(self, region_id: str, batch_id: str, changes: dict[str, Any]) -> None:
        # The record is small and written by one splitter at a time: read, merge, write back.
        current = self.get_batch(region_id, batch_id) or {}
        self._call(
            self._client.put_item,
            Item={
                PK: _s(region_pk(region_id)),
                SK: _s(f"BATCH#{batch_id}"),
                "doc": _s(json.dumps({**current, **changes}, sort_keys=True)),
            },
        )

    def put_row_result(
        self, region_id: str, batch_id: str, row: int, result: dict[str, Any]
    ) -> bool:
        return self._put_once(batch_pk(region_id, batch_id), f"ROW#{row:09d}", result)

    def _rows_between(self, pk: str, low: str, high: str, limit: int | None) -> list[Item]:
        return self._query(
            limit,
            KeyConditionExpression=f"{PK} = :pk AND {SK} BETWEEN :low AND :high",
            ExpressionAttributeValues={":pk": _s(pk), ":low": _s(low), ":high": _s(high)},
            ConsistentRead=True,
        )

    def row_results(
        self, region_id: str, batch_id: str, first: int, last: int
    ) -> dict[int, dict[str, Any]]:
        items = self._rows_between(
            batch_pk(region_id, batch_id), f"ROW#{first:09d}", f"ROW#{last:09d}", None
        )
        return {int(i[SK]["S"][4:]): json.loads(i["doc"]["S"]) for i in items}

    def list_row_results(
        self, region_id: str, batch_id: str, after: int, limit: int
    ) -> tuple[list[dict[str, Any]], int | None]:
        items = self._rows_between(
            batch_pk(region_id, batch_id), f"ROW#{after + 1:09d}", "ROW#999999999", limit + 1
        )
        page = [json.loads(i["doc"]["S"]) for i in items[:limit]]
        more = len(items) > limit
        return page, (int(items[limit - 1][SK]["S"][4:]) if more else None)

    def claim_chunk(
        self, region_id: str, batch_id: str, chunk: int, holder: str, now: int, until: int
    ) -> ChunkClaim | None:
        # The old item comes back with the put (ALL_OLD), at no extra request: none means no
        # delivery ever took this chunk, as a lease item is never deleted (KEYS.md).
        try:
            response = self._call(
                self._client.put_item,
                Item={
                    PK: _s(batch_pk(region_id, batch_id)),
                    SK: _s(f"LEASE#{chunk:06d}"),
                    "holder": _s(holder),
                    "until": {"N": str(until)},
                },
                ConditionExpression=f"attribute_not_exists({PK}) OR #until < :now",
                ExpressionAttributeNames={"#until": "until"},
                ExpressionAttributeValues={":now": {"N": str(now)}},
                ReturnValues="ALL_OLD",
            )
        except AlreadyExistsError:
            return None
        return "again" if response.get("Attributes") else "first"

    def release_chunk(self, region_id: str, batch_id: str, chunk: int, holder: str) -> None:
        # Run out rather than deleted: the item stays as the record that the chunk was taken.
        with contextlib.suppress(AlreadyExistsError):  # taken over after it ran out: theirs
            self._call(
                self._client.update_item,
                Key={PK: _s(batch_pk(region_id, batch_id)), SK: _s(f"LEASE#{chunk:06d}")},
                UpdateExpression="SET #until = :zero",
                ConditionExpression="holder = :me",
                ExpressionAttributeNames={"#until": "until"},
                ExpressionAttributeValues={":me": _s(holder), ":zero": {"N": "0"}},
            )

    def put_chunk_rows(
        self,
        region_id: str,
        batch_id: str,
        decisions: list[tuple[StoredDecision, int]],
        results: dict[int, dict[str, Any]],
    ) -> None:
        # Three rounds, each finished before the next starts: a decision is never stored
        # without its health record, nor a row result without its decision.
        health = [h for d, expires_at in decisions if (h := _health_item(d, expires_at))]
        self._write_all(health)
        self._write_all([_decision_item(d) for d, _ in decisions])
        pk = _s(batch_pk(region_id, batch_id))
        self._write_all(
            [
                {PK: pk, SK: _s(f"ROW#{row:09d}"), "doc": _s(json.dumps(r, sort_keys=True))}
                for row, r in sorted(results.items())
            ]
        )

    def put_chunk_summary(
        self, region_id: str, batch_id: str, chunk: int, summary: dict[str, Any]
    ) -> bool:
        return self._put_once(batch_pk(region_id, batch_id), f"CHUNK#{chunk:06d}", summary)

    def chunk_summaries(self, region_id: str, batch_id: str) -> list[dict[str, Any]]:
        items = self._query_prefix(batch_pk(region_id, batch_id), "CHUNK#")
        return [json.loads(i["doc"]["S"]) for i in items]

    def list_batches(self, region_id: str) -> list[dict[str, Any]]:
        items = self._query_prefix(region_pk(region_id), "BATCH#")
        return [json.loads(i["doc"]["S"]) for i in items]

    def batch_progress(self, region_id: str, batch_id: str) -> dict[str, Any] | None:
        item = self._get(batch_pk(region_id, batch_id), "PROGRESS")
        return None if item is None else json.loads(item["doc"]["S"])

    def set_batch_progress(self, region_id: str, batch_id: str, seen: dict[str, Any]) -> None:
        self._call(
            self._client.put_item,
            Item={
                PK: _s(batch_pk(region_id, batch_id)),
                SK: _s("PROGRESS"),
                "doc": _s(json.dumps(seen, sort_keys=True)),
            },
        )

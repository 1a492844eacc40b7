"""The DynamoDB adapter: the storage port on one table. Only this module knows keys and item
shapes; AWS errors are translated by `aws_errors.py`.

Documents are stored as JSON strings (`doc`), so no float ever reaches boto3 and no `Decimal`
comes back out; the only numbers are counters and the TTL, written as DynamoDB `N` strings.
Every create is a conditional put: nothing is ever silently overwritten. The one exception is
`put_chunk_rows`, a batch chunk's bulk write, which only the holder of the chunk's lease makes
(see `BatchStorage.put_chunk_rows`). The key design is in `KEYS.md` beside this file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from chalicelib.errors import AlreadyExistsError, StorageUnavailableError
from chalicelib.storage import cursor as cursors
from chalicelib.storage.aws_errors import translated_errors
from chalicelib.storage.ports import (
    IdempotencyRecord,
    Page,
    Role,
    StoredDecision,
    TokenRecord,
)
from chalicelib.storage.schema import GSI1, GSI1PK, GSI1SK, PK, SK, TTL_ATTRIBUTE

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

T = TypeVar("T")
Item = dict[str, Any]

BATCH_GET_KEYS = 100  # DynamoDB's limits per BatchGetItem and BatchWriteItem request
BATCH_WRITE_ITEMS = 25
WRITE_ATTEMPTS = 8  # about 7 s of pauses in all before unprocessed items count as an outage

REGIONS_KEY = "REGIONS"
NATIONAL_PK = "NATIONAL"


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def region_pk(region_id: str) -> str:
    return f"REGION#{region_id}"


def batch_pk(region_id: str, batch_id: str) -> str:
    return f"BATCH#{region_id}#{batch_id}"


def student_key(region_id: str, student_ref: str) -> str:
    return f"REGION#{region_id}#STUDENT#{student_ref}"


def _health_item(decision: StoredDecision, expires_at: int) -> Item | None:
    if decision.health is None:
        return None
    return {
        PK: _s(region_pk(decision.region_id)),
        SK: _s(f"HEALTH#{decision.decision_id}"),
        "doc": _s(json.dumps(decision.health, sort_keys=True)),
        TTL_ATTRIBUTE: {"N": str(expires_at)},
    }


def _decision_item(decision: StoredDecision) -> Item:
    return {
        PK: _s(region_pk(decision.region_id)),
        SK: _s(f"DECISION#{decision.decision_id}"),
        GSI1PK: _s(student_key(decision.region_id, decision.student_ref)),
        GSI1SK: _s(f"{decision.decided_on.isoformat()}#{decision.decision_id}"),
        "student_ref": _s(decision.student_ref),
        "decided_on": _s(decision.decided_on.isoformat()),
        "health_expires_on": _s(decision.health_expires_on.isoformat()),
        "doc": _s(json.dumps(decision.document, sort_keys=True)),
    }


class DynamoStorage:
    """The storage port on one DynamoDB table (see chalicelib/storage/schema.py)."""

    def __init__(
        self,
        client: DynamoDBClient,
        table_name: str,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client
        self._table = table_name
        self._sleep = sleep  # the pause before unprocessed items are sent again

    def _call(self, operation: Callable[..., T], **kwargs: Any) -> T:
        with translated_errors():
            return operation(TableName=self._table, **kwargs)

    def _get(self, pk: str, sk: str) -> Item | None:
        response = self._call(
            self._client.get_item, Key={PK: _s(pk), SK: _s(sk)}, ConsistentRead=True
        )
        return response.get("Item")

    def _put_new(self, item: Item) -> None:
        self._call(self._client.put_item, Item=item, ConditionExpression="attribute_not_exists(PK)")

    # Regions and tokens

    def put_region(self, region: dict[str, Any]) -> bool:
        item = {
            PK: _s(region_pk(region["region_id"])),
            SK: _s("REGION"),
            # every region under one index key, so that the national statistics can list them
            GSI1PK: _s(REGIONS_KEY),
            GSI1SK: _s(region["region_id"]),
            "doc": _s(json.dumps(region, sort_keys=True)),
        }
        response = self._call(self._client.put_item, Item=item, ReturnValues="ALL_OLD")
        return "Attributes" not in response

    def get_region(self, region_id: str) -> dict[str, Any] | None:
        item = self._get(region_pk(region_id), "REGION")
        return None if item is None else json.loads(item["doc"]["S"])

    def put_token(self, token: TokenRecord) -> None:
        item: Item = {
            PK: _s(f"TOKEN#{token.token_hash}"),
            SK: _s("TOKEN"),
            "role": _s(token.role),
        }
        if token.region_id is not None:
            item["region_id"] = _s(token.region_id)
        if token.label is not None:
            item["label"] = _s(token.label)
        self._put_new(item)

    def get_token(self, token_hash: str) -> TokenRecord | None:
        item = self._get(f"TOKEN#{token_hash}", "TOKEN")
        if item is None:
            return None
        region = item.get("region_id", {}).get("S")
        label = item.get("label", {}).get("S")
        role: Role = item["role"]["S"]  # written only by put_token
        return TokenRecord(token_hash, role, region, label)

    # Decisions

    def next_volgnummer(self, region_id: str, year: int) -> int:
        return self.reserve_volgnummers(region_id, year, 1)

    def reserve_volgnummers(self, region_id: str, year: int, count: int) -> int:
        response = self._call(
            self._client.update_item,
            Key={PK: _s(region_pk(region_id)), SK: _s(f"COUNTER#{year:04d}")},
            UpdateExpression="ADD n :count",
            ExpressionAttributeValues={":count": {"N": str(count)}},
            ReturnValues="UPDATED_NEW",
        )
        return int(response["Attributes"]["n"]["N"])

    def claim_idempotency(self, record: IdempotencyRecord) -> IdempotencyRecord:
        pk, sk = region_pk(record.region_id), f"IDEMPOTENCY#{record.key}"
        item = {
            PK: _s(pk),
            SK: _s(sk),
            "body_hash": _s(record.body_hash),
            "decision_id": _s(record.decision_id),
        }
        try:
            self._put_new(item)
            return record
        except AlreadyExistsError:
            existing = self._get(pk, sk)
            if existing is None:  # pragma: no cover - an idempotency item is never deleted
                raise
            return IdempotencyRecord(
                record.region_id,
                record.key,
                existing["body_hash"]["S"],
                existing["decision_id"]["S"],
            )

    def put_decision(self, decision: StoredDecision, expires_at: int) -> None:
        """Health record first, then the decision: a reader who sees the decision sees both.

        A crash in between leaves only a health record, which no read reaches and the TTL
        removes; a retry with the same decision id finds it and goes on.
        """
        health = _health_item(decision, expires_at)
        if health is not None:
            # On a retry of the same decision id the record is already there: fine.
            with contextlib.suppress(AlreadyExistsError):
                self._put_new(health)
        self._put_new(_decision_item(decision))

    def _from_item(self, item: Item, health: Item | None, today: dt.date) -> StoredDecision:
        expires = dt.date.fromisoformat(item["health_expires_on"]["S"])
        # DynamoDB's TTL deletes with a delay (and dynalite not at all): filter on read too.
        visible = health is not None and today < expires
        return StoredDecision(
            region_id=item[PK]["S"].removeprefix("REGION#"),
            decision_id=item[SK]["S"].removeprefix("DECISION#"),
            student_ref=item["student_ref"]["S"],
            decided_on=dt.date.fromisoformat(item["decided_on"]["S"]),
            document=json.loads(item["doc"]["S"]),
            health=json.loads(health["doc"]["S"]) if visible and health else None,
            health_expires_on=expires,
        )

    def get_decision(
        self, region_id: str, decision_id: str, today: dt.date
    ) -> StoredDecision | None:
        item = self._get(region_pk(region_id), f"DECISION#{decision_id}")
        if item is None:
            return None
        health = self._get(region_pk(region_id), f"HEALTH#{decision_id}")
        return self._from_item(item, health, today)

    def _get_many(self, region_id: str, sks: list[str]) -> dict[str, Item]:
        """Items of the region's partition by sort key (BatchGetItem, 100 keys a request,
        unprocessed keys asked again); those that exist, by sort key."""
        found: dict[str, Item] = {}
        pk = _s(region_pk(region_id))
        for start in range(0, len(sks), BATCH_GET_KEYS):
            keys = [{PK: pk, SK: _s(sk)} for sk in sks[start : start + BATCH_GET_KEYS]]
            request: dict[str, Any] = {self._table: {"Keys": keys, "ConsistentRead": True}}
            while request:
                with translated_errors():
                    response = self._client.batch_get_item(RequestItems=request)
                for item in response.get("Responses", {}).get(self._table, []):
                    found[item[SK]["S"]] = item
                request = dict(response.get("UnprocessedKeys") or {})
        return found

    def _health_items(self, region_id: str, decision_ids: list[str]) -> dict[str, Item]:
        found = self._get_many(region_id, [f"HEALTH#{d}" for d in decision_ids])
        return {sk.removeprefix("HEALTH#"): item for sk, item in found.items()}

    def get_decisions(
        self, region_id: str, decision_ids: list[str], today: dt.date
    ) -> dict[str, StoredDecision]:
        found = self._get_many(region_id, [f"DECISION#{d}" for d in decision_ids])
        ids = [sk.removeprefix("DECISION#") for sk in found]
        health = self._health_items(region_id, ids)
        return {d: self._from_item(found[f"DECISION#{d}"], health.get(d), today) for d in ids}

    def list_decisions(
        self, region_id: str, student_ref: str, today: dt.date, limit: int, cursor: str | None
    ) -> Page:
        condition = f"{GSI1PK} = :p"
        values = {":p": _s(student_key(region_id, student_ref))}
        if cursor:
            condition += f" AND {GSI1SK} > :after"
            values[":after"] = _s(cursors.decode(cursor))
        response = self._call(
            self._client.query,
            IndexName=GSI1,
            KeyConditionExpression=condition,
            ExpressionAttributeValues=values,
            Limit=limit + 1,
        )
        page = response.get("Items", [])
        items = page[:limit]
        health = self._health_items(
            region_id, [i[SK]["S"].removeprefix("DECISION#") for i in items]
        )
        decisions = [
            self._from_item(i, health.get(i[SK]["S"].removeprefix("DECISION#")), today)
            for i in items
        ]
        more = len(page) > limit
        next_cursor = cursors.encode(items[-1][GSI1SK]["S"]) if more and items else None
        return Page(decisions, next_cursor)

    # Region documents: opt-out notices, criteria versions, support plans, ...

    def _query(self, limit: int | None = None, **kwargs: Any) -> list[Item]:
        """Every item a query matches, or its first `limit`, page after page (botocore's
        paginator follows `LastEvaluatedKey`)."""
        if limit is not None:
            kwargs["PaginationConfig"] = {"MaxItems": limit, "PageSize": limit}
        items: list[Item] = []
        with translated_errors():
            for page in self._client.get_paginator("query").paginate(
                TableName=self._table, **kwargs
            ):
                items += page.get("Items", [])
        return items

    def _query_prefix(self, pk: str, prefix: str) -> list[Item]:
        return self._query(
            KeyConditionExpression=f"{PK} = :pk AND begins_with({SK}, :prefix)",
            ExpressionAttributeValues={":pk": _s(pk), ":prefix": _s(prefix)},
            ConsistentRead=True,
        )

    def list_dossiers(self, region_id: str, today: dt.date) -> list[dict[str, Any]]:
        """Health records within retention whose decision exists: a crash between the two
        writes of `put_decision` can leave a record without its decision, which never counts."""
        cutoff = int(dt.datetime.combine(today, dt.time(), dt.UTC).timestamp())
        pk = region_pk(region_id)
        decided = {
            i[SK]["S"].removeprefix("DECISION#") for i in self._query_prefix(pk, "DECISION#")
        }
        return [
            json.loads(item["doc"]["S"])
            for item in self._query_prefix(pk, "HEALTH#")
            if int(item[TTL_ATTRIBUTE]["N"]) > cutoff
            and item[SK]["S"].removeprefix("HEALTH#") in decided
        ]

    def put_region_document(
        self, region_id: str, kind: str, key: str, document: dict[str, Any]
    ) -> None:
        self._put_new(
            {
                PK: _s(region_pk(region_id)),
                SK: _s(f"{kind.upper()}#{key}"),
                "doc": _s(json.dumps(document, sort_keys=True)),
            }
        )

    def list_region_documents(self, region_id: str, kind: str) -> list[dict[str, Any]]:
        items = self._query_prefix(region_pk(region_id), f"{kind.upper()}#")
        return [json.loads(item["doc"]["S"]) for item in items]

    # Monitoring: all regions (GSI1), all decisions of a region, national documents

    def list_regions(self) -> list[dict[str, Any]]:
        items = self._query(
            IndexName=GSI1,
            KeyConditionExpression=f"{GSI1PK} = :p",
            ExpressionAttributeValues={":p": _s(REGIONS_KEY)},
        )
        return [json.loads(item["doc"]["S"]) for item in items]

    def list_region_decisions(self, region_id: str) -> list[dict[str, Any]]:
        items = self._query_prefix(region_pk(region_id), "DECISION#")
        return [json.loads(item["doc"]["S"]) for item in items]

    def put_national_document(self, kind: str, key: str, document: dict[str, Any]) -> None:
        self._put_new(
            {
                PK: _s(NATIONAL_PK),
                SK: _s(f"{kind.upper()}#{key}"),
                "doc": _s(json.dumps(document, sort_keys=True)),
            }
        )

    def list_national_documents(self, kind: str) -> list[dict[str, Any]]:
        items = self._query_prefix(NATIONAL_PK, f"{kind.upper()}#")
        return [json.loads(item["doc"]["S"]) for item in items]

    # Batches: the record under the region, rows and chunk summaries in the batch's partition

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

    def _put_once(self, pk: str, sk: str, document: dict[str, Any]) -> bool:
        try:
            self._put_new({PK: _s(pk), SK: _s(sk), "doc": _s(json.dumps(document, sort_keys=True))})
        except AlreadyExistsError:
            return False
        return True

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
    ) -> bool:
        try:
            self._call(
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
            )
        except AlreadyExistsError:
            return False
        return True

    def release_chunk(self, region_id: str, batch_id: str, chunk: int, holder: str) -> None:
        with contextlib.suppress(AlreadyExistsError):  # taken over after it ran out: theirs
            self._call(
                self._client.delete_item,
                Key={PK: _s(batch_pk(region_id, batch_id)), SK: _s(f"LEASE#{chunk:06d}")},
                ConditionExpression="holder = :me",
                ExpressionAttributeValues={":me": _s(holder)},
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

    def _write_all(self, items: list[Item]) -> None:
        """BatchWriteItem, 25 items a request; what DynamoDB leaves unprocessed (throttling)
        is sent again after a growing pause, and after `WRITE_ATTEMPTS` it is a storage
        outage: the caller's chunk comes back and finds what was written."""
        for start in range(0, len(items), BATCH_WRITE_ITEMS):
            pending: list[Any] = [
                {"PutRequest": {"Item": i}} for i in items[start : start + BATCH_WRITE_ITEMS]
            ]
            for attempt in range(WRITE_ATTEMPTS):
                if attempt:
                    self._sleep(min(0.05 * 2**attempt, 2.0))
                with translated_errors():
                    response = self._client.batch_write_item(RequestItems={self._table: pending})
                pending = (response.get("UnprocessedItems") or {}).get(self._table, [])
                if not pending:
                    break
            else:
                raise StorageUnavailableError("UnprocessedItems")

    def put_chunk_summary(
        self, region_id: str, batch_id: str, chunk: int, summary: dict[str, Any]
    ) -> bool:
        return self._put_once(batch_pk(region_id, batch_id), f"CHUNK#{chunk:06d}", summary)

    def chunk_summaries(self, region_id: str, batch_id: str) -> list[dict[str, Any]]:
        items = self._query_prefix(batch_pk(region_id, batch_id), "CHUNK#")
        return [json.loads(i["doc"]["S"]) for i in items]

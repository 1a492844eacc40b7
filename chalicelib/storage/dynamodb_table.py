"""The DynamoDB table under the adapter: keys, item shapes, and the requests every part of
the adapter makes (conditional puts, paginated queries, batched reads and writes).

Documents are stored as JSON strings (`doc`), so no float ever reaches boto3 and no `Decimal`
comes back out; the only numbers are counters and the TTL, written as DynamoDB `N` strings.
AWS errors become storage errors in `aws_errors.py`. The key design is in `KEYS.md`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import pydantic_core

from chalicelib.domain.statistics import statistics_view
from chalicelib.errors import AlreadyExistsError
from chalicelib.storage.aws_errors import translated_errors
from chalicelib.storage.ports import StoredDecision
from chalicelib.storage.retrying import ATTEMPTS, until_done
from chalicelib.storage.schema import GSI1PK, GSI1SK, PK, SK, TTL_ATTRIBUTE

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

T = TypeVar("T")
Item = dict[str, Any]

VIEW = "stats_view"  # the decision's `statistics_view`, JSON
BATCH_GET_KEYS = 100  # DynamoDB's limits per BatchGetItem and BatchWriteItem request
BATCH_WRITE_ITEMS = 25
WRITE_ATTEMPTS = ATTEMPTS  # about 7 s of pauses in all before unprocessed items are an outage


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _json(document: Any) -> str:
    """The JSON text of a decision or its health record: pydantic-core's encoder takes a third
    of `json.dumps(sort_keys=True)`'s time on a decision (30 against 90 us), which a batch
    pays on every row. Keys keep the document's own order; non-ASCII stays UTF-8."""
    return pydantic_core.to_json(document).decode()


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
        "doc": _s(_json(decision.health)),
        TTL_ATTRIBUTE: {"N": str(expires_at)},
    }


def _decision_item(decision: StoredDecision) -> Item:
    item = {
        PK: _s(region_pk(decision.region_id)),
        SK: _s(f"DECISION#{decision.decision_id}"),
        GSI1PK: _s(student_key(decision.region_id, decision.student_ref)),
        GSI1SK: _s(f"{decision.decided_on.isoformat()}#{decision.decision_id}"),
        "student_ref": _s(decision.student_ref),
        "decided_on": _s(decision.decided_on.isoformat()),
        "health_expires_on": _s(decision.health_expires_on.isoformat()),
        "doc": _s(_json(decision.document)),
    }
    # what the statistics read, for a projected query (KEYS.md)
    item[VIEW] = _s(_json(statistics_view(decision.document)))
    return item


class DynamoTable:
    """One DynamoDB table, and the requests on it that the adapter's parts share."""

    def __init__(
        self,
        client: DynamoDBClient,
        table_name: str,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], float] = time.time,
        transactions: bool = True,
    ) -> None:
        self._client = client
        # TransactWriteItems: DynamoDB and moto have it, dynalite (make run) has not
        self._transactions = transactions
        self._table = table_name
        self._sleep = sleep  # the pause before unprocessed items are sent again
        self._now = now  # epoch seconds, for the expiry of idempotency keys

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

    def _put_once(self, pk: str, sk: str, document: dict[str, Any]) -> bool:
        try:
            self._put_new({PK: _s(pk), SK: _s(sk), "doc": _s(json.dumps(document, sort_keys=True))})
        except AlreadyExistsError:
            return False
        return True

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

    def _get_many(self, region_id: str, sks: list[str]) -> dict[str, Item]:
        """Items of the region's partition by sort key; those that exist, by sort key."""
        found = self._get_keys([(region_pk(region_id), sk) for sk in sks])
        return {sk: item for (_, sk), item in found.items()}

    def _get_keys(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], Item]:
        """Items by (PK, SK) (BatchGetItem, 100 keys a request, consistent reads; unprocessed
        keys asked again after a pause, `retrying.until_done`); those that exist."""
        found: dict[tuple[str, str], Item] = {}

        def get(chosen: list[Item]) -> list[Item]:
            request: Any = {self._table: {"Keys": chosen, "ConsistentRead": True}}
            with translated_errors():
                response = self._client.batch_get_item(RequestItems=request)
            for item in response.get("Responses", {}).get(self._table, []):
                found[(item[PK]["S"], item[SK]["S"])] = item
            unprocessed: Any = response.get("UnprocessedKeys") or {}
            left: list[Item] = unprocessed.get(self._table, {}).get("Keys", [])
            return left

        for start in range(0, len(keys), BATCH_GET_KEYS):
            chosen = [{PK: _s(pk), SK: _s(sk)} for pk, sk in keys[start : start + BATCH_GET_KEYS]]
            until_done(get, chosen, "UnprocessedKeys", self._sleep, WRITE_ATTEMPTS)
        return found

    def _write_all(self, items: list[Item]) -> None:
        """BatchWriteItem, 25 items a request; what DynamoDB leaves unprocessed (throttling)
        is sent again after a growing pause with jitter (`retrying.until_done`), and after
        `WRITE_ATTEMPTS` it is a storage outage: the caller's chunk comes back and finds what
        was written."""

        def write(pending: list[Any]) -> list[Any]:
            with translated_errors():
                response = self._client.batch_write_item(RequestItems={self._table: pending})
            left: list[Any] = (response.get("UnprocessedItems") or {}).get(self._table, [])
            return left

        for start in range(0, len(items), BATCH_WRITE_ITEMS):
            part = items[start : start + BATCH_WRITE_ITEMS]
            pending = [{"PutRequest": {"Item": i}} for i in part]
            until_done(write, pending, "UnprocessedItems", self._sleep, WRITE_ATTEMPTS)

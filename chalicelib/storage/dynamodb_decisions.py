"""The DynamoDB adapter's decision writes: volgnummers, idempotency claims, and a decision
stored with its health record and its statistics count.

`store_decision` writes the claim, the health record, the decision and the count in one
`TransactWriteItems` (all or nothing, one round trip) where the server has transactions:
DynamoDB itself, and moto in the tests. dynalite, the local server of `make run`, has none:
there (`transactions=False`) the same items are written one by one in an order that keeps
the guarantees (claim, health record, decision, count; KEYS.md "Storing a decision").
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.errors import (
    AlreadyExistsError,
    IdempotencyKeyHeldError,
    StorageUnavailableError,
    TransactionConflictError,
)
from chalicelib.storage.aws_errors import translated_errors
from chalicelib.storage.dynamodb_statistics import DynamoStatistics, change_count_update
from chalicelib.storage.dynamodb_table import (
    Item,
    _decision_item,
    _health_item,
    _s,
    region_pk,
)
from chalicelib.storage.ports import (
    IDEMPOTENCY_SECONDS,
    IdempotencyRecord,
    StoredDecision,
)
from chalicelib.storage.retrying import conflicts_retried
from chalicelib.storage.schema import PK, SK, TTL_ATTRIBUTE

log = logging.getLogger("toewijzing")
CONDITION_FAILED = "ConditionalCheckFailed"
NEW_ITEM = f"attribute_not_exists({PK})"


def _held(record: IdempotencyRecord, item: Item) -> IdempotencyRecord:
    return IdempotencyRecord(
        record.region_id, record.key, item["body_hash"]["S"], item["decision_id"]["S"]
    )


class DynamoDecisionWrites(DynamoStatistics):
    """The decision writes of `DynamoStorage`."""

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

    def _claim_put(self, record: IdempotencyRecord) -> dict[str, Any]:
        """The conditional put of a claim: a new key, or one whose record expired (DynamoDB's
        TTL deletes it days late)."""
        now = int(self._now())
        item = {
            PK: _s(region_pk(record.region_id)),
            SK: _s(f"IDEMPOTENCY#{record.key}"),
            "body_hash": _s(record.body_hash),
            "decision_id": _s(record.decision_id),
            TTL_ATTRIBUTE: {"N": str(now + IDEMPOTENCY_SECONDS)},
        }
        return {
            "Item": item,
            "ConditionExpression": f"attribute_not_exists({PK}) OR #ttl <= :now",
            "ExpressionAttributeNames": {"#ttl": TTL_ATTRIBUTE},
            "ExpressionAttributeValues": {":now": {"N": str(now)}},
        }

    def claim_idempotency(self, record: IdempotencyRecord) -> IdempotencyRecord:
        try:
            self._call(self._client.put_item, **self._claim_put(record))
            return record
        except AlreadyExistsError:
            existing = self._get(region_pk(record.region_id), f"IDEMPOTENCY#{record.key}")
            if existing is None:  # pragma: no cover - expired and deleted in between
                raise
            return _held(record, existing)

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

    def store_decision(
        self, decision: StoredDecision, expires_at: int, claim: IdempotencyRecord | None = None
    ) -> None:
        if self._transactions:
            self._store_in_one_transaction(decision, expires_at, claim)
            return
        if claim is not None:
            held = self.claim_idempotency(claim)
            if held != claim:
                raise IdempotencyKeyHeldError(held.body_hash, held.decision_id)
        self.put_decision(decision, expires_at)
        # The decision is stored: an outage now must not fail its request. The region's next
        # counted change, or a replay of this key, counts it (KEYS.md).
        try:
            self.touch_statistics(decision.region_id)
        except StorageUnavailableError:
            log.warning("statistics change not counted; the next change counts it")

    def _store_in_one_transaction(
        self, decision: StoredDecision, expires_at: int, claim: IdempotencyRecord | None
    ) -> None:
        table = {"TableName": self._table}
        writes: list[Any] = []  # TransactWriteItemTypeDef, built as plain dicts
        if claim is not None:
            put = {**table, **self._claim_put(claim)}
            writes.append({"Put": {**put, "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}})
        health = _health_item(decision, expires_at)
        if health is not None:
            # No condition of its own: it lands only with the new decision (all or nothing). One
            # already there is the orphan of an ordered write that died before its decision.
            writes.append({"Put": {**table, "Item": health}})
        decision_put = {"Item": _decision_item(decision), "ConditionExpression": NEW_ITEM}
        writes.append({"Put": {**table, **decision_put}})
        writes.append({"Update": {**table, **change_count_update(decision.region_id)}})
        conflicts_retried(lambda: self._transact(writes, claim), self._sleep)

    def _transact(self, writes: list[Any], claim: IdempotencyRecord | None) -> None:
        with translated_errors():
            try:
                self._client.transact_write_items(TransactItems=writes)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                    raise
                self._cancelled(exc.response.get("CancellationReasons", []), claim)

    def _cancelled(
        self, reasons: Sequence[Mapping[str, Any]], claim: IdempotencyRecord | None
    ) -> None:
        """Why the transaction wrote nothing, as the ordered writes would say it."""
        codes = [str(reason.get("Code", "None")) for reason in reasons]
        why = "TransactionCanceledException: " + ",".join(codes)  # for the logs
        if claim is not None and codes and codes[0] == CONDITION_FAILED:
            # DynamoDB returns the held claim (ALL_OLD); read it should a server not
            item = reasons[0].get("Item") or self._get(
                region_pk(claim.region_id), f"IDEMPOTENCY#{claim.key}"
            )
            if item is None:  # pragma: no cover - expired and deleted since: nothing holds it
                raise TransactionConflictError(why)
            raise IdempotencyKeyHeldError(item["body_hash"]["S"], item["decision_id"]["S"])
        if CONDITION_FAILED in codes:  # the decision id is taken
            raise AlreadyExistsError(why)
        if set(codes) <= {"None", "TransactionConflict"}:  # another transaction on an item
            raise TransactionConflictError(why)
        raise StorageUnavailableError(why)  # throttled: the client tries again later

"""The storage contract, continued (memory, moto, dynalite): idempotency keys expire after
`IDEMPOTENCY_SECONDS` (DynamoDB TTL on `expires_at`, read as absent once past), and what the
batch sweeper reads and keeps (`list_batches`, `batch_progress`)."""

from __future__ import annotations

import time

import pytest

from chalicelib.storage.ports import IDEMPOTENCY_SECONDS, IdempotencyRecord, Storage
from chalicelib.storage.schema import TTL_ATTRIBUTE


def test_an_idempotency_key_is_kept_for_its_time_then_free(
    storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [time.time()]
    monkeypatch.setattr(storage, "_now", lambda: now[0])
    first = IdempotencyRecord("VO2001", "key-ttl", "hash-a", "d1")
    second = IdempotencyRecord("VO2001", "key-ttl", "hash-b", "d2")
    assert storage.claim_idempotency(first) == first

    now[0] += IDEMPOTENCY_SECONDS - 60  # a retry within the time: the first record
    assert storage.claim_idempotency(second) == first

    now[0] += 120  # after it (the item may still be there: TTL deletes days late)
    assert storage.claim_idempotency(second) == second
    third = IdempotencyRecord("VO2001", "key-ttl", "hash-c", "d3")
    assert storage.claim_idempotency(third) == second


def test_idempotency_keys_are_kept_at_least_a_day() -> None:
    assert IDEMPOTENCY_SECONDS >= 24 * 3600


def test_an_idempotency_item_carries_its_ttl(storage: Storage) -> None:
    client = getattr(storage, "_client", None)
    if client is None:
        pytest.skip("the in-memory store has no items")
    before = int(time.time())
    storage.claim_idempotency(IdempotencyRecord("VO2001", "key-item", "h", "d1"))
    item = client.get_item(
        TableName=storage._table,  # type: ignore[attr-defined]
        Key={"PK": {"S": "REGION#VO2001"}, "SK": {"S": "IDEMPOTENCY#key-item"}},
    )["Item"]
    expires_at = int(item[TTL_ATTRIBUTE]["N"])
    assert before + IDEMPOTENCY_SECONDS <= expires_at <= int(time.time()) + IDEMPOTENCY_SECONDS


def test_batches_of_a_region_are_listed_and_the_sweepers_mark_kept(storage: Storage) -> None:
    storage.put_batch("VO2001", "b1", {"batch_id": "b1", "status": "accepted"})
    storage.put_batch("VO2001", "b2", {"batch_id": "b2", "status": "processing"})
    storage.put_batch("VO2002", "b3", {"batch_id": "b3", "status": "accepted"})
    assert [b["batch_id"] for b in storage.list_batches("VO2001")] == ["b1", "b2"]
    assert storage.batch_progress("VO2001", "b1") is None
    storage.set_batch_progress("VO2001", "b1", {"progress": 0, "since": "2017-03-01T12:00:00"})
    storage.set_batch_progress("VO2001", "b1", {"progress": 2, "since": "2017-03-01T12:05:00"})
    assert storage.batch_progress("VO2001", "b1") == {"progress": 2, "since": "2017-03-01T12:05:00"}
    assert storage.get_batch("VO2001", "b1") == {"batch_id": "b1", "status": "accepted"}
    assert [b["batch_id"] for b in storage.list_batches("VO2001")] == ["b1", "b2"]

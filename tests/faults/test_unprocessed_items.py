"""BatchWriteItem under throttling: DynamoDB writes part of a request and hands the rest back
as `UnprocessedItems`. The adapter sends those again after a growing pause until all are
written, and gives up as a storage outage (the chunk comes back) when they keep coming back.

moto stands in for DynamoDB; a thin client wrapper makes it leave items unprocessed, as
DynamoDB does when a partition is throttled.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from chalicelib.errors import StorageUnavailableError
from chalicelib.storage.dynamodb import DynamoStorage
from chalicelib.storage.dynamodb_table import WRITE_ATTEMPTS
from chalicelib.storage.schema import ensure_table
from tests.contract.conftest import fake_credentials
from tests.contract.test_storage import TODAY, decision

TABLE = "toewijzing-unprocessed"
EXPIRES_AT = int(dt.datetime(2020, 3, 1, tzinfo=dt.UTC).timestamp())


class Throttled:
    """A DynamoDB client whose BatchWriteItem writes only the first `keep` items of the first
    `partial` requests and returns the others unprocessed."""

    def __init__(self, client: Any, partial: int, keep: int = 10) -> None:
        self.client = client
        self.partial = partial
        self.keep = keep
        self.requests: list[int] = []  # items per BatchWriteItem request

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)

    def batch_write_item(self, RequestItems: dict[str, list[Any]]) -> dict[str, Any]:  # noqa: N803
        (table, writes), *_ = RequestItems.items()
        self.requests.append(len(writes))
        if len(self.requests) > self.partial:
            return dict(self.client.batch_write_item(RequestItems=RequestItems))
        if self.keep:
            self.client.batch_write_item(RequestItems={table: writes[: self.keep]})
        return {"UnprocessedItems": {table: writes[self.keep :]}}


@pytest.fixture
def moto_client(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    fake_credentials(monkeypatch)
    with mock_aws():
        client = boto3.client("dynamodb", region_name="eu-west-1")
        ensure_table(client, TABLE)
        yield client


def test_unprocessed_items_are_sent_again_after_a_growing_pause(moto_client: Any) -> None:
    throttled = Throttled(moto_client, partial=3)
    pauses: list[float] = []
    storage = DynamoStorage(throttled, TABLE, sleep=pauses.append)  # type: ignore[arg-type]
    written = [decision(f"d{i:02d}", ref=f"ll-{i}") for i in range(30)]
    results = {i + 1: {"row": i + 1} for i in range(30)}
    storage.put_chunk_rows("VO2001", "b1", [(d, EXPIRES_AT) for d in written], results)
    # health records: 25 (10 written, 15 back), 15 (10, 5 back), 5 -> then 5 more at once
    assert throttled.requests[:4] == [25, 15, 5, 5]
    # doubling, the upper half of each pause random (jitter)
    assert 0.05 <= pauses[0] <= 0.1 <= pauses[1] <= 0.2
    found = storage.get_decisions("VO2001", [d.decision_id for d in written], TODAY)
    assert found == {d.decision_id: d for d in written}
    assert storage.row_results("VO2001", "b1", 1, 30) == results


def test_items_that_keep_coming_back_are_a_storage_outage(moto_client: Any) -> None:
    throttled = Throttled(moto_client, partial=10**6, keep=0)
    pauses: list[float] = []
    storage = DynamoStorage(throttled, TABLE, sleep=pauses.append)  # type: ignore[arg-type]
    with pytest.raises(StorageUnavailableError, match="UnprocessedItems"):
        storage.put_chunk_rows("VO2001", "b1", [(decision("d1"), EXPIRES_AT)], {1: {"row": 1}})
    assert len(throttled.requests) == WRITE_ATTEMPTS
    assert len(pauses) == WRITE_ATTEMPTS - 1
    # nothing of the chunk is visible: no decision was written before its health record
    assert storage.get_decisions("VO2001", ["d1"], TODAY) == {}

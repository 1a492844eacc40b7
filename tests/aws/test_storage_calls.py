"""Round trips and the storage figures of the access log line (issue 15), on moto DynamoDB.

The app runs on the DynamoDB adapter over moto, with its client watched as `wiring` watches it
(`chalicelib/storage/metering.py`); a test listener on botocore's `before-call` event counts
the DynamoDB calls separately, so the log line's `storage_calls` is checked against it.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from typing import Any, cast

import boto3
import pytest
from chalice.test import Client
from moto import mock_aws

from app import app
from chalicelib import wiring
from chalicelib.config import Settings
from chalicelib.services import Services
from chalicelib.storage.dynamodb import DynamoStorage
from chalicelib.storage.metering import watch
from chalicelib.storage.ports import Storage
from chalicelib.storage.read_cache import ReadCache
from chalicelib.storage.schema import ensure_table
from tests.api.conftest import ADMIN, ROOT, Api, request_body


class Counted(Api):
    """The API on moto DynamoDB, with the DynamoDB operations of each call counted."""

    def __init__(self, client: Client, services: Services, clock: list[dt.datetime]) -> None:
        super().__init__(client, services, clock)
        self.operations: list[str] = []

    def seen(self, model: Any, **_: Any) -> None:
        self.operations.append(model.name)

    def counted(
        self, *args: Any, **kwargs: Any
    ) -> tuple[tuple[int, Any, dict[str, str]], list[str]]:
        self.operations.clear()
        answer = self.call(*args, **kwargs)
        return answer, list(self.operations)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counted]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "eu-west-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL_DYNAMODB", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    clock = [dt.datetime(2017, 3, 1, 12, tzinfo=dt.UTC)]
    table = f"toewijzing-{uuid.uuid4().hex[:8]}"
    with mock_aws():
        client = boto3.client("dynamodb", region_name="eu-west-1")
        ensure_table(client, table)
        settings = Settings(stage="test", table_name=table, storage="dynamodb", admin_token=ADMIN)
        storage = cast(Storage, ReadCache(DynamoStorage(watch(client), table)))  # as wiring
        services = Services(storage, settings, lambda: clock[0], wiring.new_id)
        wiring.override(services)
        try:
            with Client(app, stage_name="test", project_dir=str(ROOT)) as chalice_client:
                api = Counted(chalice_client, services, clock)
                client.meta.events.register("before-call.dynamodb", api.seen)
                yield api
        finally:
            wiring.override(None)


def test_the_log_line_carries_the_requests_storage_calls_and_time(
    aws: Counted, lines: list[str]
) -> None:
    aws.region()
    token = aws.token("VO2001")
    lines.clear()
    (status, _, _), operations = aws.counted(
        "POST", "/v1/regions/VO2001/decisions", request_body(), token=token
    )
    assert status == 201
    (status, _, _), listed = aws.counted(
        "GET", "/v1/regions/VO2001/decisions?student_ref=ll-2017-0042", token=token
    )
    assert status == 200
    first, second = (json.loads(line) for line in lines)
    assert first["storage_calls"] == len(operations) > 0
    assert second["storage_calls"] == len(listed) > 0
    assert first["storage_ms"] > 0 and second["storage_ms"] > 0
    assert first["storage_ms"] <= first["duration_ms"]


def decide(aws: Counted, token: str, n: int, key: str | None) -> list[str]:
    headers = {} if key is None else {"Idempotency-Key": key}
    body = request_body(student__ref=f"ll-{n}")
    path = "/v1/regions/VO2001/decisions"
    (status, _, _), operations = aws.counted("POST", path, body, token=token, headers=headers)
    assert status == 201
    return operations


def test_a_decision_with_key_and_region_token_makes_four_dynamodb_calls(aws: Counted) -> None:
    """Warm: the region, opt-outs and criteria come from the container's cache
    (storage/read_cache.py). Left: the token (never cached: a revocation holds at once), the
    region's quota counter, the volgnummer, and one transaction writing the claim, the health
    record, the decision and the statistics count (README "Decisions: round trips")."""
    aws.region()
    token = aws.token("VO2001")
    calls = [decide(aws, token, n, f"key-{n}") for n in range(3)]  # the first fills the cache
    assert calls[0].count("Query") == 2  # cold: the opt-outs and criteria versions read
    token_read, quota, number, transaction = [
        "GetItem", "UpdateItem", "UpdateItem", "TransactWriteItems"
    ]  # fmt: skip
    assert calls[1] == calls[2] == [token_read, quota, number, transaction]
    assert decide(aws, token, 9, None) == [token_read, quota, number, transaction]  # no key


def test_a_replay_reads_the_stored_decision_and_its_health_record(aws: Counted) -> None:
    """The retry of a stored decision: numbered before the transaction finds the key held (a
    gap), then the decision and its health record read, and the count added again in case
    the first request was written without it (the ordered writes)."""
    aws.region()
    token = aws.token("VO2001")
    decide(aws, token, 1, "once")
    assert decide(aws, token, 1, "once") == [
        "GetItem", "UpdateItem", "UpdateItem", "TransactWriteItems", "GetItem", "GetItem",
        "UpdateItem",
    ]  # fmt: skip


def test_the_national_view_from_its_snapshot_reads_two_items_whatever_the_regions(
    aws: Counted,
) -> None:
    """After the first read, the ministry's token, then the `STATS` partition (every region's
    count and document hash in one query) and the snapshot (KEYS.md "National snapshot"). A
    region stored before the hashes were kept there is given its hash by the first read."""
    for region in ("VO2001", "VO2002", "VO2003"):
        aws.region(region)
    storage = cast(ReadCache, aws.services.storage).inner
    assert isinstance(storage, DynamoStorage)
    key = {"PK": {"S": "STATS"}, "SK": {"S": "REGION#VO2002"}}
    storage._client.update_item(
        TableName=storage._table, Key=key, UpdateExpression="REMOVE doc_hash"
    )
    ministry = aws.token(None, "ministry")
    path = "/v1/statistics?teldatum=2017-10-01"
    (status, first, _), _ = aws.counted("GET", path, token=ministry)
    assert status == 200 and len(first["regions"]) == 3
    (status, again, _), operations = aws.counted("GET", path, token=ministry)
    assert status == 200 and again == first
    assert operations == ["GetItem", "Query", "GetItem"]

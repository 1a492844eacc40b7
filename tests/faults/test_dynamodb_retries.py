"""The DynamoDB adapter as `chalicelib/wiring.py` builds it (boto3 standard retry mode), with
DynamoDB answered below boto3 by a `before-send` hook: the first N attempts get a
ThrottlingException, as DynamoDB sends it over HTTP, the others a canned success. No request
leaves the process (the hook answers before botocore sends anything).

Note: `Config(retries={"max_attempts": N})` means N *retries* in botocore's client config
(N + 1 attempts in all; `total_max_attempts` counts the first one). The tests read the number
from the client, so they hold for either spelling.

botocore's sleeps between attempts are recorded (its `time.sleep` is patched), so the tests show
the retries and the exponential backoff without waiting for them.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import botocore.endpoint
import botocore.retries.standard
import pytest
from botocore.awsrequest import AWSResponse
from chalice.test import Client

from app import app
from chalicelib import wiring
from chalicelib.config import Settings
from chalicelib.errors import StorageUnavailableError
from chalicelib.services import Services
from chalicelib.storage.dynamodb import DynamoStorage
from tests.api.conftest import ADMIN, REGION
from tests.contract.conftest import fake_credentials

ROOT = Path(__file__).resolve().parents[2]
TABLE = "toewijzing-faults"
SUCCESS: dict[str, Any] = {"UpdateItem": {"Attributes": {"n": {"N": "1"}}}}
THROTTLED = json.dumps(
    {"__type": "com.amazonaws.dynamodb.v20120810#ThrottlingException", "message": "Rate exceeded"}
).encode()


class _Raw:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.data


@dataclass
class Throttle:
    """Answers the next `fail` attempts (any DynamoDB operation) with a ThrottlingException."""

    fail: int = 0
    attempts: int = 0
    throttled: int = 0
    sleeps: list[float] = field(default_factory=list)

    def before_send(self, request: Any, **_: Any) -> AWSResponse | None:
        self.attempts += 1
        headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": "fault"}
        if self.fail <= 0:
            target = request.headers.get("X-Amz-Target", b"")
            operation = (target.decode() if isinstance(target, bytes) else target).split(".")[-1]
            body = json.dumps(SUCCESS.get(operation, {})).encode()
            return AWSResponse(request.url, 200, headers, _Raw(body))  # type: ignore[arg-type]
        self.fail -= 1
        self.throttled += 1
        return AWSResponse(request.url, 400, headers, _Raw(THROTTLED))  # type: ignore[arg-type]


@pytest.fixture
def throttled(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[DynamoStorage, Throttle]]:
    fake_credentials(monkeypatch)
    throttle = Throttle()
    monkeypatch.setattr(botocore.endpoint.time, "sleep", throttle.sleeps.append)
    yield production_storage(throttle), throttle


def production_storage(throttle: Throttle) -> DynamoStorage:
    settings = Settings(stage="test", table_name=TABLE, storage="dynamodb", admin_token=ADMIN)
    storage = wiring.dynamodb_storage(settings)  # the production client configuration
    assert isinstance(storage, DynamoStorage)
    storage._client.meta.events.register_first("before-send.dynamodb", throttle.before_send)
    return storage


def attempts_allowed(storage: DynamoStorage) -> int:
    retries = storage._client.meta.config.retries or {}
    assert retries.get("mode") == "standard"
    if "total_max_attempts" in retries:
        return int(retries["total_max_attempts"])
    return int(retries["max_attempts"]) + 1


class NoJitter(botocore.retries.standard.ExponentialBackoff):
    """botocore's backoff with its random factor fixed at 1: the upper bound of each delay."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**{**kwargs, "random": lambda: 1.0})


def test_throttled_attempts_are_retried_with_exponential_backoff(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(botocore.retries.standard, "ExponentialBackoff", NoJitter)
    fake_credentials(monkeypatch)
    throttle = Throttle()
    monkeypatch.setattr(botocore.endpoint.time, "sleep", throttle.sleeps.append)
    storage = production_storage(throttle)
    retries = attempts_allowed(storage) - 1
    assert retries == 2  # wiring: 3 attempts in all, so a request stays well within 29 s
    throttle.fail = retries
    assert storage.next_volgnummer("VO2001", 2017) == 1
    assert throttle.throttled == retries
    assert throttle.attempts == retries + 1  # the throttled ones + the one that succeeded
    # Throttling errors back off from a 1 s base, doubling: 1, 2 s (upper bounds, no jitter)
    assert throttle.sleeps == [1.0, 2.0]


def test_with_jitter_each_delay_stays_under_its_doubling_bound(
    throttled: tuple[DynamoStorage, Throttle],
) -> None:
    storage, throttle = throttled
    retries = attempts_allowed(storage) - 1
    for _ in range(5):
        throttle.fail = retries
        storage.get_region("VO2001")
    assert len(throttle.sleeps) == 5 * retries
    for i, delay in enumerate(throttle.sleeps):
        assert 0 <= delay <= 2 ** (i % retries)
    assert sum(throttle.sleeps) > 0


def test_throttled_on_every_attempt_the_adapter_gives_up_as_storage_unavailable(
    throttled: tuple[DynamoStorage, Throttle],
) -> None:
    storage, throttle = throttled
    allowed = attempts_allowed(storage)
    throttle.fail = allowed
    with pytest.raises(StorageUnavailableError, match="ThrottlingException"):
        storage.get_region("VO2001")
    assert throttle.attempts == allowed and len(throttle.sleeps) == allowed - 1
    throttle.fail = 0
    assert storage.get_region("VO2001") is None  # and the next call works again


def test_a_database_that_stays_down_is_a_503_with_retry_after_over_http(
    throttled: tuple[DynamoStorage, Throttle],
) -> None:
    storage, throttle = throttled
    settings = Settings(stage="test", table_name=TABLE, storage="dynamodb", admin_token=ADMIN)
    now = dt.datetime(2017, 3, 1, tzinfo=dt.UTC)
    wiring.override(Services(storage, settings, lambda: now, wiring.new_id))
    try:
        with Client(app, stage_name="test", project_dir=str(ROOT)) as client:
            headers = {"Authorization": f"Bearer {ADMIN}", "Content-Type": "application/json"}
            created = client.http.put(
                "/v1/regions/VO2001", headers=headers, body=json.dumps(REGION)
            )
            assert created.status_code == 201
            throttle.fail = 10_000
            english = {**headers, "Accept-Language": "en"}  # the assertion is on English text
            response = client.http.get("/v1/regions/VO2001", headers=english)
            throttle.fail = 0
    finally:
        wiring.override(None)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    body = json.loads(response.body)
    assert body["error"]["code"] == "service_unavailable"
    assert "retry" in body["error"]["message"]
    # one request: botocore's attempts, then a clear answer (not a hang, not a 500)
    assert throttle.throttled == attempts_allowed(storage)

"""Injected faults on the storage port (chalicelib/storage/faults.py) and in the DynamoDB
adapter: no partial decision, no duplicate volgnummer, a 503 with Retry-After while down."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from botocore.exceptions import ReadTimeoutError
from chalice.test import Client
from moto import mock_aws

from app import app
from chalicelib import wiring
from chalicelib.config import Settings
from chalicelib.errors import (
    ConflictError,
    ServiceUnavailableError,
    StorageUnavailableError,
    TransactionConflictError,
)
from chalicelib.models.decision import Decision
from chalicelib.models.region import RegionIn
from chalicelib.models.request import DecisionRequest
from chalicelib.services import Services
from chalicelib.storage.dynamodb import DynamoStorage
from chalicelib.storage.faults import AFTER, RACE, THROTTLE, TIMEOUT, FaultPlan, FaultyStorage
from chalicelib.storage.memory import MemoryStorage
from chalicelib.storage.retrying import CONFLICT_ATTEMPTS, conflicts_retried
from chalicelib.storage.schema import ensure_table
from tests.api.conftest import ADMIN, REGION, request_body
from tests.contract.conftest import fake_credentials

ROOT = Path(__file__).resolve().parents[2]
NOW = dt.datetime(2017, 3, 1, 12, tzinfo=dt.UTC)
SETTINGS = Settings(
    stage="test", table_name="toewijzing-faults", storage="memory", admin_token=ADMIN
)
HEADERS = {"Authorization": f"Bearer {ADMIN}", "Content-Type": "application/json"}


def services_on(storage: Any) -> Services:
    return Services(storage, SETTINGS, lambda: NOW, wiring.new_id)


def region_services(plan: FaultPlan) -> tuple[Services, FaultyStorage]:
    faulty = FaultyStorage(MemoryStorage())
    svc = services_on(faulty)
    svc.regions.put_region("VO2001", RegionIn.model_validate(REGION))
    faulty.plan = plan
    return svc, faulty


def decide_with_retries(svc: Services, ref: str, key: str, tries: int = 10) -> Decision:
    """A well-behaved client: on a 503, or a 409 for a decision in flight, retry (same key)."""
    body = DecisionRequest.model_validate(request_body(student__ref=ref))
    for _ in range(tries):
        try:
            decision, _ = svc.decisions.create_decision("VO2001", body, key)
            return decision
        except (ServiceUnavailableError, ConflictError):
            continue
    raise AssertionError(f"no decision for {key} after {tries} tries")


def test_throttling_timeouts_and_lost_answers_never_duplicate_a_volgnummer() -> None:
    plan = FaultPlan({
        "next_volgnummer": {2: TIMEOUT, 5: AFTER, 9: AFTER, 13: THROTTLE},
        # the claim, the health record, the decision and its count are one write
        "store_decision": {3: THROTTLE, 4: TIMEOUT, 7: AFTER, 8: AFTER, 11: TIMEOUT},
        "get_decision": {1: TIMEOUT},  # the first replay after a lost answer
    })  # fmt: skip
    svc, faulty = region_services(plan)
    with ThreadPoolExecutor(max_workers=8) as pool:
        made = list(pool.map(lambda i: decide_with_retries(svc, f"ll-{i}", f"key-{i}"), range(40)))
    assert len(faulty.injected) == sum(len(v) for v in plan.faults.values())
    numbers = [d.volgnummer for d in made]
    assert len(set(numbers)) == 40  # every decision its own number (gaps are allowed)
    stored = faulty.inner._decisions
    assert len(stored) == 40  # every accepted decision stored exactly once
    assert sorted(d.document["volgnummer"] for d in stored.values()) == sorted(numbers)
    for d in made:  # and what the client got back is what is stored
        assert stored[("VO2001", d.decision_id)].document["volgnummer"] == d.volgnummer


def test_two_requests_with_one_key_interleaved_store_one_decision() -> None:
    """Request B runs whole between request A's numbering and A's store_decision: A finds the
    key held and answers with B's decision. One decision; A's number is a gap."""
    svc, faulty = region_services(FaultPlan())
    second: list[Decision] = []
    faulty.plan = FaultPlan(
        before={"store_decision": {1: lambda: second.append(decide_with_retries(svc, "ll-1", "k"))}}
    )
    first = decide_with_retries(svc, "ll-1", "k")
    assert first.decision_id == second[0].decision_id
    assert first.volgnummer == second[0].volgnummer == "VO2001-2017-000002"
    assert len(faulty.inner._decisions) == 1
    assert faulty.calls["store_decision"] == 2 and faulty.calls["next_volgnummer"] == 2


def test_a_race_on_store_decision_without_a_stored_winner_is_a_409_not_a_duplicate() -> None:
    svc, faulty = region_services(FaultPlan({"store_decision": {1: RACE}}))
    body = DecisionRequest.model_validate(request_body())
    with pytest.raises(ConflictError):
        svc.decisions.create_decision("VO2001", body, "racing-key")
    assert faulty.inner._decisions == {}
    _, replayed = svc.decisions.create_decision("VO2001", body, "racing-key")
    assert not replayed and len(faulty.inner._decisions) == 1


def test_while_the_database_stays_down_every_region_route_is_a_503_with_retry_after() -> None:
    faulty = FaultyStorage(MemoryStorage())
    wiring.override(services_on(faulty))
    try:
        with Client(app, stage_name="test", project_dir=str(ROOT)) as client:
            assert (
                client.http.put(
                    "/v1/regions/VO2001", headers=HEADERS, body=json.dumps(REGION)
                ).status_code
                == 201
            )
            faulty.plan = FaultPlan.always(["get_region", "put_region", "get_decision",
                                            "list_decisions", "next_volgnummer", "store_decision",
                                            "list_region_documents", "get_token"])  # fmt: skip
            for method, path, body in [
                ("GET", "/v1/regions/VO2001", None),
                ("POST", "/v1/regions/VO2001/decisions", request_body()),
                ("GET", "/v1/regions/VO2001/decisions?student_ref=ll-2017-0042", None),
                ("GET", f"/v1/regions/VO2001/decisions/{'0' * 32}", None),
                ("GET", "/v1/regions/VO2001/criteria", None),
            ]:
                response = getattr(client.http, method.lower())(
                    path, headers=HEADERS, body=json.dumps(body) if body else b""
                )
                assert response.status_code == 503, (path, response.body)
                assert response.headers["Retry-After"] == "5"
                assert json.loads(response.body)["error"]["code"] == "service_unavailable"
            faulty.heal()
            assert client.http.get("/v1/regions/VO2001", headers=HEADERS).status_code == 200
    finally:
        wiring.override(None)


# The DynamoDB adapter's ordered writes (a server without transactions, as dynalite): a crash
# between the health record and the decision


class CrashBeforeDecisionItem:
    """Raises botocore's ReadTimeoutError on the PutItem of a DECISION# item while armed."""

    def __init__(self) -> None:
        self.armed = False
        self.crashed = 0

    def __call__(self, params: dict[str, Any], **_: Any) -> None:
        sk = params.get("Item", {}).get("SK", {}).get("S", "")
        if self.armed and sk.startswith("DECISION#"):
            self.crashed += 1
            raise ReadTimeoutError(endpoint_url="https://dynamodb.eu-west-1.amazonaws.com")


@contextlib.contextmanager
def moto_table(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A DynamoDB client on moto, with the table `toewijzing-faults`."""
    fake_credentials(monkeypatch)
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="eu-west-1")
        ensure_table(dynamodb, "toewijzing-faults")
        yield dynamodb


@pytest.fixture
def moto_api(
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[Client, Any, CrashBeforeDecisionItem]]:
    crash = CrashBeforeDecisionItem()
    with moto_table(monkeypatch) as dynamodb:
        dynamodb.meta.events.register("before-parameter-build.dynamodb.PutItem", crash)
        storage = DynamoStorage(dynamodb, "toewijzing-faults", transactions=False)
        wiring.override(services_on(storage))
        try:
            with Client(app, stage_name="test", project_dir=str(ROOT)) as client:
                yield client, dynamodb, crash
        finally:
            wiring.override(None)


def items(dynamodb: Any, prefix: str) -> list[dict[str, Any]]:
    scanned = dynamodb.scan(TableName="toewijzing-faults")["Items"]
    return [i for i in scanned if i["SK"]["S"].startswith(prefix)]


def test_a_crash_between_the_two_writes_shows_no_half_and_the_retry_completes_both(
    moto_api: tuple[Client, Any, CrashBeforeDecisionItem],
) -> None:
    client, dynamodb, crash = moto_api
    assert (
        client.http.put("/v1/regions/VO2001", headers=HEADERS, body=json.dumps(REGION)).status_code
        == 201
    )
    headers = {**HEADERS, "Idempotency-Key": "crash-1"}
    body = json.dumps(request_body())
    crash.armed = True
    failed = client.http.post("/v1/regions/VO2001/decisions", headers=headers, body=body)
    assert failed.status_code == 503 and failed.headers["Retry-After"] == "5"
    assert crash.crashed == 1
    # The health record was written, the decision was not: no reader sees either.
    assert len(items(dynamodb, "HEALTH#")) == 1 and items(dynamodb, "DECISION#") == []
    listed = client.http.get(
        "/v1/regions/VO2001/decisions?student_ref=ll-2017-0042", headers=HEADERS
    )
    assert json.loads(listed.body) == {"items": [], "next": None}
    decision_id = items(dynamodb, "HEALTH#")[0]["SK"]["S"].removeprefix("HEALTH#")
    got = client.http.get(f"/v1/regions/VO2001/decisions/{decision_id}", headers=HEADERS)
    assert got.status_code == 404
    # The client retries with the same key: the same decision id, both items, a whole decision.
    crash.armed = False
    retried = client.http.post("/v1/regions/VO2001/decisions", headers=headers, body=body)
    assert retried.status_code == 201
    decision = json.loads(retried.body)
    assert decision["decision_id"] == decision_id
    assert len(items(dynamodb, "HEALTH#")) == 1 and len(items(dynamodb, "DECISION#")) == 1
    read = json.loads(
        client.http.get(f"/v1/regions/VO2001/decisions/{decision_id}", headers=HEADERS).body
    )
    actuals = [c["actual"] for route in read["explanation"] for c in route["conditions"]]
    assert read == decision and any(a is not None for a in actuals)  # with its health data


def test_an_orphan_health_record_is_not_counted_by_the_impact_analysis(
    moto_api: tuple[Client, Any, CrashBeforeDecisionItem],
) -> None:
    """After the crash above and no retry, the dossiers an impact analysis reads (health
    records) leave the orphan out: a decision that does not exist never counts."""
    client, _, crash = moto_api
    client.http.put("/v1/regions/VO2001", headers=HEADERS, body=json.dumps(REGION))
    crash.armed = True
    client.http.post(
        "/v1/regions/VO2001/decisions", headers=HEADERS, body=json.dumps(request_body())
    )
    storage = wiring.services().storage
    assert storage.list_dossiers("VO2001", NOW.date()) == []


# The DynamoDB adapter's one transaction: the answer lost after it was applied


class LoseTheAnswer:
    """Raises botocore's ReadTimeoutError after a TransactWriteItems was applied, while armed."""

    def __init__(self) -> None:
        self.armed = False
        self.lost = 0

    def __call__(self, **_: Any) -> None:
        if self.armed:
            self.lost += 1
            raise ReadTimeoutError(endpoint_url="https://dynamodb.eu-west-1.amazonaws.com")


def test_a_transaction_whose_answer_is_lost_is_replayed_whole_by_the_retry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lose = LoseTheAnswer()
    with moto_table(monkeypatch) as dynamodb:
        dynamodb.meta.events.register("after-call.dynamodb.TransactWriteItems", lose)
        wiring.override(services_on(DynamoStorage(dynamodb, "toewijzing-faults")))
        try:
            with Client(app, stage_name="test", project_dir=str(ROOT)) as client:
                client.http.put("/v1/regions/VO2001", headers=HEADERS, body=json.dumps(REGION))
                headers = {**HEADERS, "Idempotency-Key": "lost-1"}
                body = json.dumps(request_body())
                lose.armed = True
                failed = client.http.post(
                    "/v1/regions/VO2001/decisions", headers=headers, body=body
                )
                assert failed.status_code == 503 and lose.lost == 1
                # Applied whole: claim, health record, decision and the statistics count.
                assert [
                    len(items(dynamodb, p)) for p in ("IDEMPOTENCY#", "HEALTH#", "DECISION#")
                ] == [1, 1, 1]
                assert items(dynamodb, "REGION#VO2001")[0]["n"] == {"N": "1"}  # PK STATS
                lose.armed = False
                retried = client.http.post(
                    "/v1/regions/VO2001/decisions", headers=headers, body=body
                )
                assert retried.status_code == 201
                assert retried.headers["Idempotent-Replayed"] == "true"  # the stored one
                decision = json.loads(retried.body)
                assert [len(items(dynamodb, p)) for p in ("HEALTH#", "DECISION#")] == [1, 1]
                # the stored decision's number; the retry reserved 2 before it found the key held
                assert decision["volgnummer"] == "VO2001-2017-000001"
                counter = items(dynamodb, "COUNTER#")[0]["n"]
                assert counter == {"N": "2"}
        finally:
            wiring.override(None)


# A transaction on a region's change count (`STATS`/`REGION#<id>`) refuses other writes to it


class ConflictFirst:
    """Answers the first `times` calls of an operation as DynamoDB does while another
    transaction writes one of its items; later calls go through."""

    def __init__(self, times: int, error: dict[str, Any]) -> None:
        self.times, self.error, self.refused = times, error, 0

    def __call__(self, **_: Any) -> tuple[Any, dict[str, Any]] | None:
        if self.refused == self.times:
            return None
        self.refused += 1
        meta = {"HTTPStatusCode": 400}
        return SimpleNamespace(status_code=400), {**self.error, "ResponseMetadata": meta}


def test_writes_refused_for_a_transaction_in_progress_are_tried_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """botocore does not retry a TransactionConflict; the adapter does, after a short pause."""
    cancelled = ConflictFirst(2, {
        "Error": {"Code": "TransactionCanceledException", "Message": "conflict"},
        "CancellationReasons": [{"Code": "None"}] * 3 + [{"Code": "TransactionConflict"}],
    })  # fmt: skip
    refused = ConflictFirst(1, {"Error": {"Code": "TransactionConflictException"}})
    pauses: list[float] = []
    with moto_table(monkeypatch) as dynamodb:
        storage = DynamoStorage(dynamodb, "toewijzing-faults", sleep=pauses.append)
        svc = services_on(storage)
        svc.regions.put_region("VO2001", RegionIn.model_validate(REGION))
        dynamodb.meta.events.register("before-call.dynamodb.TransactWriteItems", cancelled)
        dynamodb.meta.events.register("before-call.dynamodb.UpdateItem", refused)
        svc.statistics.storage.touch_statistics("VO2001")  # refused once, then counted
        body = DecisionRequest.model_validate(request_body())
        made, replayed = svc.decisions.create_decision("VO2001", body, "conflict-1")
        assert not replayed and (cancelled.refused, refused.refused, len(pauses)) == (2, 1, 3)
        assert [len(items(dynamodb, p)) for p in ("IDEMPOTENCY#", "DECISION#")] == [1, 1]
        assert items(dynamodb, "REGION#VO2001")[0]["n"] == {"N": "2"}  # PK STATS
        assert made.volgnummer == "VO2001-2017-000001"


def test_a_write_still_refused_after_the_retries_is_a_503() -> None:
    tries: list[int] = []

    def refused() -> None:
        tries.append(1)
        raise TransactionConflictError("TransactionConflictException")

    with pytest.raises(StorageUnavailableError):
        conflicts_retried(refused, sleep=lambda _: None)
    assert len(tries) == CONFLICT_ATTEMPTS

"""Batches on the AWS adapters: the real API and worker Lambda handlers against moto's DynamoDB,
S3 and SQS. The queue is drained the way the Lambda service does it: receive up to five
messages (the worker's batch size), invoke `batch_worker` with them as an SQS event, delete the
records the partial batch response does not name, and let the named ones come back."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from chalice.test import Client
from moto import mock_aws

from app import app
from chalicelib import wiring
from chalicelib.config import BATCH_QUEUE_NAME, Settings
from chalicelib.errors import ServiceUnavailableError
from chalicelib.services import Services
from chalicelib.services.batches import formats
from chalicelib.services.batches.pipeline import Batches
from chalicelib.storage.dynamodb import DynamoStorage
from chalicelib.storage.schema import ensure_table
from chalicelib.storage.transport import S3BlobStore, SqsQueue
from tests.api.conftest import ADMIN, Api
from tests.api.test_batches import as_csv, cohort
from tests.contract.conftest import fake_credentials

ROOT = Path(__file__).resolve().parents[2]
TABLE = "toewijzing-test"
BUCKET = "toewijzing-batches-test"
BATCH_SIZE = 5  # app.py: @app.on_sqs_message(..., batch_size=5)


@dataclass
class Stack:
    api: Api
    client: Client
    batches: Batches
    s3: Any
    sqs: Any
    queue_url: str

    def deliver(self) -> tuple[list[dict[str, Any]], dict[str, Any]] | None:
        """One invocation of the worker handler with what the queue hands out (None: empty):
        the SQS messages and the handler's partial batch response."""
        received = self.sqs.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=BATCH_SIZE
        ).get("Messages", [])
        if not received:
            return None
        event = self.client.events.generate_sqs_event(
            message_bodies=[m["Body"] for m in received], queue_name=BATCH_QUEUE_NAME
        )
        for record, message in zip(event["Records"], received, strict=True):
            record["messageId"] = message["MessageId"]  # chalice's generator repeats one id
            record["receiptHandle"] = message["ReceiptHandle"]
        response: dict[str, Any] = self.client.lambda_.invoke("batch_worker", event).payload
        failed = {f["itemIdentifier"] for f in response["batchItemFailures"]}
        for message in received:
            if message["MessageId"] in failed:  # visible again at once, as after a timeout
                self.sqs.change_message_visibility(
                    QueueUrl=self.queue_url,
                    ReceiptHandle=message["ReceiptHandle"],
                    VisibilityTimeout=0,
                )
            else:
                self.sqs.delete_message(
                    QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"]
                )
        return received, response

    def drain(self, max_rounds: int = 200) -> list[dict[str, Any]]:
        """Deliver messages to the worker handler until the queue is empty; the responses."""
        responses = []
        for _ in range(max_rounds):
            delivered = self.deliver()
            if delivered is None:
                return responses
            responses.append(delivered[1])
        raise AssertionError(f"the queue was not empty after {max_rounds} rounds")

    def objects(self) -> list[str]:
        listed = self.s3.list_objects_v2(Bucket=BUCKET)
        return [o["Key"] for o in listed.get("Contents", [])]


@pytest.fixture
def stack(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    fake_credentials(monkeypatch)
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="eu-west-1")
        ensure_table(dynamodb, TABLE)
        s3 = boto3.client("s3", region_name="eu-west-1")
        s3.create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
        )
        sqs = boto3.client("sqs", region_name="eu-west-1")
        queue_url = sqs.create_queue(QueueName=BATCH_QUEUE_NAME)["QueueUrl"]
        settings = Settings(
            stage="test",
            table_name=TABLE,
            storage="dynamodb",
            admin_token=ADMIN,
            bucket=BUCKET,
            queue_url=queue_url,
            pseudonym_key="test-pseudonym-key",
        )
        now = dt.datetime(2017, 3, 1, 12, tzinfo=dt.UTC)
        services = Services(DynamoStorage(dynamodb, TABLE), settings, lambda: now, wiring.new_id)
        batches = wiring.build_batches(services)  # S3 and SQS, as in the Lambda functions
        assert isinstance(batches.blobs, S3BlobStore)
        assert isinstance(batches.queue, SqsQueue)
        batches.chunk_rows = 3  # several chunks, so several worker invocations
        wiring.override(services, batches)
        try:
            with Client(app, stage_name="test", project_dir=str(ROOT)) as client:
                api = Api(client, services, [now])
                api.region()
                yield Stack(api, client, batches, s3, sqs, queue_url)
        finally:
            wiring.override(None)


def dossiers(n: int) -> list[dict[str, Any]]:
    rows = []
    for i in range(n):
        dossier = cohort()[i % 4]
        dossier["student"]["ref"] = f"ll-aws-{i:03d}"
        rows.append(dossier)
    return rows


def submit_csv(stack: Stack, rows: list[dict[str, Any]]) -> dict[str, Any]:
    status, accepted, _ = stack.api.call(
        "POST", "/v1/regions/VO2001/batches", as_csv(rows), headers={"Content-Type": "text/csv"}
    )
    assert status == 202, accepted
    return accepted  # type: ignore[no-any-return]


def assert_decided_once(stack: Stack, accepted: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    status, body, _ = stack.api.call("GET", accepted["status_url"])
    assert status == 200
    assert body["status"] == "completed"
    assert body["counts"]["total"] == len(rows) and body["counts"]["pending"] == 0
    assert sum(body["counts"]["decided"].values()) == len(rows)
    _, page, _ = stack.api.call("GET", f"{accepted['results_url']}?limit=1000")
    assert page["next"] is None
    assert [r["row"] for r in page["items"]] == list(range(1, len(rows) + 1))
    assert all(r["status"] == "decided" for r in page["items"])
    for dossier, result in zip(rows, page["items"], strict=True):
        ref = dossier["student"]["ref"]
        assert result["student_ref"] == ref
        _, listed, _ = stack.api.call("GET", f"/v1/regions/VO2001/decisions?student_ref={ref}")
        assert [d["decision_id"] for d in listed["items"]] == [result["decision_id"]]


def test_a_csv_batch_goes_through_s3_and_sqs_to_the_worker_handler(stack: Stack) -> None:
    rows = dossiers(10)
    accepted = submit_csv(stack, rows)
    [body_key] = stack.objects()
    assert body_key == f"batches/VO2001/{accepted['batch_id']}"
    _, status, _ = stack.api.call("GET", accepted["status_url"])
    assert status["status"] == "accepted"

    responses = stack.drain()

    assert all(r == {"batchItemFailures": []} for r in responses)
    assert stack.objects() == []  # the body is deleted once split
    assert_decided_once(stack, accepted, rows)
    attributes = stack.sqs.get_queue_attributes(
        QueueUrl=stack.queue_url, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "0"


def test_a_failing_record_is_reported_alone_and_comes_back(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = dossiers(10)  # chunks of 3: rows 1-3, 4-6, 7-9, 10
    accepted = submit_csv(stack, rows)
    process = stack.batches.process_chunk
    failures = {1: 2}  # chunk -> how many deliveries fail (throttled before its summary)

    def flaky(message: dict[str, Any]) -> None:
        if failures.get(message["chunk"], 0) > 0:
            failures[message["chunk"]] -= 1
            region, batch = message["region_id"], message["batch_id"]
            stack.batches._decide_row(region, batch, message["rows"][0])  # one row done, then
            raise ServiceUnavailableError("ProvisionedThroughputExceededException")
        process(message)

    monkeypatch.setattr(stack.batches, "process_chunk", flaky)
    assert stack.deliver() is not None  # the split message: four chunk messages queued
    delivered = stack.deliver()
    assert delivered is not None
    received, response = delivered

    assert len(received) == 4
    failing = [m["MessageId"] for m in received if json.loads(m["Body"])["chunk"] == 1]
    assert response == {"batchItemFailures": [{"itemIdentifier": failing[0]}]}
    _, status, _ = stack.api.call("GET", accepted["status_url"])
    assert status["status"] == "processing"
    assert status["counts"]["pending"] == 3  # chunk 1 (rows 4-6) has no summary yet

    responses = stack.drain()  # fails once more, then succeeds

    assert [len(r["batchItemFailures"]) for r in responses] == [1, 0]
    assert failures == {1: 0}
    assert_decided_once(stack, accepted, rows)


def test_a_large_body_comes_in_through_a_presigned_upload(stack: Stack) -> None:
    status, upload, _ = stack.api.call("POST", "/v1/regions/VO2001/batches/uploads?format=text/csv")
    assert status == 201, upload
    # a presigned POST: S3 checks the policy, the size among it (issue 16.5)
    assert upload["method"] == "POST" and upload["max_bytes"] == formats.MAX_UPLOAD_BYTES
    key = f"uploads/VO2001/{upload['upload_id']}"
    fields = upload["fields"]
    assert BUCKET in upload["upload_url"] and fields["key"] == key
    assert fields["Content-Type"] == "text/csv"
    assert "signature" in fields or "x-amz-signature" in fields
    policy = json.loads(base64.b64decode(fields["policy"]))
    assert ["content-length-range", 1, formats.MAX_UPLOAD_BYTES] in policy["conditions"]
    assert {"Content-Type": "text/csv"} in policy["conditions"]
    rows = dossiers(7)
    # moto intercepts botocore, not HTTP from other clients: put the object at the URL's key.
    stack.s3.put_object(Bucket=BUCKET, Key=key, Body=as_csv(rows).encode(), ContentType="text/csv")

    status, accepted, _ = stack.api.call(
        "POST", f"/v1/regions/VO2001/batches?upload_id={upload['upload_id']}&format=text/csv"
    )
    assert status == 202, accepted
    stack.drain()

    assert stack.objects() == []  # the upload is deleted once split
    assert_decided_once(stack, accepted, rows)


def test_an_upload_is_checked_by_its_size_before_it_is_read(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On S3 (moto): an upload_id never uploaded is a 400 at once; one over the limit a 413,
    and the object is deleted (issue 17.2, 16.5)."""
    query = "/v1/regions/VO2001/batches?upload_id=0123456789abcdef0123456789abcdef&format=text/csv"
    status, error, _ = stack.api.call("POST", query)
    assert status == 400 and error["error"]["details"][0]["path"] == "?upload_id"
    key = "uploads/VO2001/0123456789abcdef0123456789abcdef"
    stack.s3.put_object(Bucket=BUCKET, Key=key, Body=as_csv(dossiers(3)).encode())
    monkeypatch.setattr(formats, "MAX_UPLOAD_BYTES", 100)
    status, error, _ = stack.api.call("POST", query)
    assert status == 413, error
    assert stack.objects() == []


def test_an_uploaded_zip_is_read_from_s3_a_member_at_a_time(stack: Stack) -> None:
    """An S3 body cannot seek: the archive is copied to a temporary file, never to memory,
    and split as from a directory; a member that cannot be read is rejected alone."""
    corpus = Path(__file__).resolve().parents[1] / "fuzz" / "corpus"
    key = "uploads/VO2001/0123456789abcdef0123456789abcdef"
    body = (corpus / "batch-zip-unknown-method.zip").read_bytes()
    stack.s3.put_object(Bucket=BUCKET, Key=key, Body=body)
    query = ("/v1/regions/VO2001/batches?upload_id=0123456789abcdef0123456789abcdef"
             "&format=application/zip&arrangement=lwoo&date=2016-03-01")  # fmt: skip
    status, accepted, _ = stack.api.call("POST", query)
    assert status == 202, accepted
    stack.drain()
    _, page, _ = stack.api.call("GET", accepted["results_url"])
    assert [(r["row"], r["status"]) for r in page["items"]] == [(1, "decided"), (2, "rejected")]
    assert page["items"][1]["errors"][0]["code"] == "zip_member"
    assert stack.objects() == []

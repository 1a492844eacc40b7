"""Nothing lost on AWS (moto): a message SQS loses delays a batch, the sweeper queues the work
again, and every row is decided exactly once; a submission whose message cannot be sent is a
503 that leaves no batch behind to be picked up later; S3 and SQS trouble is a 503 with
Retry-After, after botocore's standard retries."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from chalicelib import wiring
from chalicelib.services.batches.sweeper import STALL_SECONDS, Sweeper
from tests.api.test_batches import as_csv
from tests.aws.test_batch_handlers import (
    Stack,
    assert_decided_once,
    dossiers,
    submit_csv,
)

ACCEPTED_AT = dt.datetime(2017, 3, 1, 12, tzinfo=dt.UTC)  # the stack's clock


def deliver_dropping_first_copies(stack: Stack, seen: set[str]) -> int:
    """Receive everything; a message body never seen before is lost (deleted unhandled), one
    seen before goes to the worker handler. How many were lost."""
    lost = 0
    while True:
        received = stack.sqs.receive_message(QueueUrl=stack.queue_url, MaxNumberOfMessages=10)
        messages = received.get("Messages", [])
        if not messages:
            return lost
        for message in messages:
            if message["Body"] not in seen:
                seen.add(message["Body"])
                lost += 1
                stack.sqs.delete_message(
                    QueueUrl=stack.queue_url, ReceiptHandle=message["ReceiptHandle"]
                )
                continue
            stack.batches.handle(json.loads(message["Body"]))
            stack.sqs.delete_message(
                QueueUrl=stack.queue_url, ReceiptHandle=message["ReceiptHandle"]
            )


def batch_status(stack: Stack, accepted: dict[str, Any]) -> dict[str, Any]:
    status, body, _ = stack.api.call("GET", accepted["status_url"])
    assert status == 200
    return body  # type: ignore[no-any-return]


def test_every_message_lost_once_then_the_sweeper_completes_the_batch_exactly_once(
    stack: Stack,
) -> None:
    # GIVEN a batch of 10 rows in 4 chunks, and a queue that loses every message once
    rows = dossiers(10)
    accepted = submit_csv(stack, rows)
    seen: set[str] = set()
    lost = deliver_dropping_first_copies(stack, seen)
    assert lost == 1 and batch_status(stack, accepted)["status"] == "accepted"

    # WHEN the sweeper runs every 5 minutes for a while, the queue drained between its rounds
    sweeps = []
    for round_ in range(1, 40):
        now = ACCEPTED_AT + dt.timedelta(minutes=5 * round_)
        sweeps.append(Sweeper(stack.batches, clock=lambda now=now: now).sweep())
        lost += deliver_dropping_first_copies(stack, seen)
        if batch_status(stack, accepted)["status"] == "completed":
            break

    # THEN the batch completed: each row decided once, no decision twice, the body deleted
    assert_decided_once(stack, accepted, rows)
    assert lost == 1 + 4 + 1  # the split, 4 chunks, the message asking for the 4 again
    requeued = sum(s["requeued"] for s in sweeps)
    assert requeued == 3  # the split, the missing chunks (lost), the missing chunks again
    stalled_rounds = STALL_SECONDS // 300
    assert len(sweeps) <= 4 * (stalled_rounds + 1)
    assert stack.objects() == []
    # and a sweep afterwards has nothing to do
    later = ACCEPTED_AT + dt.timedelta(days=1)
    assert Sweeper(stack.batches, clock=lambda: later).sweep() == {
        "requeued": 0,
        "finished": 0,
        "moving": 0,
    }


def test_a_batch_that_keeps_moving_is_left_alone(stack: Stack) -> None:
    rows = dossiers(4)
    accepted = submit_csv(stack, rows)
    sweeper = Sweeper(stack.batches, clock=lambda: ACCEPTED_AT + dt.timedelta(minutes=5))
    assert sweeper.sweep() == {"requeued": 0, "finished": 0, "moving": 1}  # queued 5 min ago
    stack.drain()
    assert batch_status(stack, accepted)["status"] == "completed"
    assert sweeper.sweep()["requeued"] == 0


def failing_sends(stack: Stack, fail: int) -> list[int]:
    """SQS answers the next `fail` SendMessageBatch calls with every entry Failed."""
    client = stack.batches.queue.client  # type: ignore[union-attr]
    real = client.send_message_batch
    calls: list[int] = []

    def send(**kwargs: Any) -> dict[str, Any]:
        calls.append(len(kwargs["Entries"]))
        if len(calls) <= fail:
            return {
                "Successful": [],
                "Failed": [
                    {"Id": e["Id"], "SenderFault": False, "Code": "InternalError"}
                    for e in kwargs["Entries"]
                ],
            }
        return real(**kwargs)  # type: ignore[no-any-return]

    client.send_message_batch = send
    return calls


def test_failed_sends_are_retried_with_growing_pauses(stack: Stack) -> None:
    pauses: list[float] = []
    stack.batches.queue._sleep = pauses.append  # type: ignore[union-attr]
    calls = failing_sends(stack, fail=3)
    rows = dossiers(4)
    accepted = submit_csv(stack, rows)
    assert calls == [1, 1, 1, 1]
    assert len(pauses) == 3 and pauses[0] <= pauses[2]
    stack.drain()
    assert_decided_once(stack, accepted, rows)


def test_a_message_that_cannot_be_sent_is_a_503_and_leaves_no_queued_batch(
    stack: Stack,
) -> None:
    stack.batches.queue._sleep = lambda _: None  # type: ignore[union-attr]
    calls = failing_sends(stack, fail=10**6)
    status, body, headers = stack.api.call(
        "POST",
        "/v1/regions/VO2001/batches",
        as_csv(dossiers(4)),
        headers={"Content-Type": "text/csv"},
    )
    assert status == 503, body
    assert body["error"]["code"] == "service_unavailable"
    assert headers.get("Retry-After")
    assert len(calls) == 5
    assert stack.objects() == []  # the body is gone
    [record] = stack.batches.storage.list_batches("VO2001")
    assert record["status"] == "failed"  # never swept, never decided
    later = ACCEPTED_AT + dt.timedelta(hours=2)
    assert Sweeper(stack.batches, clock=lambda: later).sweep()["requeued"] == 0


def throttled(code: str, status: int) -> ClientError:
    return ClientError(
        {
            "Error": {"Code": code, "Message": "slow down"},
            "ResponseMetadata": {"HTTPStatusCode": status},
        },
        "operation",
    )


@pytest.mark.parametrize(
    ("service", "code", "status"),
    [
        ("s3", "SlowDown", 503),
        ("sqs", "RequestThrottled", 403),
        ("sqs", "AWS.SimpleQueueService.RequestThrottled", 403),
        ("sqs", "InternalError", 500),
    ],
)
def test_s3_and_sqs_throttling_is_a_503_with_retry_after(
    stack: Stack, service: str, code: str, status: int
) -> None:
    def refuse(**_: Any) -> Any:
        raise throttled(code, status)

    if service == "s3":
        stack.batches.blobs.client.put_object = refuse  # type: ignore[attr-defined]
    else:
        stack.batches.queue.client.send_message_batch = refuse  # type: ignore[union-attr]
    answer, body, headers = stack.api.call(
        "POST",
        "/v1/regions/VO2001/batches",
        as_csv(dossiers(2)),
        headers={"Content-Type": "text/csv"},
    )
    assert answer == 503, body
    assert headers.get("Retry-After")


@pytest.mark.parametrize("service", ["s3", "sqs", "dynamodb"])
def test_every_aws_client_retries_in_standard_mode(service: str, stack: Stack) -> None:
    client = wiring.aws_client(service)
    assert client.meta.config.retries["mode"] == "standard"
    assert client.meta.config.retries["total_max_attempts"] == 3

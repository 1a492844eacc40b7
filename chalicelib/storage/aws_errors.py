"""AWS errors as storage errors, for every AWS adapter (DynamoDB, S3, SQS): one translation.

botocore retries throttling and 5xx answers itself (wiring.py sets how often); what is still
failing after that is an outage, `StorageUnavailableError` (a 503 with Retry-After, by class),
and a lost conditional write is `AlreadyExistsError`. Anything else is raised as it came.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.errors import (
    AlreadyExistsError,
    StorageUnavailableError,
    TransactionConflictError,
)

UNAVAILABLE = frozenset(
    {
        "ProvisionedThroughputExceededException",  # DynamoDB
        "ThrottlingException",  # DynamoDB, SQS
        "RequestLimitExceeded",  # DynamoDB
        "InternalServerError",  # DynamoDB
        "ServiceUnavailable",  # DynamoDB, S3
        "SlowDown",  # S3: too many requests to a prefix
        "InternalError",  # S3, SQS
        "InternalFailure",  # SQS
        "RequestThrottled",  # SQS
        "AWS.SimpleQueueService.RequestThrottled",  # SQS (query protocol)
        "KmsThrottled",  # SQS with SSE-KMS
        "Throttling",  # SQS (query protocol)
        "RequestTimeout",  # S3
    }
)
# Whatever the code, an answer with one of these statuses is the service's trouble, not ours.
UNAVAILABLE_STATUS = frozenset({429, 500, 502, 503, 504})


@contextmanager
def translated_errors() -> Iterator[None]:
    """boto3 errors become storage errors (`raise ... from`), as in Powertools."""
    try:
        yield
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code == "ConditionalCheckFailedException":
            raise AlreadyExistsError(code) from exc
        if code == "TransactionConflictException":  # botocore does not retry it
            raise TransactionConflictError(code) from exc
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in UNAVAILABLE or status in UNAVAILABLE_STATUS:
            raise StorageUnavailableError(code or str(status)) from exc
        raise
    except BotoCoreError as exc:  # connection refused, timeouts, after botocore's retries
        raise StorageUnavailableError(type(exc).__name__) from exc

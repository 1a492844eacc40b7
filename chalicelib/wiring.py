"""The composition root: builds the services once, lazily, from the environment.

Nothing here runs at import: moto must start its mocks before a boto3 client exists, and a
Lambda cold start should pay for boto3 only when a route needs the database. Tests call
`override()` to put in their own services.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path

from chalicelib import logs
from chalicelib.batch.pipeline import Batches
from chalicelib.batch.transport import (
    BlobStore,
    DirectoryBlobStore,
    InProcessQueue,
    Queue,
    S3BlobStore,
    SqsQueue,
)
from chalicelib.config import Settings
from chalicelib.errors import ServiceUnavailableError
from chalicelib.services import Services
from chalicelib.storage.memory import MemoryStorage
from chalicelib.storage.ports import Storage

_services: Services | None = None
_batches: Batches | None = None


def configure_logging() -> None:
    """JSON log lines on stdout (chalicelib/logs.py); level from TOEWIJZING_LOG_LEVEL."""
    logs.configure(os.environ)


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def new_id() -> str:
    return uuid.uuid4().hex


def dynamodb_storage(settings: Settings) -> Storage:
    import boto3  # imported here: boto3 costs ~150 ms of cold start
    from botocore.config import Config

    from chalicelib.storage.dynamodb import DynamoStorage

    config = Config(
        # 3 attempts in all, with standard backoff: a throttled or unreachable table gives up
        # (a 503 with Retry-After) well within API Gateway's 29 s
        retries={"mode": "standard", "total_max_attempts": 3},
        connect_timeout=2,
        read_timeout=4,
    )
    return DynamoStorage(boto3.client("dynamodb", config=config), settings.table_name)


def build(settings: Settings) -> Services:
    storage = MemoryStorage() if settings.storage == "memory" else dynamodb_storage(settings)
    return Services(storage, settings, utc_now, new_id)


def services() -> Services:
    global _services
    if _services is None:
        _services = build(Settings.from_env(os.environ))
    return _services


def pseudonym_secret(settings: Settings) -> Callable[[str], bytes]:
    """Each region's own key for student refs made from OSO dossiers (HMAC), derived from the
    deployment's key: the same student gets unrelated refs in two regions."""

    def secret(region_id: str) -> bytes:
        if settings.pseudonym_key is None:
            raise ServiceUnavailableError("OSO imports need TOEWIJZING_PSEUDONYM_KEY to be set.")
        key = settings.pseudonym_key.encode()
        return hmac.new(key, region_id.encode(), hashlib.sha256).digest()

    return secret


def build_batches(services: Services) -> Batches:
    settings = services.settings
    blobs: BlobStore
    if settings.bucket:
        import boto3

        blobs = S3BlobStore(boto3.client("s3"), settings.bucket)
    else:
        root = Path(settings.blob_dir or tempfile.mkdtemp(prefix="toewijzing-blobs-"))
        blobs = DirectoryBlobStore(root)
    batches = Batches(services, blobs, None, pseudonym_secret(settings))
    queue: Queue
    if settings.queue_url:
        import boto3

        queue = SqsQueue(boto3.client("sqs"), settings.queue_url)
    else:
        queue = InProcessQueue(batches.handle, background=settings.stage == "local")
    batches.queue = queue
    return batches


def batches() -> Batches:
    global _batches
    if _batches is None:
        _batches = build_batches(services())
    return _batches


def override(replacement: Services | None, batch: Batches | None = None) -> None:
    """Use these services (tests); None goes back to building them from the environment."""
    global _services, _batches
    _services = replacement
    _batches = batch

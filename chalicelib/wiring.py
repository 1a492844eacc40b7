"""The composition root: builds the adapters and the services once, lazily, on first use.

Only this module builds adapters (DynamoDB, memory, S3, SQS, a directory, the in-process queue;
`tests/unit/test_layering.py` checks it); everything else gets them as constructor arguments.

Why lazily: on Lambda, `import app` is cold-start time, paid before the first request of every
new container. So `import app` loads only chalice, the route table and the thin HTTP layer
(`chalicelib/web/http.py`, `errors.py`, `documents.py`, `logs.py`, `config.py`); the capabilities
(the services, the domain, the pydantic models, storage, boto3, batches, OpenAPI) are imported
on first use, and a request loads only what it needs. The pattern, used everywhere:

- route modules import at the top only chalice, `chalicelib.web.http` and
  `chalicelib.web.routes.common`; each handler imports its models and use cases in its own
  body, and annotations that need them import under `if TYPE_CHECKING:`;
- `services()` and `batches()` below import and build on the first call, and keep the result.

`tests/unit/test_cold_start.py` checks in a fresh interpreter that `import app` loads none of the
heavy modules. Nothing here runs at import either because moto must start its mocks before a
boto3 client exists. Tests call `override()` to put in their own services.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from chalicelib import logs
from chalicelib.config import Settings
from chalicelib.errors import ServiceUnavailableError
from chalicelib.messages import msg

if TYPE_CHECKING:
    from chalicelib.services import Services
    from chalicelib.services.batches.pipeline import Batches
    from chalicelib.storage.ports import Storage

_services: Services | None = None
_batches: Batches | None = None


def configure_logging() -> None:
    """JSON log lines on stdout (chalicelib/logs.py); level from TOEWIJZING_LOG_LEVEL."""
    logs.configure(os.environ)


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def new_id() -> str:
    import uuid

    return uuid.uuid4().hex


def client_config(**changes: object) -> Any:
    """botocore's configuration for every AWS client we build: standard retry mode
    (exponential backoff with jitter on throttling, 5xx and connection errors), 3 attempts in
    all, short timeouts: a throttled or unreachable service gives up (a 503 with Retry-After)
    well within API Gateway's 29 s."""
    from botocore.config import Config

    settings: dict[str, Any] = {
        "retries": {"mode": "standard", "total_max_attempts": 3},
        "connect_timeout": 2,
        "read_timeout": 4,
        **changes,
    }
    return Config(**settings)


def aws_client(service: str, **changes: object) -> Any:
    import boto3  # imported here: boto3 costs ~150 ms of cold start

    return boto3.client(service, config=client_config(**changes))  # type: ignore[call-overload]


def dynamodb_storage(settings: Settings) -> Storage:
    from chalicelib.storage.dynamodb import DynamoStorage
    from chalicelib.storage.metering import watch

    # The adapter builds every request itself, and DynamoDB validates them again; botocore's
    # own check of each parameter costs about a quarter of a batch chunk's client CPU.
    client = watch(aws_client("dynamodb", parameter_validation=False))
    return DynamoStorage(client, settings.table_name, transactions=settings.transactions)


def build(settings: Settings) -> Services:
    from chalicelib.services import Services
    from chalicelib.storage.memory import MemoryStorage
    from chalicelib.storage.read_cache import ReadCache

    storage: Storage = MemoryStorage()
    if settings.storage != "memory":
        # tokens, regions, opt-outs, criteria kept up to 30 s in the container (read_cache.py)
        storage = cast("Storage", ReadCache(dynamodb_storage(settings)))
    return Services(storage, settings, utc_now, new_id)


def offline_services(today: dt.date) -> Services:
    """Services on an empty in-memory store whose clock stands still on `today` (the command
    line's offline checks)."""
    from chalicelib.services import Services
    from chalicelib.storage.memory import MemoryStorage

    settings = Settings(stage="cli", table_name="none", storage="memory", admin_token=None)
    clock = dt.datetime.combine(today, dt.time())
    return Services(MemoryStorage(), settings, lambda: clock, lambda: "0" * 32)


def services() -> Services:
    """The services, built on the first call (storage from the environment), then kept."""
    global _services
    if _services is None:
        _services = build(Settings.from_env(os.environ))
        settle_garbage_collector()
    return _services


GC_THRESHOLDS = (10_000, 10, 10)  # CPython 3.11's default: (700, 10, 10)


def settle_garbage_collector() -> None:
    """Tune Python's cycle collector once the capabilities are loaded (the first request).

    A batch chunk holds a few hundred decisions, about a hundred dicts each, while it writes
    them. With the default thresholds the collector walked those, and every module, pydantic
    schema and botocore model loaded, again and again: half the worker's CPU time (README
    "Benchmarks", the batch). What is loaded now lives as long as the process, so `freeze`
    takes it out of the collector's sight; and a first threshold of 10,000 allocations lets
    short-lived objects die by reference counting, as nearly all of ours do (our documents
    hold no cycles), before a collection looks at them. Garbage existing at this moment would
    be frozen too; there is none to speak of (a full collection right after the first build
    found no unreachable object among the 34,000 tracked on memory, 81,000 with boto3), so the
    cold start pays for no collection here.
    """
    import gc

    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def pseudonym_secret(settings: Settings) -> Callable[[str], bytes]:
    """Each region's own key for student refs made from OSO dossiers (HMAC), derived from the
    deployment's key: the same student gets unrelated refs in two regions."""
    import hashlib
    import hmac

    def secret(region_id: str) -> bytes:
        if settings.pseudonym_key is None:
            raise ServiceUnavailableError(msg("error.no_pseudonym_key"))
        key = settings.pseudonym_key.encode()
        return hmac.new(key, region_id.encode(), hashlib.sha256).digest()

    return secret


def build_batches(services: Services) -> Batches:
    import tempfile

    from chalicelib.services.batches.pipeline import Batches
    from chalicelib.storage.metering import watch
    from chalicelib.storage.transport import (
        BlobStore,
        DirectoryBlobStore,
        InProcessQueue,
        Queue,
        S3BlobStore,
        SqsQueue,
    )

    settings = services.settings
    blobs: BlobStore
    if settings.bucket:
        blobs = S3BlobStore(watch(aws_client("s3")), settings.bucket)
    else:
        root = Path(settings.blob_dir or tempfile.mkdtemp(prefix="toewijzing-blobs-"))
        blobs = DirectoryBlobStore(root)
    batches = Batches(services, blobs, None, pseudonym_secret(settings))
    queue: Queue
    if settings.queue_url:
        queue = SqsQueue(watch(aws_client("sqs")), settings.queue_url)
    else:
        queue = InProcessQueue(batches.handle, background=settings.stage == "local")
    batches.queue = queue
    return batches


def batches() -> Batches:
    """The batch pipeline (blob store, queue), built on the first call, then kept."""
    global _batches
    if _batches is None:
        _batches = build_batches(services())
    return _batches


def override(replacement: Services | None, batch: Batches | None = None) -> None:
    """Use these services (tests); None goes back to building them from the environment."""
    global _services, _batches
    _services = replacement
    _batches = batch


SWEEP_SECONDS = "TOEWIJZING_SWEEP_SECONDS"  # set by scripts/run_local.py
LOCAL_STALL_SECONDS = 60.0


def start_local_sweeper() -> None:
    """With `make run` (TOEWIJZING_SWEEP_SECONDS set), the batch sweeper on a thread of the
    server. First at once: the work of every open batch is queued again (the in-process queue
    of the last run died with it, and so did its chunk leases, which are broken). Then every
    so many seconds, for batches stalled for a minute (a message the in-process queue gave up
    on). Nowhere else: Lambda has `app.batch_sweeper` on a schedule."""
    every = os.environ.get(SWEEP_SECONDS, "")
    if not every:
        return
    import logging
    import threading
    import time

    def loop() -> None:
        from chalicelib.services.batches.sweeper import Sweeper

        started = utc_now()  # batches accepted before: their process (and leases) are gone
        stalled_after = 0.0  # the first round: nothing of the last run is still queued
        while True:
            try:
                Sweeper(batches()).sweep(stalled_after, orphaned_before=started)
                stalled_after = LOCAL_STALL_SECONDS
            except Exception:  # the database not up yet, or away: the next round retries
                logging.getLogger("toewijzing.sweeper").exception("sweep failed")
            time.sleep(float(every))

    threading.Thread(target=loop, name="batch-sweeper", daemon=True).start()

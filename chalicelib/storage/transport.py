"""Where batch bodies and messages go: ports with in-process and AWS (S3, SQS) adapters."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Protocol

Message = dict[str, Any]
Handler = Callable[[Message], None]


class BlobStore(Protocol):
    def put(self, key: str, data: bytes) -> None: ...

    @contextmanager
    def open(self, key: str) -> Iterator[IO[bytes]]:
        """A binary stream of the blob: read it in pieces, never whole."""
        yield  # type: ignore[misc]

    def delete(self, key: str) -> None: ...

    def size(self, key: str) -> int | None:
        """The blob's size in bytes, None when there is none: checked before it is read."""

    def upload_form(self, key: str, content_type: str, max_bytes: int) -> dict[str, Any] | None:
        """A presigned POST (`{"url", "fields"}`) for a large body of at most `max_bytes`,
        where the store has one."""


class Queue(Protocol):
    def send(self, messages: Iterable[Message]) -> None: ...


class DirectoryBlobStore:
    """Blobs as files under a directory (local runs and tests)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError(f"blob key {key!r} leaves the store")
        return path

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    @contextmanager
    def open(self, key: str) -> Iterator[IO[bytes]]:
        with self._path(key).open("rb") as stream:
            yield stream

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def size(self, key: str) -> int | None:
        path = self._path(key)
        return path.stat().st_size if path.is_file() else None

    def upload_form(self, key: str, content_type: str, max_bytes: int) -> dict[str, Any] | None:
        return None


def translated_errors() -> Any:
    """AWS errors as storage errors (`aws_errors.py`); imported on use, so that botocore is
    loaded only where S3 or SQS are (not at the API's import)."""
    from chalicelib.storage.aws_errors import translated_errors as translate

    return translate()


class S3BlobStore:
    """Blobs in an S3 bucket; large bodies come in through presigned POSTs."""

    def __init__(self, client: Any, bucket: str) -> None:
        self.client = client
        self.bucket = bucket

    def put(self, key: str, data: bytes) -> None:
        with translated_errors():
            self.client.put_object(Bucket=self.bucket, Key=key, Body=data)

    @contextmanager
    def open(self, key: str) -> Iterator[IO[bytes]]:
        with translated_errors():
            body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
        try:
            yield body
        finally:
            body.close()

    def delete(self, key: str) -> None:
        with translated_errors():
            self.client.delete_object(Bucket=self.bucket, Key=key)

    def size(self, key: str) -> int | None:
        from botocore.exceptions import ClientError

        try:
            with translated_errors():
                head = self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        return int(head["ContentLength"])

    def upload_form(self, key: str, content_type: str, max_bytes: int) -> dict[str, Any] | None:
        """S3 itself refuses a body over `max_bytes` (the policy's `content-length-range`),
        another key or another Content-Type; the form is good for 15 minutes."""
        form: dict[str, Any] = self.client.generate_presigned_post(
            Bucket=self.bucket,
            Key=key,
            Fields={"Content-Type": content_type},
            Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]],
            ExpiresIn=900,
        )
        return form


class SqsQueue:
    """Messages to the worker Lambda over SQS, ten to a request.

    A request that fails as a whole is retried by botocore (standard mode, backoff and
    jitter); entries that SQS reports `Failed` are sent again after a growing pause
    (`retrying.until_done`). What still fails is `StorageUnavailableError`: the caller
    (a submission: 503; a split: the message comes back) knows that not all were sent.
    """

    def __init__(
        self, client: Any, queue_url: str, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.client = client
        self.queue_url = queue_url
        self._sleep = sleep

    def send(self, messages: Iterable[Message]) -> None:
        batch: list[dict[str, str]] = []
        for message in messages:
            batch.append({"Id": str(len(batch)), "MessageBody": json.dumps(message)})
            if len(batch) == 10:
                self._flush(batch)
                batch = []
        if batch:
            self._flush(batch)

    def _flush(self, batch: list[dict[str, str]]) -> None:
        from chalicelib.storage.retrying import until_done

        def send(entries: list[dict[str, str]]) -> list[dict[str, str]]:
            with translated_errors():
                response = self.client.send_message_batch(QueueUrl=self.queue_url, Entries=entries)
            failed = {f["Id"] for f in response.get("Failed") or []}
            return [e for e in entries if e["Id"] in failed]

        until_done(send, batch, "SQS SendMessageBatch", self._sleep, attempts=5)


class InProcessQueue:
    """The worker in this process: at once (tests) or on background threads (`make run`).

    Like SQS, a message whose handling fails is delivered again, up to `max_receives` times
    (in the background after a doubling pause, as SQS waits out a visibility timeout); after
    that it is dropped and logged (SQS would move it to the dead-letter queue). In the
    background, `workers` messages are handled at once, as the worker Lambda runs several
    chunks at a time: while one thread decides a chunk, others wait on the database.
    """

    def __init__(
        self,
        handler: Handler,
        background: bool,
        max_receives: int = 5,
        workers: int = 4,
        pause: Callable[[float], None] = time.sleep,
    ) -> None:
        self.handler = handler
        self.max_receives = max_receives
        self._pool = ThreadPoolExecutor(max_workers=workers) if background else None
        self._pause = pause
        self.dead_letters: list[Message] = []
        self._lock = threading.Lock()

    def send(self, messages: Iterable[Message]) -> None:
        for message in list(messages):
            if self._pool is None:
                self._deliver(message)
            else:
                self._pool.submit(self._deliver, message)

    def _deliver(self, message: Message) -> None:
        for receive in range(self.max_receives):
            if receive and self._pool is not None:
                self._pause(0.1 * 2**receive)
            try:
                self.handler(json.loads(json.dumps(message)))  # as over the wire
                return
            except Exception:  # a failed delivery is retried, as SQS does
                continue
        with self._lock:
            self.dead_letters.append(message)

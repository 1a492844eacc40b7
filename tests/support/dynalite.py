"""dynalite (the local DynamoDB server) for tests: a free port, a temporary store, a clean stop.

    with Dynalite() as db:                  # or Dynalite(data_dir=tmp_path / "db")
        client = db.client()
        ensure_table(client, "toewijzing-test")
        ...
        db.restart()                        # same store, same port: the data is still there

Each instance runs in its own process group, which `stop()` (and leaving the `with`) kills.
If `node_modules/.bin/dynalite` is missing, starting fails with a message saying to run
`make install-node`.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Any

import boto3

from scripts.localdev import (
    HOST,
    StartError,
    dynalite_bin,
    free_port,
    start_dynalite,
    stop,
    wait_until_ready,
)

__all__ = ["REGION", "Dynalite", "StartError", "dynamodb_client", "fake_aws_environment"]

REGION = "eu-west-1"
FAKE_CREDENTIAL = "local"


def fake_aws_environment(endpoint: str) -> dict[str, str]:
    """Environment variables that point boto3 at endpoint with fake credentials."""
    return {
        "AWS_ENDPOINT_URL_DYNAMODB": endpoint,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": FAKE_CREDENTIAL,
        "AWS_SECRET_ACCESS_KEY": FAKE_CREDENTIAL,
    }


def dynamodb_client(endpoint: str, **kwargs: Any) -> Any:
    """A low-level boto3 DynamoDB client for a local server, with fake credentials."""
    return boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=FAKE_CREDENTIAL,
        aws_secret_access_key=FAKE_CREDENTIAL,
        **kwargs,
    )


class Dynalite:
    """One dynalite server. The store lives in data_dir, or in a temporary directory that is
    removed on close()."""

    def __init__(
        self, data_dir: Path | None = None, port: int | None = None, timeout: float = 30.0
    ) -> None:
        dynalite_bin()  # fail early and clearly when `make install-node` was not run
        self._temp_dir: Path | None = None
        if data_dir is None:
            self._temp_dir = Path(tempfile.mkdtemp(prefix="dynalite-"))
            data_dir = self._temp_dir / "data"
        self.data_dir = data_dir
        self.port = port if port is not None else free_port()
        self.timeout = timeout
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_path = self.data_dir.with_name(f"{self.data_dir.name}.dynalite.log")

    @property
    def endpoint(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        return None if self._proc is None else self._proc.pid

    def start(self) -> str:
        """Start the server and wait until it answers; returns the endpoint URL."""
        if self.running:
            return self.endpoint
        self._log_path.parent.mkdir(parents=True, exist_ok=True)
        with self._log_path.open("ab") as log:
            self._proc = start_dynalite(self.port, self.data_dir, log=log)
        try:
            wait_until_ready(self._proc, "dynalite", "dynamodb", self.endpoint, self.timeout)
        except StartError as exc:
            stop(self._proc)
            raise StartError(f"{exc}\n--- dynalite log ---\n{self.log()}") from exc
        return self.endpoint

    def stop(self) -> None:
        """Kill the server's process group and wait for it. Idempotent."""
        if self._proc is not None:
            stop(self._proc)

    def restart(self) -> str:
        """Stop, then start again on the same store and port."""
        self.stop()
        return self.start()

    def close(self) -> None:
        self.stop()
        if self._temp_dir is not None:
            shutil.rmtree(self._temp_dir, ignore_errors=True)

    def log(self) -> str:
        try:
            return self._log_path.read_text(encoding="utf-8", errors="replace")[-4000:]
        except FileNotFoundError:
            return ""

    def client(self, **kwargs: Any) -> Any:
        """A low-level boto3 DynamoDB client for this server, with fake credentials."""
        return dynamodb_client(self.endpoint, **kwargs)

    def __enter__(self) -> Dynalite:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

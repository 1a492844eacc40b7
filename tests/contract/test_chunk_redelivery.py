"""A chunk whose worker dies between its bulk writes comes back and is finished exactly once,
on every backend (memory, moto, dynalite), through the HTTP surface.

A first delivery reads nothing before it writes (its lease was never taken, so nothing of the
chunk can exist); the redelivery's lease was taken before, so it reads what the dead worker
wrote and writes only what is missing (chalicelib/services/batches/chunks.py, KEYS.md).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from chalice.test import Client

from app import app
from chalicelib import wiring
from chalicelib.config import Settings
from chalicelib.errors import StorageUnavailableError
from chalicelib.services import Services
from chalicelib.services.batches.chunks import row_decision_id
from chalicelib.services.batches.pipeline import Batches
from chalicelib.storage.dynamodb import DynamoStorage
from chalicelib.storage.ports import Storage
from chalicelib.storage.transport import DirectoryBlobStore, InProcessQueue
from tests.api.conftest import ADMIN, REGION
from tests.api.test_batches import cohort

ROOT = Path(__file__).resolve().parents[2]
HEALTH, DECISIONS = 1, 2  # the bulk write's rounds: health records, decisions, row results


def crash_after(storage: Storage, rounds: int) -> list[str]:
    """Make the first chunk's bulk write die after its first `rounds` rounds; returns the
    log of what each delivery did (`claim:first`, `read`, `crash`)."""
    log: list[str] = []
    real_rows, real_read = storage.put_chunk_rows, storage.row_results

    def row_results(*args: Any) -> dict[int, dict[str, Any]]:
        log.append("read")
        return real_read(*args)

    if isinstance(storage, DynamoStorage):
        real_write = storage._write_all
        written: list[int] = []

        def write_all(items: list[dict[str, Any]]) -> None:
            if "crash" not in log and len(written) == rounds:
                log.append("crash")
                raise StorageUnavailableError("the worker died")
            written.append(len(items))
            real_write(items)

        storage._write_all = write_all  # type: ignore[method-assign]
    else:  # the twin keeps a health record inside its decision: after it, or nothing at all

        def put_chunk_rows(region_id: str, batch_id: str, decisions: Any, results: Any) -> None:
            if "crash" not in log:
                log.append("crash")
                if rounds == DECISIONS:
                    real_rows(region_id, batch_id, decisions, {})
                raise StorageUnavailableError("the worker died")
            real_rows(region_id, batch_id, decisions, results)

        storage.put_chunk_rows = put_chunk_rows  # type: ignore[method-assign]
    storage.row_results = row_results  # type: ignore[method-assign]
    return log


@pytest.fixture
def client(storage: Storage, tmp_path: Path) -> Iterator[Client]:
    settings = Settings(stage="test", table_name="unused", storage="memory", admin_token=ADMIN)
    clock = dt.datetime(2017, 3, 1, 12, tzinfo=dt.UTC)
    services = Services(storage, settings, lambda: clock, wiring.new_id)
    batches = Batches(services, DirectoryBlobStore(tmp_path), None, lambda r: b"key-" + r.encode())
    batches.queue = InProcessQueue(batches.handle, background=False)
    wiring.override(services, batches)
    try:
        with Client(app, stage_name="test", project_dir=str(ROOT)) as test_client:
            call(test_client, "PUT", "/v1/regions/VO2001", REGION)
            yield test_client
    finally:
        wiring.override(None)


def call(client: Client, method: str, path: str, body: Any = None) -> Any:
    headers = {"Authorization": f"Bearer {ADMIN}", "Content-Type": "application/json"}
    raw = b"" if body is None else json.dumps(body)
    response = getattr(client.http, method.lower())(path, headers=headers, body=raw)
    assert response.status_code < 300, response.body
    return json.loads(response.body)


@pytest.mark.parametrize("rounds", [HEALTH, DECISIONS], ids=["after-health", "after-decisions"])
def test_a_chunk_redelivered_after_a_crash_between_its_writes_is_decided_once(
    client: Client, storage: Storage, rounds: int
) -> None:
    log = crash_after(storage, rounds)
    accepted = call(client, "POST", "/v1/regions/VO2001/batches", {"items": cohort()})
    status = call(client, "GET", accepted["status_url"])
    assert status["status"] == "completed"
    assert status["counts"]["decided"] == {"granted": 2, "refused": 1, "incomplete": 1}
    # the first delivery read nothing and died; the redelivery read, then finished
    assert log == ["crash", "read"]
    rows = call(client, "GET", accepted["results_url"])["items"]
    batch_id = accepted["batch_id"]
    assert [r["row"] for r in rows] == [1, 2, 3, 4]
    assert [r["decision_id"] for r in rows] == [
        row_decision_id("VO2001", batch_id, n) for n in (1, 2, 3, 4)
    ]
    stored = storage.get_decisions("VO2001", [r["decision_id"] for r in rows], dt.date(2017, 3, 1))
    for row in rows:  # each row's one decision, the number its result shows, its health data
        decision = stored[row["decision_id"]]
        assert decision.document["volgnummer"] == row["volgnummer"]
        assert decision.health is not None
    numbers = sorted(int(r["volgnummer"].rsplit("-", 1)[1]) for r in rows)
    # decisions stored before the crash are found and keep their numbers; numbers reserved
    # for decisions that never landed are a gap, never used twice
    assert numbers == ([1, 2, 3, 4] if rounds == DECISIONS else [5, 6, 7, 8])
    assert len(storage.list_region_decisions("VO2001")) == 4  # and no other decision

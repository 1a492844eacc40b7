"""Nothing lost on a crash of `make run`: the whole process group of scripts/run_local.py is
killed with SIGKILL in the middle of a 3,000-row CSV batch. Its servers die with it (nothing left
holding the ports or the data directory), the next start finds the batch's body under the data
directory and queues its work again, and the batch completes with every row decided exactly
once: 3,000 results, one decision per row, unique volgnummers."""

from __future__ import annotations

import json
import os
import signal
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from scripts.localdev import port_is_free
from tests.api.conftest import REGION
from tests.api.test_batches import as_csv, cohort
from tests.support.local_server import LocalServer, local_table_name, pid_alive

pytestmark = pytest.mark.dynalite
HEADERS = {"Authorization": "Bearer local-admin-token", "Content-Type": "application/json"}
ROWS = 3000


def call(server: LocalServer, method: str, path: str, body: bytes | None = None,
         content_type: str = "application/json") -> tuple[int, Any]:  # fmt: skip
    headers = {**HEADERS, "Content-Type": content_type}
    request = urllib.request.Request(server.url + path, body, headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def rows() -> str:
    dossiers = []
    for i in range(ROWS):
        dossier = cohort()[i % 4]
        dossier["student"]["ref"] = f"ll-crash-{i:05d}"
        dossiers.append(dossier)
    return as_csv(dossiers)


def status_of(server: LocalServer, url: str) -> dict[str, Any]:
    code, body = call(server, "GET", url)
    assert code == 200, body
    return body  # type: ignore[no-any-return]


def wait_for(server: LocalServer, url: str, done: Any, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = status_of(server, url)
        if done(status):
            return status
        time.sleep(0.2)
    raise AssertionError(f"not reached within {timeout:.0f} s: {status}\n{server.log()}")


def decided(status: dict[str, Any]) -> int:
    counts = status["counts"]
    return sum(counts["decided"].values()) + counts["rejected"]


def test_a_batch_completes_exactly_once_after_make_run_is_killed(tmp_path: Path) -> None:
    server = LocalServer(tmp_path / "dynalite")
    try:
        server.start()
        assert call(server, "PUT", "/v1/regions/VO2001", json.dumps(REGION).encode())[0] == 201
        # GIVEN a 3,000-row batch being decided
        code, accepted = call(server, "POST", "/v1/regions/VO2001/batches",
                              rows().encode(), "text/csv")  # fmt: skip
        assert code == 202, accepted
        url = accepted["status_url"]
        before = wait_for(server, url, lambda s: decided(s) >= 200, timeout=120)
        children, pid = list(server.children), server.pid
        assert pid is not None and len(children) == 2

        # WHEN the whole process group of `make run` is killed, as a crash or `kill -9` would
        os.killpg(pid, signal.SIGKILL)
        assert server._proc is not None
        server._proc.wait(10)

        # THEN its servers die with it: no process, the ports and the data directory free
        ports = (server.port, server.dynamodb_port)

        def gone() -> bool:
            return not any(pid_alive(c) for c in children) and all(map(port_is_free, ports))

        deadline = time.monotonic() + 10
        while not gone() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [c for c in children if pid_alive(c)], "a server outlived make run"
        assert all(map(port_is_free, ports)), "a port is still held"
        assert (tmp_path / "batches").is_dir()  # the bodies live beside the database

        # AND a new start picks the batch up again and completes it
        server.start()
        killed_at = status_of(server, url)
        assert killed_at["status"] != "completed", "the batch was done before the crash"
        assert killed_at["counts"]["pending"] > 0 and before["counts"]["pending"] > 0
        final = wait_for(server, url, lambda s: s["status"] == "completed", timeout=240)
        assert final["counts"]["total"] == ROWS and final["counts"]["pending"] == 0
        assert decided(final) == ROWS

        # every row has one result and one decision; no volgnummer twice
        results: list[dict[str, Any]] = []
        cursor = ""
        while True:
            page = status_of(server, f"{accepted['results_url']}?limit=1000{cursor}")
            results += page["items"]
            if page["next"] is None:
                break
            cursor = f"&cursor={page['next']}"
        assert [r["row"] for r in results] == list(range(1, ROWS + 1))
        assert all(r["status"] == "decided" for r in results)
        assert len({r["decision_id"] for r in results}) == ROWS
        assert len({r["volgnummer"] for r in results}) == ROWS
        assert len({r["student_ref"] for r in results}) == ROWS
        stored = stored_decisions(server)
        assert sorted(stored) == sorted(r["decision_id"] for r in results)  # none extra
        bodies = [p for p in (tmp_path / "batches").rglob("*") if p.is_file()]
        assert bodies == [], "the body is deleted once the batch is completed"
    finally:
        server.kill()


def stored_decisions(server: LocalServer) -> list[str]:
    """The decision ids stored in the region's partition, straight from dynalite."""
    client = server.dynamodb_client()
    ids: list[str] = []
    for page in client.get_paginator("query").paginate(
        TableName=local_table_name(),
        KeyConditionExpression="PK = :pk AND begins_with(SK, :prefix)",
        ExpressionAttributeValues={":pk": {"S": "REGION#VO2001"}, ":prefix": {"S": "DECISION#"}},
        ProjectionExpression="SK",
    ):
        ids += [item["SK"]["S"].removeprefix("DECISION#") for item in page["Items"]]
    return ids

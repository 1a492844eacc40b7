"""`make run` end to end: scripts/run_local.py starts dynalite and `chalice local`, serves the
API, stops both on Ctrl-C (SIGINT), and keeps the data across restarts."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts.localdev import port_is_free
from tests.support.local_server import LocalServer, local_table_name, pid_alive

pytestmark = pytest.mark.dynalite


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LocalServer]:
    with LocalServer(tmp_path / "dynalite") as running:
        yield running


def test_run_local_serves_health_and_stops_everything_on_sigint(server: LocalServer) -> None:
    # GIVEN the local stack is up
    assert server.health_status() == 200
    assert len(server.children) == 2, "expected dynalite and chalice local as children"
    assert all(pid_alive(pid) for pid in server.children)

    # WHEN it gets SIGINT, as from Ctrl-C
    status = server.stop()

    # THEN it exits 0, both servers are gone and both ports are free again
    assert status == 0, server.log()
    assert not [pid for pid in server.children if pid_alive(pid)], server.log()
    assert port_is_free(server.port)
    assert port_is_free(server.dynamodb_port)
    assert "SIGINT: stopping" in server.log()


def test_run_local_keeps_data_across_restarts(server: LocalServer) -> None:
    # GIVEN an item written straight to the local table
    table = local_table_name()
    key = {"PK": {"S": f"E2E#{uuid.uuid4()}"}, "SK": {"S": "PERSISTENCE"}}
    value = {"S": str(uuid.uuid4())}
    server.dynamodb_client().put_item(TableName=table, Item={**key, "value": value})

    # WHEN the stack is stopped and started again on the same data dir
    assert server.stop() == 0, server.log()
    server.start()

    # THEN the table and the item are still there
    item = server.dynamodb_client().get_item(TableName=table, Key=key, ConsistentRead=True)
    assert item.get("Item", {}).get("value") == value
    assert server.log_path.read_text().count(f"created table {table}") == 1

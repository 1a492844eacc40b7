"""The dynalite test helper: it starts, keeps its store across a restart, stops cleanly, and
says what to do when dynalite is not installed."""

from __future__ import annotations

from pathlib import Path

import pytest

from chalicelib.storage.schema import ensure_table
from scripts import localdev
from tests.support.dynalite import Dynalite, StartError
from tests.support.local_server import pid_alive

pytestmark = pytest.mark.dynalite


def test_dynalite_keeps_its_store_across_a_restart(tmp_path: Path) -> None:
    with Dynalite(data_dir=tmp_path / "db") as db:
        client = db.client()
        assert ensure_table(client, "toewijzing-helper") is True
        key = {"PK": {"S": "HELPER"}, "SK": {"S": "ITEM"}}
        client.put_item(TableName="toewijzing-helper", Item={**key, "n": {"N": "7"}})
        first_pid = db.pid

        db.restart()

        assert db.pid != first_pid
        assert ensure_table(client, "toewijzing-helper") is False
        item = client.get_item(TableName="toewijzing-helper", Key=key)["Item"]
        assert item["n"] == {"N": "7"}
    assert first_pid is not None
    assert not pid_alive(first_pid)
    assert db.pid is not None
    assert not pid_alive(db.pid)
    assert localdev.port_is_free(db.port)


def test_dynalite_temporary_store_is_removed_on_exit() -> None:
    with Dynalite() as db:
        data_dir = db.data_dir
        assert db.client().list_tables()["TableNames"] == []
    assert not data_dir.exists()


def test_dynalite_missing_says_to_run_make_install_node(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(localdev, "DYNALITE", localdev.ROOT / "node_modules/.bin/no-dynalite")
    with pytest.raises(StartError, match="make install-node"):
        Dynalite(data_dir=tmp_path / "db")

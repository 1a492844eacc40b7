"""The done-when of the Decision API, on `make run`'s stack (dynalite + chalice local):
a region is created, decisions are posted concurrently and read back, the server restarts,
and every decision is still there with the same volgnummer."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import REGION, request_body
from tests.support.local_server import LocalServer

pytestmark = pytest.mark.dynalite
ADMIN = {"Authorization": "Bearer local-admin-token", "Content-Type": "application/json"}


def call(server: LocalServer, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(server.url + path, data, ADMIN, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_decisions_are_numbered_once_and_survive_a_restart(tmp_path: Path) -> None:
    with LocalServer(tmp_path / "dynalite") as server:
        assert call(server, "PUT", "/v1/regions/VO2001", REGION)[0] == 201
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(
                pool.map(
                    lambda _: call(server, "POST", "/v1/regions/VO2001/decisions", request_body()),
                    range(24),
                )
            )
        assert {status for status, _ in results} == {201}
        made = {body["decision_id"]: body["volgnummer"] for _, body in results}
        assert sorted(made.values()) == [f"VO2001-2017-{n:06d}" for n in range(1, 25)]
        server.stop()
        server.start()
        for decision_id, volgnummer in made.items():
            status, body = call(server, "GET", f"/v1/regions/VO2001/decisions/{decision_id}")
            assert status == 200
            assert body["volgnummer"] == volgnummer

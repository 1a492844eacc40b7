"""The local stack (dynalite + `chalice local`, as `make run`) for the fuzz tests, once."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.conftest import REGION
from tests.support.local_server import LocalServer

ADMIN_TOKEN = "local-admin-token"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/json"}


def call(url: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url + path, data, ADMIN, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    """The running stack, with regions VO2001 and VO2002 (the fuzzer's ids rarely hit them)."""
    with LocalServer(tmp_path_factory.mktemp("fuzz") / "dynalite") as server:
        for region_id in ("VO2001", "VO2002"):
            status, _ = call(server.url, "PUT", f"/v1/regions/{region_id}", REGION)
            assert status in (200, 201)
        yield server

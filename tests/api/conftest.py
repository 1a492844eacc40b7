"""API tests: chalice's test client over services with the in-memory store and a fixed clock."""

from __future__ import annotations

import copy
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
from chalicelib.services import Services
from chalicelib.storage.memory import MemoryStorage
from tests.api import conformance
from tests.conftest import sensitive_exchange

ROOT = Path(__file__).resolve().parents[2]
ADMIN = "test-admin-token"
REGION = {
    "name": "SWV VO Testregio",
    "boards": [{"id": "41234", "name": "Stichting A"}, {"id": "41235", "name": "Stichting B"}],
    "schools": [
        {
            "brin": "00YY",
            "name": "Vmbo A",
            "board_id": "41234",
            "kinds": ["vmbo"],
            "lwoo_licence": True,
        },
        {"brin": "01AB", "name": "Pro B", "board_id": "41235", "kinds": ["pro"]},
    ],
}
COMPLETE_REQUEST: dict[str, Any] = {
    "application": {"arrangement": "lwoo", "date": "2017-03-01", "school_brin": "00YY"},
    "student": {
        "ref": "ll-2017-0042",
        "iq": {"score": 82, "test_date": "2016-11-10", "administered_by": "orthopedagoog"},
        "learning_delays": [
            {"domain": "begrijpend_lezen", "dl": 56, "dle": 40, "test_date": "2017-01-15"},
            {"domain": "spellen", "dl": 56, "dle": 38, "test_date": "2017-01-15"},
            {"domain": "technisch_lezen", "dl": 56, "dle": 50, "test_date": "2017-01-15"},
            {"domain": "inzichtelijk_rekenen", "dl": 56, "dle": 48, "test_date": "2017-01-15"},
        ],
    },
    "evidence": {
        "board_motivation": True,
        "parent_view": True,
        "expert_advice": ["orthopedagoog", "maatschappelijk_werker"],
    },
}


class Api:
    """A chalice test client with the headers and JSON handling every test needs."""

    def __init__(self, client: Client, services: Services, clock: list[dt.datetime]) -> None:
        self.client = client
        self.services = services
        self.clock = clock

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        token: str | None = ADMIN,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any, dict[str, str]]:
        # English unless a test asks otherwise: the assertions on message text are in English;
        # tests/api/test_language.py checks the Dutch default and both languages.
        sent = {"Content-Type": "application/json", "Accept-Language": "en", **(headers or {})}
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        raw = body if isinstance(body, str | bytes) or body is None else json.dumps(body)
        response = getattr(self.client.http, method.lower())(path, headers=sent, body=raw or b"")
        parsed = json.loads(response.body) if response.body else None
        sensitive_exchange(path, body, sent, parsed)  # tests/conftest.py: log hygiene
        content_type = response.headers.get("Content-Type", "")
        if content_type.startswith("application/json"):
            conformance.check(
                method, path, response.status_code, content_type, parsed, response.headers
            )
        return response.status_code, parsed, response.headers

    def region(self, region_id: str = "VO2001") -> None:
        status, _, _ = self.call("PUT", f"/v1/regions/{region_id}", REGION)
        assert status in (200, 201)

    def token(self, region_id: str | None = "VO2001", role: str = "region") -> str:
        path = f"/v1/regions/{region_id}/tokens" if region_id else "/v1/tokens"
        status, body, _ = self.call("POST", path, {"role": role})
        assert status == 201, body
        return str(body["token"])


def request_body(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(COMPLETE_REQUEST)
    for dotted, value in changes.items():
        node = body
        *parents, last = dotted.split("__")
        for part in parents:
            node = node[part]
        node[last] = value
    return body


@pytest.fixture
def api() -> Iterator[Api]:
    clock = [dt.datetime(2017, 3, 1, 12, tzinfo=dt.UTC)]
    settings = Settings(stage="test", table_name="unused", storage="memory", admin_token=ADMIN)
    services = Services(MemoryStorage(), settings, lambda: clock[0], wiring.new_id)
    wiring.override(services)
    try:
        with Client(app, stage_name="test", project_dir=str(ROOT)) as client:
            yield Api(client, services, clock)
    finally:
        wiring.override(None)


@pytest.fixture
def batch_api(api: Api, tmp_path: Path) -> Iterator[Api]:
    """`api` with the batch worker in-process (as `make run`): a batch is done when submitted."""
    from chalicelib.services.batches.pipeline import Batches
    from chalicelib.storage.transport import DirectoryBlobStore, InProcessQueue

    batches = Batches(api.services, DirectoryBlobStore(tmp_path), None, lambda r: b"k" * 32)
    batches.queue = InProcessQueue(batches.handle, background=False)
    wiring.override(api.services, batches)
    api.region()
    yield api

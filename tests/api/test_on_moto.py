"""End to end on the DynamoDB adapter (moto): what reaches boto3 and what comes back."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest
from chalice.test import Client
from moto import mock_aws

from app import app
from chalicelib import wiring
from chalicelib.config import Settings
from chalicelib.services import Services
from chalicelib.storage.dynamodb import DynamoStorage
from chalicelib.storage.schema import ensure_table
from tests.api.conftest import ADMIN, REGION, request_body
from tests.contract.conftest import fake_credentials

ROOT = Path(__file__).resolve().parents[2]


def numbers_in(value: Any) -> list[Any]:
    """Every float or Decimal anywhere inside a nested structure."""
    if isinstance(value, float | Decimal):
        return [value]
    if isinstance(value, dict):
        return [n for v in value.values() for n in numbers_in(v)]
    if isinstance(value, list | tuple):
        return [n for v in value for n in numbers_in(v)]
    return []


@pytest.fixture
def moto_client(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Client, list[Any]]]:
    fake_credentials(monkeypatch)
    sent: list[Any] = []
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="eu-west-1")
        ensure_table(dynamodb, "toewijzing-test")
        dynamodb.meta.events.register(
            "provide-client-params.dynamodb.*", lambda params, **_: sent.append(params)
        )
        settings = Settings(
            stage="test", table_name="toewijzing-test", storage="dynamodb", admin_token=ADMIN
        )
        now = dt.datetime(2017, 3, 1, tzinfo=dt.UTC)
        wiring.override(
            Services(
                DynamoStorage(dynamodb, "toewijzing-test"), settings, lambda: now, wiring.new_id
            )
        )
        try:
            with Client(app, stage_name="test", project_dir=str(ROOT)) as client:
                yield client, sent
        finally:
            wiring.override(None)


def test_decisions_on_dynamodb_send_no_float_and_return_no_decimal(
    moto_client: tuple[Client, list[Any]],
) -> None:
    client, sent = moto_client
    headers = {"Authorization": f"Bearer {ADMIN}", "Content-Type": "application/json"}
    assert (
        client.http.put("/v1/regions/VO2001", headers=headers, body=json.dumps(REGION)).status_code
        == 201
    )
    created = client.http.post(
        "/v1/regions/VO2001/decisions", headers=headers, body=json.dumps(request_body())
    )
    assert created.status_code == 201
    decision = json.loads(created.body, parse_float=Decimal)
    read = client.http.get(
        f"/v1/regions/VO2001/decisions/{decision['decision_id']}", headers=headers
    )
    listed = client.http.get(
        "/v1/regions/VO2001/decisions?student_ref=ll-2017-0042", headers=headers
    )
    assert json.loads(read.body) == json.loads(created.body)
    assert [d["decision_id"] for d in json.loads(listed.body)["items"]] == [decision["decision_id"]]
    assert sent, "the spy saw no DynamoDB call"
    assert numbers_in(sent) == []
    assert numbers_in(decision) == []

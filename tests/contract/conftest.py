"""One storage contract, three backends: the in-memory twin, moto, and dynalite."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from chalicelib.storage.dynamodb import DynamoStorage
from chalicelib.storage.memory import MemoryStorage
from chalicelib.storage.ports import Storage
from chalicelib.storage.schema import ensure_table
from tests.support.dynalite import Dynalite

BACKENDS = ["memory", "moto", "dynalite"]


@pytest.fixture(scope="session")
def dynalite_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with Dynalite(data_dir=tmp_path_factory.mktemp("dynalite")) as server:
        yield server.endpoint


def fake_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "eu-west-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL_DYNAMODB", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)


@pytest.fixture(params=BACKENDS)
def storage(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Storage]:
    if request.param == "memory":
        yield MemoryStorage()
        return
    fake_credentials(monkeypatch)
    table = f"toewijzing-{uuid.uuid4().hex[:12]}"
    if request.param == "moto":
        with mock_aws():
            client = boto3.client("dynamodb", region_name="eu-west-1")
            ensure_table(client, table)
            yield DynamoStorage(client, table)
        return
    url = request.getfixturevalue("dynalite_url")
    client = boto3.client("dynamodb", region_name="eu-west-1", endpoint_url=url)
    ensure_table(client, table)
    yield DynamoStorage(client, table, transactions=False)  # dynalite has none
    client.delete_table(TableName=table)

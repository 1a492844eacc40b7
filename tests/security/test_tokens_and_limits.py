"""Tokens stored only as SHA-256 hashes and compared in constant time; request size limits."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import boto3
import pytest
from moto import mock_aws

from chalicelib.services import auth as services
from chalicelib.storage.dynamodb import DynamoStorage
from chalicelib.storage.ports import TokenRecord
from chalicelib.storage.schema import ensure_table
from chalicelib.web import http
from tests.api.conftest import ADMIN, Api, request_body
from tests.contract.conftest import fake_credentials


def test_a_new_token_is_stored_only_as_its_sha256_hash(api: Api) -> None:
    api.region()
    tokens = [api.token("VO2001"), api.token(None, "ministry"), api.token(None, "admin")]
    stored = api.services.storage._tokens  # type: ignore[attr-defined]
    assert set(stored) == {hashlib.sha256(t.encode()).hexdigest() for t in tokens}
    everything = repr(api.services.storage.__dict__)
    for token in tokens:
        assert token not in everything
        assert len(token) >= 40  # tw_ + 32 random bytes, url-safe


def test_on_dynamodb_the_token_item_holds_the_hash_and_never_the_token(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_credentials(monkeypatch)
    token = "tw_" + "s3cr3t-token-value-for-the-test"
    with mock_aws():
        client = boto3.client("dynamodb", region_name="eu-west-1")
        ensure_table(client, "toewijzing-sec")
        storage = DynamoStorage(client, "toewijzing-sec")
        storage.put_token(TokenRecord(services.token_hash(token), "region", "VO2001", "x"))
        items = client.scan(TableName="toewijzing-sec")["Items"]
    assert token not in json.dumps(items)
    assert services.token_hash(token) in json.dumps(items)


def test_the_admin_token_is_compared_with_hmac_compare_digest(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[Any, Any]] = []
    compare = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        calls.append((a, b))
        return compare(a, b)

    monkeypatch.setattr(services.hmac, "compare_digest", spy)
    status, _, _ = api.call("GET", "/v1/regions/VO2001", token=ADMIN)
    assert status == 404 and calls == [(ADMIN.encode(), ADMIN.encode())]
    status, _, _ = api.call("GET", "/v1/regions/VO2001", token="not-the-admin-token")
    assert status == 401 and len(calls) == 2


def test_other_tokens_are_looked_up_by_hash_never_compared_as_strings(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A region token is found by the SHA-256 of what the client sent: the lookup's time does
    not depend on how many leading characters of a real token a guess shares."""
    api.region()
    token = api.token("VO2001")
    seen: list[str] = []
    real = api.services.storage.get_token
    monkeypatch.setattr(api.services.storage, "get_token", lambda h: seen.append(h) or real(h))
    assert api.call("GET", "/v1/regions/VO2001", token=token)[0] == 200
    assert api.call("GET", "/v1/regions/VO2001", token=token[:-1] + "x")[0] == 401
    assert seen == [services.token_hash(token), services.token_hash(token[:-1] + "x")]


BODY_ROUTES = [
    ("POST", "/v1/regions/VO2001/decisions"),
    ("POST", "/v1/regions/VO2001/criteria/validate"),
    ("POST", "/v1/regions/VO2001/criteria"),
    ("PUT", "/v1/regions/VO2001"),
    ("POST", "/v1/regions/VO2001/tokens"),
]


@pytest.mark.parametrize(("method", "path"), BODY_ROUTES)
def test_a_body_over_one_megabyte_is_a_413(api: Api, method: str, path: str) -> None:
    api.region()
    body = json.dumps({"pad": "x" * http.MAX_BODY_BYTES})
    status, error, _ = api.call(method, path, body)
    assert status == 413
    assert error["error"]["code"] == "payload_too_large"


def test_a_body_just_under_the_limit_is_read(api: Api) -> None:
    api.region()
    body = request_body()
    body["student"]["ref"] = "ll-" + "x" * 10
    raw = json.dumps(body)
    raw = raw[:-1] + " " * (http.MAX_BODY_BYTES - len(raw)) + "}"
    assert len(raw) == http.MAX_BODY_BYTES
    status, _, _ = api.call("POST", "/v1/regions/VO2001/decisions", raw)
    assert status == 201

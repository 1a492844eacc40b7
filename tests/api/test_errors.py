"""Errors have one home (`chalicelib/errors.py`): each class carries its HTTP status and code,
an error that maps to nothing is a logged 500 in the contract's shape (never a client error),
and an AWS outage of S3 is a 503 as DynamoDB's is."""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from chalicelib import errors, wiring
from chalicelib.services.batches.pipeline import Batches
from chalicelib.storage.transport import InProcessQueue, S3BlobStore
from tests.api.conftest import Api

# Every status the contract documents for an error (chalicelib/web/openapi.py)
CONTRACT = {400, 401, 403, 404, 409, 413, 415, 422, 429, 500, 503}
ERROR_CLASSES = [
    cls
    for _, cls in inspect.getmembers(errors, inspect.isclass)
    if cls.__module__ == errors.__name__ and issubclass(cls, Exception)
]


@pytest.mark.parametrize("cls", ERROR_CLASSES, ids=lambda c: c.__name__)
def test_every_error_class_has_a_status_and_code_of_the_contract(cls: type[Any]) -> None:
    assert cls.status in CONTRACT
    assert re.fullmatch(r"[a-z_]+", cls.code)


def test_error_classes_live_only_in_errors_py() -> None:
    root = Path(errors.__file__).parent
    pattern = re.compile(r"^class \w+\((\w*Error|Exception)\b", re.MULTILINE)
    elsewhere = [
        p.relative_to(root).as_posix()
        for p in root.rglob("*.py")
        if p.name != "errors.py" and pattern.search(p.read_text(encoding="utf-8"))
    ]
    # the command line's own exits (an error body to print), and an XML parser's stop signal
    assert sorted(elsewhere) == ["cli/api_client.py", "cli/common.py", "importers/safe_xml.py"]


class Unmapped(errors.ToewijzingError):
    """An error someone forgot to give a status: it must not pass for the client's fault."""


def test_an_unmapped_error_through_a_route_is_a_logged_500(
    api: Api, lines: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    api.region()

    def boom(*_: object) -> None:
        raise Unmapped("the secret internals of a bug")

    monkeypatch.setattr(api.services.regions, "get_region", boom)
    status, body, headers = api.call("GET", "/v1/regions/VO2001")
    assert status == 500
    rid = headers["X-Request-Id"]
    assert body == {
        "error": {
            "code": "internal_error",
            "message": f"An internal error occurred; quote request id {rid}.",
        }
    }
    logged = [json.loads(line) for line in lines]
    assert any("Unmapped" in line.get("exception", "") for line in logged)
    assert logged[-1]["status"] == 500 and logged[-1]["request_id"] == rid


def test_a_bare_service_error_is_a_500_too(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*_: object) -> None:
        raise errors.ToewijzingError("no class of its own")

    monkeypatch.setattr(api.services.auth, "authenticate", boom)
    status, body, _ = api.call("GET", "/v1/regions/VO2001")
    assert status == 500 and body["error"]["code"] == "internal_error"


class SlowS3:
    """An S3 client whose every call gets S3's 503 SlowDown (after botocore's retries)."""

    def _slow_down(self, operation: str) -> ClientError:
        error = {"Code": "SlowDown", "Message": "Please reduce your request rate."}
        response: Any = {"Error": error, "ResponseMetadata": {"HTTPStatusCode": 503}}
        return ClientError(response, operation)

    def put_object(self, **_: Any) -> None:
        raise self._slow_down("PutObject")

    def generate_presigned_url(self, *_: Any, **__: Any) -> str:
        return "https://example.invalid/upload"


def test_s3_slow_down_is_a_503_as_dynamodb_throttling_is() -> None:
    with pytest.raises(errors.ServiceUnavailableError) as caught:
        S3BlobStore(SlowS3(), "bucket").put("batches/VO2001/x", b"{}")
    assert caught.value.status == 503 and str(caught.value) == "SlowDown"


def test_s3_slow_down_through_the_api_is_a_503_with_retry_after(api: Api) -> None:
    batches = Batches(api.services, S3BlobStore(SlowS3(), "bucket"), None, lambda _: b"k")
    batches.queue = InProcessQueue(batches.handle, background=False)
    wiring.override(api.services, batches)
    api.region()
    body = json.dumps({"items": []})
    status, error, headers = api.call("POST", "/v1/regions/VO2001/batches", body)
    assert status == 503, error
    assert error["error"]["code"] == "service_unavailable"
    assert headers["Retry-After"] == "5"

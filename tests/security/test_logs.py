"""Structured JSON logs: one access line per request, with a request id, and nothing else."""

from __future__ import annotations

import json

import pytest

from tests.api.conftest import Api, request_body
from tests.conftest import scan


def test_one_json_line_per_request_with_request_id_route_status_and_duration(
    api: Api, lines: list[str]
) -> None:
    api.region()
    token = api.token("VO2001")
    lines.clear()
    body = request_body(student__ref="ll-geheim-123")
    status, made, headers = api.call("POST", "/v1/regions/VO2001/decisions", body, token=token)
    assert status == 201
    api.call("GET", "/v1/regions/VO2001/decisions?student_ref=ll-geheim-123", token=token)
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert set(first) == {"time", "level", "logger", "message", "request_id", "method", "route",
                          "status", "duration_ms", "storage_calls", "storage_ms"}  # fmt: skip
    assert first["route"] == "/v1/regions/{region_id}/decisions"
    assert first["status"] == 201 and first["method"] == "POST"
    assert first["request_id"] == headers["X-Request-Id"]
    assert first["duration_ms"] >= 0
    text = "\n".join(lines)
    for secret in ("ll-geheim-123", token, made["decision_id"], "Bearer", "orthopedagoog"):
        assert secret not in text


def test_an_unhandled_error_is_logged_without_the_request(
    api: Api, lines: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    api.region()

    def boom(*_: object) -> None:
        raise RuntimeError("storage exploded")

    monkeypatch.setattr(api.services.decisions, "create_decision", boom)
    body = request_body(student__ref="ll-geheim-456")
    status, error, _ = api.call("POST", "/v1/regions/VO2001/decisions", body)
    assert status == 500 and error["error"]["code"] == "internal_error"
    assert "ll-geheim-456" not in "\n".join(lines)
    assert json.loads(lines[-1])["status"] == 500


def test_the_session_scan_finds_a_registered_value_and_a_bsn() -> None:
    text = '{"message": "leaked ll-2017-0042"}\n{"message": "bsn 111222333"}\n{"id": "a123456782b"}'
    leaks = scan(text, {"ll-2017-0042", "short", "tw_never-logged-token"})
    assert leaks == ["registered value 'll-2017-0042'", "BSN-like number 111222333"]

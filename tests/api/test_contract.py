"""The contract's error shape, status codes and read-only framework routes."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate

from tests.api.conftest import Api, request_body


def assert_error(body: dict[str, object], code: str) -> None:
    assert set(body) == {"error"}
    error = body["error"]
    assert isinstance(error, dict)
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]


@pytest.mark.parametrize(
    ("raw", "content_type", "status", "code"),
    [
        ("{not json", "application/json", 400, "validation_error"),
        ('{"a": 1, "a": 2}', "application/json", 400, "validation_error"),
        ("", "application/json", 400, "validation_error"),
        ("[1, 2]", "application/json", 400, "validation_error"),
        ("x" * 1_000_001, "application/json", 413, "payload_too_large"),
        ("student_ref,iq", "text/csv", 415, "unsupported_media_type"),
        ('{"a": ' * 100_000 + "1" + "}" * 100_000, "application/json", 400, "validation_error"),
    ],
)
def test_broken_bodies_get_a_clear_4xx(
    api: Api, raw: str, content_type: str, status: int, code: str
) -> None:
    api.region()
    got, body, _ = api.call(
        "POST", "/v1/regions/VO2001/decisions", raw, headers={"Content-Type": content_type}
    )
    assert got == status
    assert_error(body, code)


def test_wrong_types_name_the_field_by_json_pointer(api: Api) -> None:
    api.region()
    body = request_body()
    body["student"]["iq"]["score"] = 300
    body["student"]["learning_delays"][2]["dle"] = "veel"
    body["application"]["date"] = "2016-02-30"
    status, error, _ = api.call("POST", "/v1/regions/VO2001/decisions", body)
    assert status == 400
    paths = {d["path"]: d["code"] for d in error["error"]["details"]}
    assert paths == {
        "/student/iq/score": "less_than_equal",
        "/student/learning_delays/2/dle": "int_type",  # strict: text is not a number
        "/application/date": "date_from_datetime_parsing",
    }


def test_an_unsupported_method_is_405_in_the_contract_shape(api: Api) -> None:
    status, body, _ = api.call("DELETE", "/v1/regions/VO2001")
    assert status == 405
    assert_error(body, "method_not_allowed")


@pytest.mark.parametrize("bad", ["vo2001", "VO2001%2F..%2F", "V", "VO" + "1" * 20])
def test_a_malformed_region_id_is_400(api: Api, bad: str) -> None:
    status, body, _ = api.call("GET", f"/v1/regions/{bad}")
    assert status == 400
    assert_error(body, "validation_error")


def test_the_framework_route_shows_the_phase_in_force(api: Api) -> None:
    status, body, _ = api.call("GET", "/v1/framework?date=2017-03-01", token=None)
    assert status == 200
    phase = body["phase"]
    assert body["framework"] == "enacted"
    assert phase["id"] == "integratie-2016"
    assert phase["effective_from"] == "2016-01-01"
    assert phase["effective_until"] == "2022-07-31"
    assert phase["national_criteria"]["lwoo"] == "binding_unless_opted_out"
    assert phase["national_criteria"]["pro"] == "binding"
    status, body, _ = api.call(
        "GET", "/v1/framework?date=2018-08-01&framework=kamerbrief-2014", token=None
    )
    assert body["phase"]["id"] == "loslaten"


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("date=2015-12-31", 422, "no_legal_phase"),
        ("date=2016-02-30", 400, "validation_error"),
        ("date=2017-03-01&framework=nope", 400, "unknown_framework"),
    ],
)
def test_framework_errors(api: Api, query: str, status: int, code: str) -> None:
    got, body, _ = api.call("GET", f"/v1/framework?{query}", token=None)
    assert got == status
    assert_error(body, code)


def test_national_criteria_round_trip_as_a_criteria_definition(api: Api) -> None:
    status, body, headers = api.call(
        "GET", "/v1/framework/national-criteria?date=2023-01-01", token=None
    )
    assert status == 200
    assert headers["X-Criteria-Version"] == "national-2022"
    routes = body["arrangements"]["lwoo"]["routes"] + body["arrangements"]["pro"]["routes"]
    assert {r["id"] for r in routes} == {"lwoo-a", "lwoo-b", "pro"}
    assert all(r["legal_basis"] for r in routes)
    status, body, _ = api.call(
        "GET",
        "/v1/framework/national-criteria?date=2019-01-01&framework=kamerbrief-2014",
        token=None,
    )
    assert status == 422 and body["error"]["code"] == "no_criteria_in_force"


def test_openapi_document_is_valid_openapi_3_1(api: Api) -> None:
    status, document, _ = api.call("GET", "/v1/openapi.json", token=None)
    assert status == 200
    validate(document)
    assert "/v1/regions/{region_id}/decisions" in document["paths"]

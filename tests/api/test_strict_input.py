"""Strict input, clean errors (issue 14, item 5): JSON input is strict (an integer field refuses
`"70"`, a flag refuses `"true"`), fields documented as strings keep them (dates, decimal
ratios), CSV cells are converted on purpose; an oversized integer and a path or method no route
serves are answered in the contract's error shape, never in the interpreter's or chalice's."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.services.batches.formats import csv_document
from tests.api.conftest import Api, request_body

DECISIONS = "/v1/regions/VO2001/decisions"
HUGE = "7" * 5000


def is_error(body: Any, code: str) -> None:
    assert set(body) == {"error"}, body
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str)


@pytest.mark.parametrize(
    ("field", "value", "path"),
    [
        ("student__iq__score", "70", "/student/iq/score"),
        ("student__iq__score", 70.0, "/student/iq/score"),
        ("student__iq__score", True, "/student/iq/score"),
        ("evidence__board_motivation", "true", "/evidence/board_motivation"),
        ("evidence__parent_view", 1, "/evidence/parent_view"),
    ],
)
def test_json_input_is_strict_and_the_400_names_the_field(
    api: Api, field: str, value: Any, path: str
) -> None:
    api.region()
    status, body, _ = api.call("POST", DECISIONS, request_body(**{field: value}))
    assert status == 400, body
    is_error(body, "validation_error")
    assert [d["path"] for d in body["error"]["details"]] == [path]


def test_a_delay_given_as_text_is_refused_too(api: Api) -> None:
    api.region()
    document = request_body()
    document["student"]["learning_delays"][0]["dl"] = "40"
    status, body, _ = api.call("POST", DECISIONS, document)
    assert status == 400
    assert body["error"]["details"][0]["path"] == "/student/learning_delays/0/dl"


def test_an_integer_field_in_the_token_body_refuses_text(api: Api) -> None:
    api.region()
    status, body, _ = api.call("POST", "/v1/regions/VO2001/tokens", {"expires_in_days": "30"})
    assert status == 400
    assert body["error"]["details"][0]["path"] == "/expires_in_days"


def test_an_oversized_integer_is_a_clean_400(api: Api) -> None:
    api.region()
    raw = json.dumps(request_body(student__iq__score=123456789)).replace("123456789", HUGE)
    status, body, _ = api.call("POST", DECISIONS, raw)
    assert status == 400
    is_error(body, "validation_error")
    assert "digits" in body["error"]["message"]
    assert "sys." not in json.dumps(body) and "set_int_max_str_digits" not in json.dumps(body)


def test_csv_cells_are_converted_on_purpose_and_text_stays_refusable() -> None:
    document = csv_document({"student_ref": "a", "iq_score": "70", "spellen_dl": "40",
                             "spellen_dle": "x1", "board_motivation": "ja"})  # fmt: skip
    assert document["student"]["iq"]["score"] == 70
    assert document["student"]["learning_delays"][0]["dl"] == 40
    assert document["student"]["learning_delays"][0]["dle"] == "x1"  # the model refuses it
    assert document["evidence"]["board_motivation"] is True


def batch_rows(api: Api, body: str) -> list[dict[str, Any]]:
    status, accepted, _ = api.call(
        "POST", "/v1/regions/VO2001/batches", body, headers={"Content-Type": "application/json"}
    )
    assert status == 202, accepted
    _, page, _ = api.call("GET", accepted["results_url"])
    return list(page["items"])


def test_a_json_batch_item_is_strict_as_a_single_call_is(batch_api: Api) -> None:
    item = request_body()
    item["student"]["iq"]["score"] = "70"
    rows = batch_rows(batch_api, json.dumps({"items": [request_body(), item]}))
    assert [r["status"] for r in rows] == ["decided", "rejected"]
    assert rows[1]["errors"][0]["path"] == "/student/iq/score"


def test_an_oversized_integer_in_a_json_batch_is_refused_in_our_words(batch_api: Api) -> None:
    item = request_body(student__iq__score=123456789)
    raw = json.dumps({"items": [item]}).replace("123456789", HUGE)
    status, body, _ = batch_api.call(
        "POST", "/v1/regions/VO2001/batches", raw, headers={"Content-Type": "application/json"}
    )
    text = json.dumps(body)
    assert "set_int_max_str_digits" not in text and "sys." not in text
    if status == 202:  # refused where the batch stops being readable: the status says why
        _, state, _ = batch_api.call("GET", body["status_url"])
        assert "set_int_max_str_digits" not in json.dumps(state)
    else:
        assert status == 400
        is_error(body, "validation_error")


@pytest.mark.parametrize(
    "path", ["/nope", "/v1/nothing-here", "/v1/regions/VO2001/decisions/x/y/z", "/"]
)
@pytest.mark.parametrize("token", [None, "test-admin-token"])
def test_a_path_no_route_serves_is_404_not_found(api: Api, path: str, token: str | None) -> None:
    status, body, headers = api.call("GET", path, token=token)
    assert status == 404
    is_error(body, "not_found")
    assert headers["Content-Type"].startswith("application/json")


def test_a_query_parameter_the_operation_does_not_take_is_a_400_naming_it(api: Api) -> None:
    """A misspelt `?teldatun=` must not silently give the default count date's figures."""
    api.region()
    status, body, _ = api.call("GET", "/v1/regions/VO2001/statistics?teldatun=2023-10-01")
    assert status == 400, body
    is_error(body, "validation_error")
    [detail] = body["error"]["details"]
    assert (detail["path"], detail["code"]) == ("?teldatun", "unknown_parameter")
    assert detail["message"] == "Not a parameter of this operation."
    assert "teldatun" in body["error"]["message"]
    # the parameters it does take, and a `name:variant` one (`limit:1000`) by its name
    status, _, _ = api.call("GET", "/v1/regions/VO2001/statistics?teldatum=2016-10-01")
    assert status == 200
    status, body, _ = api.call("GET", "/v1/regions/VO2001/batches/" + "0" * 32 + "/results?limit=5")
    assert status == 404, body

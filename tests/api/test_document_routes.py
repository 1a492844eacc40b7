"""The OpenAPI document is the route table: every route chalice serves is an operation of
`GET /v1/openapi.json` and the other way round, each with a schema for every status it lists;
a route without a declaration cannot be served a document (chalicelib/web/openapi.py)."""

from __future__ import annotations

from typing import Any

import pytest
from chalice import Chalice

from app import app
from chalicelib.web.openapi import build_document, openapi_document, schemas
from chalicelib.web.operation import declared, operation
from tests.api import conformance
from tests.api.conftest import Api


def served() -> set[tuple[str, str]]:
    return {(m.upper(), path) for path, methods in app.routes.items() for m in methods}


def documented() -> set[tuple[str, str]]:
    return {(m.upper(), p) for p, item in openapi_document()["paths"].items() for m in item}


def test_every_route_is_an_operation_and_every_operation_a_route() -> None:
    assert served() - documented() == set(), "routes missing from the document"
    assert documented() - served() == set(), "operations no route serves"
    assert len(served()) >= 45


def operations() -> list[Any]:
    return [
        pytest.param(path, method, op, id=f"{method.upper()} {path}")
        for path, item in openapi_document()["paths"].items()
        for method, op in item.items()
    ]


@pytest.mark.parametrize(("path", "method", "op"), operations())
def test_every_status_of_every_operation_has_its_schema(
    path: str, method: str, op: dict[str, Any]
) -> None:
    components = openapi_document()["components"]["schemas"]
    for status, response in op["responses"].items():
        if status == "204":
            assert "content" not in response
            continue
        content = response["content"]
        assert content, f"{status} has no media type"
        for media, body in content.items():
            schema = body["schema"]
            if media == "application/json":
                assert schema["$ref"].rsplit("/", 1)[1] in components
                if not status.startswith("2"):
                    assert schema["$ref"].endswith("/Error")
            else:
                assert media in ("text/markdown", "text/html", "text/csv")
                assert schema == {"type": "string"}


@pytest.mark.parametrize(("path", "method", "op"), operations())
def test_public_operations_say_so_and_the_others_answer_401(
    path: str, method: str, op: dict[str, Any]
) -> None:
    view = app.routes[path][method.upper()].view_function
    declaration = declared(view)
    assert declaration is not None
    if declaration.public:
        assert op["security"] == [] and "401" not in op["responses"]
    else:
        assert "security" not in op and {"401", "403", "503"} <= set(op["responses"])


def test_a_route_without_a_declaration_fails_the_document() -> None:
    other = Chalice(app_name="undeclared")

    @other.route("/v1/declared")
    @operation("Declared", ok=(200, "Health"), public=True)
    def fine() -> None: ...

    assert "/v1/declared" in build_document(other.routes)["paths"]

    @other.route("/v1/forgotten")
    def forgotten() -> None: ...

    with pytest.raises(ValueError, match="GET /v1/forgotten declares no @operation"):
        build_document(other.routes)


def test_a_declaration_naming_no_model_fails_the_document() -> None:
    other = Chalice(app_name="misnamed")

    @other.route("/v1/misnamed")
    @operation("Misnamed", ok=(200, "NoSuchModel"))
    def misnamed() -> None: ...

    with pytest.raises(KeyError, match="NoSuchModel"):
        build_document(other.routes)


def test_request_models_keep_their_names_and_responses_differ_only_where_they_must() -> None:
    components, refs = schemas()
    assert refs["CriteriaDefinition"].endswith("/CriteriaDefinition")
    assert refs["NationalCriteria"].endswith("/CriteriaDefinition-Output")
    ratio = components["LearningDelayCondition"]["properties"]["min_ratio"]
    sent = components["LearningDelayCondition-Output"]["properties"]["min_ratio"]
    assert ratio != sent  # taken as a number or text, always sent as text


def test_the_conformance_check_refuses_what_the_document_does_not_say(api: Api) -> None:
    """The check every API test's answers pass (tests/api/conformance.py) can fail."""
    json_type = "application/json"
    conformance.check("GET", "/v1/health", 200, json_type, {"status": "ok"})
    with pytest.raises(AssertionError, match=r"was expected at \$.status"):
        conformance.check("GET", "/v1/health", 200, json_type, {"status": "fine"})
    with pytest.raises(AssertionError, match="answered 201: not documented"):
        conformance.check("GET", "/v1/health", 201, json_type, {"status": "ok"})
    with pytest.raises(AssertionError, match="Additional properties"):
        conformance.check("GET", "/v1/regions/VO2001/tokens", 200, json_type,
                          {"items": [], "token": "tw_secret"})  # fmt: skip
    with pytest.raises(AssertionError, match="text/csv is not documented"):
        conformance.check("GET", "/v1/regions/VO2001/decisions", 200, "text/csv", "a,b")


def test_the_conformance_check_holds_the_response_headers_to_the_document() -> None:
    json_type, path = "application/json", "/v1/regions/VO2001/decisions"
    with pytest.raises(AssertionError, match=r"did not send \['Idempotent-Replayed'\]"):
        conformance.check("POST", path, 201, json_type, {}, headers={})
    with pytest.raises(AssertionError, match=r"sent \['Location'\]: not documented"):
        conformance.check("GET", "/v1/health", 200, json_type, {"status": "ok"}, {"Location": "/"})
    with pytest.raises(AssertionError, match=r"did not send \['Retry-After'\]"):
        conformance.check("GET", "/v1/regions/VO2001", 503, json_type, {}, headers={})
